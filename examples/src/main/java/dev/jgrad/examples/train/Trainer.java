package dev.jgrad.examples.train;

import dev.jgrad.core.autograd.AnomalyException;
import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.autograd.GradScope;
import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.ops.CrossEntropy;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.checkpoint.Checkpoint;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.Batcher;
import dev.jgrad.nn.data.BitsPerByte;
import dev.jgrad.nn.data.EvalWindows;
import dev.jgrad.nn.data.TokenSequence;
import dev.jgrad.nn.modules.TransformerLM;
import dev.jgrad.nn.modules.UnusedParameters;
import dev.jgrad.nn.optim.AdamW;
import dev.jgrad.nn.optim.GradClip;
import dev.jgrad.nn.optim.LrSchedule;
import dev.jgrad.nn.sampling.Generator;
import dev.jgrad.nn.sampling.Sampler;
import dev.jgrad.nn.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The training loop of the main job: AdamW on mean cross-entropy over random windows of the training
 * tokens, a warmup-then-cosine learning rate, gradient clipping, periodic validation in bits per byte,
 * atomic checkpoints, a plot and a sample at the end.
 *
 * <pre>
 *   for step in [start, steps):
 *     lr ← schedule(step);  (x, y) ← batcher.next()
 *     loss ← crossEntropy(model(x), y);  loss.backward();  clip(‖∇‖ ≤ clip);  adamw.step();  zeroGrad
 * </pre>
 *
 * A run stopped after a checkpoint and resumed continues bit for bit: the checkpoint holds weights,
 * AdamW moments, the step and the batcher's random state, and nothing else carries randomness.
 *
 * <p>Crash safety: metrics.csv is written before each checkpoint (so it never lags behind one), both
 * atomically, and a run killed at any moment resumes from its newest checkpoint, losing only the steps
 * since. Temporary files left by a write the kill interrupted are deleted when the run is next opened.
 * Training stops with a {@link UserError}, leaving the last checkpoint as it was, when the loss or the
 * gradient norm is not finite, when the weights are not finite before a save, or when a save fails (a
 * full disk, an unwritable directory).
 */
@SuppressWarnings("try") // grad and anomaly scopes exist only to be closed
public final class Trainer {
    /** What a finished run reports. */
    public record Summary(
            int steps, double trainLoss, double valLoss, double valBpb, Double floorBpb, String sample, Path runDir) {
        public String qualityLine() {
            return floorBpb == null
                    ? String.format(Locale.ROOT, "val %.3f bpb", valBpb)
                    : BitsPerByte.format(valBpb, floorBpb);
        }
    }

    private final PrintStream out;
    private final boolean terminal;

