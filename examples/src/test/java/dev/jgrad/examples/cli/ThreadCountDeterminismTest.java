package dev.jgrad.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's default path gives the same bits on 1 thread and on 2 (see docs/determinism.md): the
 * default model's sizes, so that every parallel kernel really splits its work (GEMM, cross-entropy,
 * RMSNorm, attention, elementwise ops), each in a JVM of its own because the thread pool's size is
 * fixed per JVM.
 */
class ThreadCountDeterminismTest {
    @TempDir
    Path tmp;

    private Path train(int threads) throws Exception {
        Path dir = tmp.resolve("threads-" + threads);
        Path log = tmp.resolve("threads-" + threads + ".log");
        int exit = ChildJvm.run(
                log,
                0,
                600,
                "train",
                "--corpus-bytes",
                "200000",
                "--steps",
                "6",
                "--warmup",
                "2",
                "--eval-every",
                "6",
                "--checkpoint-every",
                "3",
                "--sample-bytes",
                "0",
                "--seed",
                "11",
                "--threads",
                Integer.toString(threads),
                "--out",
                dir.toString());
        assertEquals(0, exit, () -> "threads " + threads + ":\n" + readQuietly(log));
        return dir;
    }

    @Test
    void oneThreadAndTwoThreadsTrainBitIdenticalModels() throws Exception {
        Path one = train(1);
        Path two = train(2);
        for (String f : List.of("metrics.csv", "checkpoint.safetensors", "model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(one.resolve(f)), Files.readAllBytes(two.resolve(f)), f);
        }
    }

    private static String readQuietly(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
