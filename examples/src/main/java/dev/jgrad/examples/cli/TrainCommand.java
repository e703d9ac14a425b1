package dev.jgrad.examples.cli;

import dev.jgrad.examples.train.TrainOptions;
import dev.jgrad.examples.train.Trainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Trains a Transformer LM. With no options: the default model on the built-in corpus (a minute or two"
                    + " on two cores), reported in bits per byte next to the corpus's entropy floor.",
        })
final class TrainCommand implements Callable<Integer> {
    private final TrainOptions d = new TrainOptions();

    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "FILE", description = "Text file to train on (default: built-in corpus).")
    Path data;

    @Option(names = "--corpus-bytes", description = "Size of the built-in corpus (default: ${DEFAULT-VALUE}).")
    int corpusBytes = d.corpusBytes;

    @Option(
            names = "--tokenizer",
            paramLabel = "byte|bpe|DIR",
            description = "byte, bpe (trained on the data), or a directory with vocab.json and merges.txt"
                    + " (default: ${DEFAULT-VALUE}).")
    String tokenizer = d.tokenizer;

    @Option(names = "--vocab-size", description = "Vocabulary for --tokenizer bpe (default: ${DEFAULT-VALUE}).")
    int vocabSize = d.vocabSize;

    @Option(names = "--context-length", description = "Tokens per window (default: ${DEFAULT-VALUE}).")
    int contextLength = d.contextLength;

    @Option(names = "--d-model", description = "Model width (default: ${DEFAULT-VALUE}).")
    int dModel = d.dModel;

    @Option(names = "--layers", description = "Transformer blocks (default: ${DEFAULT-VALUE}).")
    int layers = d.numLayers;

    @Option(names = "--heads", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads = d.numHeads;

    @Option(names = "--d-ff", description = "SwiGLU hidden width (default: ${DEFAULT-VALUE}).")
    int dFf = d.dFf;

    @Option(names = "--rope-theta", description = "RoPE base θ (default: ${DEFAULT-VALUE}).")
    double ropeTheta = d.ropeTheta;

    @Option(names = "--batch-size", description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batchSize = d.batchSize;

    @Option(names = "--steps", description = "Optimizer steps in all (default: ${DEFAULT-VALUE}).")
    int steps = d.steps;

    @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr = d.lr;

    @Option(names = "--min-lr", description = "Learning rate at the end of the cosine (default: ${DEFAULT-VALUE}).")
    double minLr = d.minLr;

    @Option(names = "--warmup", description = "Linear warmup steps, at most --steps (default: ${DEFAULT-VALUE}).")
    int warmup = d.warmupSteps;

    @Option(names = "--weight-decay", description = "AdamW decoupled weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay = d.weightDecay;

    @Option(names = "--clip", description = "Max global gradient L2 norm (default: ${DEFAULT-VALUE}).")
    double clip = d.clip;

    @Option(names = "--seed", description = "Seed for init and batches (default: ${DEFAULT-VALUE}).")
    long seed = d.seed;

    @Option(names = "--eval-every", description = "Validate every N steps (default: ${DEFAULT-VALUE}).")
    int evalEvery = d.evalEvery;

    @Option(names = "--checkpoint-every", description = "Checkpoint every N steps (default: ${DEFAULT-VALUE}).")
    int checkpointEvery = d.checkpointEvery;

    @Option(
            names = "--log-every",
            description = "Log line every N steps when not on a terminal (default: " + "${DEFAULT-VALUE}).")
    int logEvery = d.logEvery;

    @Option(names = "--sample-bytes", description = "Bytes to generate at the end (default: ${DEFAULT-VALUE}).")
    int sampleBytes = d.sampleBytes;

    @Option(names = "--threads", description = "Worker threads (default: all cores, ${DEFAULT-VALUE}).")
    int threads = d.threads;

    @Option(
            names = "--stop-after",
            paramLabel = "STEP",
            description =
                    "Stop after STEP (checkpointing there) though the schedule spans --steps; --resume continues.")
    int stopAfter;

    @Option(
            names = "--detect-anomaly",
            description = "Check every op's output and gradient for NaN and ±Inf and stop at the first, naming the op"
                    + " and the line that created it (slow; for debugging a diverging run).")
    boolean detectAnomaly;

    @Option(
            names = "--find-unused-parameters",
            description = "After the first step's backward, list the parameters that received no gradient or an"
                    + " all-zero one.")
    boolean findUnusedParameters;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<date-time>).")
    Path out;

    @Option(
            names = "--resume",
            paramLabel = "DIR",
            description = "Continue the run in DIR from its last checkpoint (its saved settings apply; --steps may"
                    + " raise the total).")
    Path resume;

    @Override
    public Integer call() throws Exception {
        Trainer trainer = new Trainer(System.out, System.console() != null);
        if (resume != null) {
            trainer.resume(resume, stepsGiven() ? steps : 0, threads, detectAnomaly, findUnusedParameters);
            return 0;
        }
        TrainOptions o = new TrainOptions();
        o.data = data;
        o.corpusBytes = corpusBytes;
        o.tokenizer = tokenizer;
        o.vocabSize = vocabSize;
        o.contextLength = contextLength;
        o.dModel = dModel;
        o.numLayers = layers;
        o.numHeads = heads;
        o.dFf = dFf;
        o.ropeTheta = ropeTheta;
        o.batchSize = batchSize;
        o.steps = steps;
        o.lr = lr;
        o.minLr = minLr;
        o.warmupSteps = warmup;
        o.weightDecay = weightDecay;
        o.clip = clip;
        o.seed = seed;
        o.evalEvery = evalEvery;
        o.checkpointEvery = checkpointEvery;
        o.logEvery = logEvery;
        o.sampleBytes = sampleBytes;
        o.threads = threads;
        o.stopAfter = stopAfter;
        o.detectAnomaly = detectAnomaly;
        o.findUnusedParameters = findUnusedParameters;
        o.out = out;
        trainer.train(o);
        return 0;
    }

    private boolean stepsGiven() {
        return spec.commandLine().getParseResult().hasMatchedOption("--steps");
    }
}