    public Trainer(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** A new run into {@code options.out}. */
    public Summary train(TrainOptions options) throws IOException {
        options.validate();
        RunDir run = RunDir.create(options, out);
        return loop(run, null);
    }

    /** Continues the run in {@code dir} from its checkpoint, up to {@code steps} total (0: as saved). */
    public Summary resume(Path dir, int steps, int threads) throws IOException {
        return resume(dir, steps, threads, false, false);
    }

    /**
     * As {@link #resume(Path, int, int)}, with this invocation's debugging switches (they are not saved
     * with the run): {@link TrainOptions#detectAnomaly} and {@link TrainOptions#findUnusedParameters}.
     */
    public Summary resume(Path dir, int steps, int threads, boolean detectAnomaly, boolean findUnusedParameters)
            throws IOException {
        RunDir run = RunDir.open(dir, steps);
        run.options().threads = threads;
        run.options().detectAnomaly = detectAnomaly;
        run.options().findUnusedParameters = findUnusedParameters;
        Checkpoint checkpoint = Checkpoint.load(run.checkpointPath());
        return loop(run, checkpoint);
    }

    private Summary loop(RunDir run, Checkpoint checkpoint) throws IOException {
        TrainOptions o = run.options();
        Parallel.setThreads(o.threads);
        int stale = run.deleteStaleTempFiles();
        if (stale > 0) {
            out.println("removed " + stale + " temporary file" + (stale == 1 ? "" : "s")
                    + " left by an interrupted write in " + run.dir());
        }
        TransformerLM model = new TransformerLM(run.modelConfig(), new Random(o.seed));
        AdamW optimizer = new AdamW(model.namedParameters(), o.lr, o.beta1, o.beta2, 1e-8, o.weightDecay);
        LrSchedule schedule = LrSchedule.cosine(o.lr, o.minLr, Math.min(o.warmupSteps, o.steps), o.steps);
        Batcher batcher =
                new Batcher(run.train(), o.batchSize, run.modelConfig().contextLength(), o.seed);
        int start = 0;
        Metrics metrics = new Metrics(run.metricsPath());
        if (checkpoint != null) {
            checkpoint.restore(model, optimizer);
            batcher.setState(checkpoint.rng("batcher"));
            start = (int) checkpoint.step();
            metrics.truncateAfter(start);
            out.println("resumed " + run.dir() + " at step " + start + " of " + o.steps);
        }
        out.printf(
                Locale.ROOT,
                "model: %,d parameters, %s; data: %,d train / %,d val tokens%n",
                model.numParameters(),
                run.modelConfig(),
                run.train().size(),
                run.val().size());

        Progress progress = new Progress(out, terminal, o.steps, o.logEvery);
        List<Tensor> params = model.parameters();
        long tokensPerStep = (long) o.batchSize * run.modelConfig().contextLength();
        long began = System.nanoTime();
        double trainLoss = Double.NaN;
        Evaluation val = null;
        int end = o.stopAfter > 0 ? Math.max(start, o.stopAfter) : o.steps;
        int saved = start; // the step of the newest checkpoint on disk (0: none yet)
        for (int step = start; step < end; step++) {
            optimizer.setLr(schedule.lr(step));
            Batch batch = batcher.next();
            try (GradScope ignored = o.detectAnomaly ? Autograd.detectAnomaly() : () -> {}) {
                Tensor logits = model.forward(Tensor.ofInts(batch.inputs(), batch.batchSize(), batch.contextLength()));
                Tensor loss =
                        logits.crossEntropy(Tensor.ofInts(batch.targets(), batch.batchSize(), batch.contextLength()));
                trainLoss = loss.item();
                if (!Double.isFinite(trainLoss)) {
                    throw diverged(step + 1, "the loss is " + trainLoss, run, saved);
                }
                try (GradScope released = Autograd.releaseActivations()) {
                    loss.backward(); // the next step's forward pass reuses this one's activations
                }
            } catch (AnomalyException e) {
                throw new UserError(
                        "step " + (step + 1) + ": " + e.getMessage() + "\n" + lastCheckpoint(run, saved), e);
            }
            if (o.findUnusedParameters && step == start) {
                progress.line("step " + (step + 1) + ": "
                        + UnusedParameters.report(UnusedParameters.find(model), params.size()));
            }
            double gradNorm = GradClip.clipGradNorm(params, o.clip);
            if (!Double.isFinite(gradNorm)) {
                throw diverged(step + 1, "the gradient norm is " + gradNorm, run, saved);
            }
            optimizer.step();
            optimizer.zeroGrad();

            int done = step + 1;
            double seconds = (System.nanoTime() - began) / 1e9;
            double rate = (done - start) * tokensPerStep / seconds;
            progress.step(done, trainLoss, rate, (o.steps - done) * tokensPerStep / rate);
            Double evalBpb = null;
            if (done % o.evalEvery == 0 || done == o.steps) {
                val = evaluate(model, run.val(), run.modelConfig().contextLength(), o.batchSize, run.bytesPerToken());
                evalBpb = val.bitsPerByte();
                progress.line(String.format(
                        Locale.ROOT,
                        "step %d: train loss %.4f, val loss %.4f, %s",
                        done,
                        trainLoss,
                        val.natsPerToken(),
                        qualityLine(val.bitsPerByte(), run.floorBpb())));
            }
            metrics.add(done, trainLoss, run.bitsPerByte(trainLoss), evalBpb, schedule.lr(step));
            if (done % o.checkpointEvery == 0 || done == end) {
                checkFinite(model, done, run, saved);
                try {
                    metrics.save(); // first: a kill between the two leaves rows past the checkpoint, never a gap
                } catch (IOException e) {
                    throw cannotSave(run.metricsPath(), done, e, run, saved);
                }
                try {
                    Checkpoint.save(
                            run.checkpointPath(),
                            model,
                            optimizer,
                            done,
                            Map.of("batcher", batcher.state()),
                            run.modelConfigJson());
                } catch (IOException e) {
                    throw cannotSave(run.checkpointPath(), done, e, run, saved);
                }
                saved = done;
            }
        }
        if (end < o.steps) {
            progress.line("stopped after step " + end + " of " + o.steps + "; continue with --resume " + run.dir());
            return new Summary(end, trainLoss, Double.NaN, Double.NaN, run.floorBpb(), "", run.dir());
        }
        if (val == null) {
            val = evaluate(model, run.val(), run.modelConfig().contextLength(), o.batchSize, run.bytesPerToken());
        }
        try {
            Checkpoint.saveWeights(run.weightsPath(), model);
            metrics.plot(run.plotPath(), run.floorBpb());
        } catch (IOException e) {
            throw cannotSave(run.weightsPath(), o.steps, e, run, saved);
        }
        String sample = sample(model, run, o);
        Summary summary = new Summary(
                o.steps, trainLoss, val.natsPerToken(), val.bitsPerByte(), run.floorBpb(), sample, run.dir());
        out.println("sample:\n" + sample);
        out.println("plot: " + run.plotPath());
        out.println(summary.qualityLine());
        return summary;
    }

    private static UserError diverged(int step, String what, RunDir run, int saved) {
        return new UserError("training diverged at step " + step + ": " + what + "; " + lastCheckpoint(run, saved)
                + " (try a lower --lr, or --detect-anomaly to find the first op that made a NaN or ±Inf)");
    }

    private static String lastCheckpoint(RunDir run, int saved) {
        return saved == 0
                ? "no checkpoint had been written yet"
                : "the last checkpoint, " + run.checkpointPath() + " at step " + saved + ", is intact";
    }

    private static UserError cannotSave(Path path, int step, IOException e, RunDir run, int saved) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.nio.file.AccessDeniedException) {
            reason = "permission denied: " + reason;
        }
        return new UserError(
                "step " + step + ": cannot write " + path + " (" + reason + "); " + lastCheckpoint(run, saved)
                        + " (free some disk space or fix the directory's permissions, then --resume " + run.dir() + ")",
                e);
    }

    /** Refuses to save weights that hold NaN or ±Inf: the checkpoint on disk is the last good one. */
    private static void checkFinite(TransformerLM model, int step, RunDir run, int saved) {
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            NdArray w = e.getValue().value();
            for (int i = 0; i < w.size(); i++) {
                double x = w.dtype() == DType.FLOAT32 ? w.floats()[i] : w.get(i);
                if (!Double.isFinite(x)) {
                    throw diverged(
                            step,
                            "after the update, weight " + e.getKey() + " " + w.shape() + " holds " + x
                                    + " at flat index " + i + ", so it was not saved",
                            run,
                            saved);
                }
            }
        }
    }

    private static String qualityLine(double bpb, Double floor) {
        return floor == null ? String.format(Locale.ROOT, "val %.3f bpb", bpb) : BitsPerByte.format(bpb, floor);
    }

    /** Mean loss over consecutive non-overlapping windows, and its bits per byte. */
    public record Evaluation(double natsPerToken, long tokens, double bitsPerByte) {}

    /**
     * Mean cross-entropy over every full window of {@code contextLength} from the start of
     * {@code tokens} (targets shifted by one); bits per byte use the tokenizer's byte counts.
     */
    public static Evaluation evaluate(
            TransformerLM model, TokenSequence tokens, int contextLength, int batchSize, double[] bytesPerToken) {
        EvalWindows windows = new EvalWindows(tokens, contextLength);
        if (windows.count() == 0) {
            throw new UserError("eval: " + tokens.size() + " tokens are too few for one window of " + contextLength
                    + " (needs " + (contextLength + 1) + ")");
        }
        double nats = 0;
        double bytes = 0;
        long count = 0;
        try (GradScope ignored = Autograd.noGrad()) {
            for (Batch b : windows.batches(batchSize)) {
                Tensor logits = model.forward(Tensor.ofInts(b.inputs(), b.batchSize(), b.contextLength()));
                Tensor targets = Tensor.ofInts(b.targets(), b.batchSize(), b.contextLength());
                nats += logits.crossEntropy(targets, CrossEntropy.Reduction.SUM, CrossEntropy.DEFAULT_IGNORE_INDEX)
                        .item();
                for (int t : b.targets()) {
                    bytes += bytesPerToken == null ? 1 : bytesPerToken[t];
                }
                count += b.targets().length;
            }
        }
        return new Evaluation(nats / count, count, nats / (Math.log(2) * bytes));
    }

    private static String sample(TransformerLM model, RunDir run, TrainOptions o) {
        if (o.sampleBytes == 0) {
            return "";
        }
        // prompt: the first few validation tokens, starting after a space so the sample opens on a word
        int start = 0;
        for (int i = 0; i < Math.min(64, run.val().size() - 1); i++) {
            byte[] b = run.tokenizer().tokenBytes(run.val().get(i));
            if (b.length > 0 && b[b.length - 1] == ' ') {
                start = i + 1;
                break;
            }
        }
        int[] prompt = new int[Math.min(8, run.val().size() - start)];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = run.val().get(start + i);
        }
        int maxTokens = (int) Math.ceil(o.sampleBytes / run.meanBytesPerToken());
        int[] ids = Generator.generate(model, prompt, maxTokens, new Sampler(1.0, 1.0, o.seed), -1);
        return new String(run.tokenizer().decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /** Byte length of each token id: bits per byte weigh each target by the bytes it stands for. */
    public static double[] bytesPerToken(Tokenizer t) {
        double[] b = new double[t.vocabSize()];
        for (int i = 0; i < b.length; i++) {
            b[i] = t.tokenBytes(i).length;
        }
        return b;
    }

    static List<String> readLines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.UTF_8) : new ArrayList<>();
    }
}
