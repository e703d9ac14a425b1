package dev.jgrad.examples.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a training run is configured with; the defaults train the default model on the
 * built-in corpus in a minute or two on two cores (45 s measured on an idle 2-core host). Saved as
 * {@code run.json} so that {@code --resume} continues with the same settings.
 */
public final class TrainOptions {
    /** A text file to train on, or null for the built-in synthetic corpus. */
    public Path data;
    /** Size of the built-in corpus in bytes. */
    public int corpusBytes = 2_000_000;
    /** Fraction of the tokens held out (at the end) for validation. */
    public double valFraction = 0.05;
    /** {@code byte}, {@code bpe} (trained on the data), or a directory holding vocab.json and merges.txt. */
    public String tokenizer = "byte";
    /** Target vocabulary for {@code --tokenizer bpe}. */
    public int vocabSize = 512;

    public int contextLength = 64;
    public int dModel = 96;
    public int numLayers = 2;
    public int numHeads = 4;
    public int dFf = 256;
    public double ropeTheta = 10_000;

    public int batchSize = 16;
    public int steps = 1500;
    public double lr = 3e-3;
    public double minLr = 3e-4;
    public int warmupSteps = 100;
    public double weightDecay = 0.1;
    public double beta1 = 0.9;
    public double beta2 = 0.95;
    public double clip = 1.0;
    public long seed = 1;

    public int evalEvery = 250;
    public int checkpointEvery = 500;
    public int logEvery = 50;
    public int sampleBytes = 300;
    public Path out;
    public int threads = Runtime.getRuntime().availableProcessors();
    /**
     * Stop after this step (0: run to {@link #steps}), saving a checkpoint there, as an interrupted
     * run would have; the schedule still spans all {@link #steps}. Lets a run be trained in pieces.
     */
    public int stopAfter;
    /**
     * Run each step's forward and backward under {@code Autograd.detectAnomaly()}: the first op that
     * makes a NaN or ±Inf stops training with its name, input shapes and creating line. Slow; not saved.
     */
    public boolean detectAnomaly;
    /** After the first step's backward, list the parameters that got no gradient or an all-zero one. Not saved. */
    public boolean findUnusedParameters;

    /** The settings as JSON-ready values, for run.json. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", data == null ? null : data.toString());
        m.put("corpus_bytes", (long) corpusBytes);
        m.put("val_fraction", valFraction);
        m.put("tokenizer", tokenizer);
        m.put("vocab_size", (long) vocabSize);
        m.put("batch_size", (long) batchSize);
        m.put("steps", (long) steps);
        m.put("lr", lr);
        m.put("min_lr", minLr);
        m.put("warmup_steps", (long) warmupSteps);
        m.put("weight_decay", weightDecay);
        m.put("beta1", beta1);
        m.put("beta2", beta2);
        m.put("clip", clip);
        m.put("seed", seed);
        m.put("eval_every", (long) evalEvery);
        m.put("checkpoint_every", (long) checkpointEvery);
        m.put("log_every", (long) logEvery);
        m.put("sample_bytes", (long) sampleBytes);
        return m;
    }

    /** Checks every setting; the first problem is reported as a {@link UserError}. */
    void validate() {
        positive("--corpus-bytes", corpusBytes);
        positive("--vocab-size", vocabSize);
        positive("--context-length", contextLength);
        positive("--d-model", dModel);
        positive("--layers", numLayers);
        positive("--heads", numHeads);
        positive("--d-ff", dFf);
        positive("--batch-size", batchSize);
        positive("--steps", steps);
        positive("--eval-every", evalEvery);
        positive("--checkpoint-every", checkpointEvery);
        positive("--log-every", logEvery);
        positive("--threads", threads);
        if (stopAfter < 0 || stopAfter > steps) {
            throw new UserError("--stop-after " + stopAfter + " must be in [0, --steps " + steps + "]");
        }
        if (dModel % numHeads != 0) {
            throw new UserError("--heads " + numHeads + " does not divide --d-model " + dModel);
        }
        if ((dModel / numHeads) % 2 != 0) {
            throw new UserError("--d-model / --heads = " + dModel / numHeads + " must be even for rotary embeddings");
        }
        if (!(lr > 0) || !(minLr >= 0) || minLr > lr) {
            throw new UserError("learning rates must satisfy 0 ≤ --min-lr ≤ --lr and --lr > 0; got --lr " + lr
                    + ", --min-lr " + minLr);
        }
        if (warmupSteps < 0) {
            throw new UserError("--warmup must be ≥ 0, got " + warmupSteps);
        }
        if (!(valFraction > 0 && valFraction < 1)) {
            throw new UserError("--val-fraction must be in (0, 1), got " + valFraction);
        }
        if (!(weightDecay >= 0) || !(clip > 0) || !(ropeTheta > 0)) {
            throw new UserError("--weight-decay must be ≥ 0, --clip and --rope-theta > 0");
        }
        if (sampleBytes < 0) {
            throw new UserError("--sample-bytes must be ≥ 0, got " + sampleBytes);
        }
    }

    private static void positive(String flag, long value) {
        if (value <= 0) {
            throw new UserError(flag + " must be positive, got " + value);
        }
    }
}
