package dev.jgrad.examples.train;

import dev.jgrad.core.kernels.Parallel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A model small enough to train in a second, shared by the end-to-end tests. */
public final class TinyRuns {
    private TinyRuns() {}

    /** Settings of a tiny run of {@code steps} steps into {@code out}, on the threads this JVM's pool has. */
    public static TrainOptions options(Path out, int steps) {
        TrainOptions o = new TrainOptions();
        o.corpusBytes = 40_000;
        o.contextLength = 16;
        o.dModel = 16;
        o.numLayers = 1;
        o.numHeads = 2;
        o.dFf = 32;
        o.batchSize = 8;
        o.steps = steps;
        o.warmupSteps = 5;
        o.evalEvery = 10;
        o.checkpointEvery = 10;
        o.sampleBytes = 40;
        o.threads = Parallel.threads(); // the pool's size is fixed once it runs; tests share one JVM
        o.out = out;
        return o;
    }

    /** A trainer that prints nowhere. */
    public static Trainer quietTrainer() {
        return new Trainer(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
    }
}
