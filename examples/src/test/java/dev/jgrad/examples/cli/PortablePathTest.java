package dev.jgrad.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast path (Vector API GEMM and float loops, as {@code ./jgrad} runs) and the portable path (a plain
 * {@code java -cp} without the incubator module: EJML and plain-Java loops) train the same model to the
 * same losses: over 20 steps of a small Transformer every training loss agrees to 1e-5 relative. The two
 * paths round differently (fused multiply-adds, summation order), so the losses are close, not equal.
 */
class PortablePathTest {
    private static final int STEPS = 20;
    private static final double RTOL = 1e-5;

    @TempDir
    Path tmp;

    @Test
    void fastAndPortablePathsTrainToTheSameLosses() throws Exception {
        double[] fast = train("fast", ChildJvm.VECTOR_MODULE, "gemm backend: vector");
        double[] portable = train("portable", List.of(), "gemm backend: ejml");
        boolean anyDiffer = false;
        for (int s = 0; s < STEPS; s++) {
            double rel = Math.abs(fast[s] - portable[s]) / Math.abs(portable[s]);
            int step = s + 1;
            assertTrue(
                    rel <= RTOL,
                    () -> "step " + step + ": fast " + fast[step - 1] + ", portable " + portable[step - 1]
                            + ", relative difference " + rel);
            anyDiffer |= fast[s] != portable[s];
        }
        assertTrue(anyDiffer, "the two runs took different kernels, so some loss should differ in its last bits");
    }

    /** Trains in a child JVM with {@code jvmOptions}; the training loss of each step from metrics.csv. */
    private double[] train(String name, List<String> jvmOptions, String expectedBackend) throws Exception {
        Path dir = tmp.resolve(name);
        Path log = tmp.resolve(name + ".log");
        int exit = ChildJvm.run(
                log,
                jvmOptions,
                0,
                300,
                "train",
                "--corpus-bytes",
                "200000",
                "--context-length",
                "64",
                "--d-model",
                "64",
                "--layers",
                "2",
                "--heads",
                "4",
                "--d-ff",
                "192",
                "--batch-size",
                "8",
                "--steps",
                Integer.toString(STEPS),
                "--warmup",
                "2",
                "--log-every",
                "1",
                "--eval-every",
                Integer.toString(STEPS),
                "--sample-bytes",
                "0",
                "--seed",
                "3",
                "--out",
                dir.toString());
        String output = Files.readString(log);
        assertEquals(0, exit, () -> name + ":\n" + output);
        assertTrue(output.contains(expectedBackend), () -> name + ": expected \"" + expectedBackend + "\":\n" + output);
        List<String> rows = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals("train_loss", rows.get(0).split(",")[1], rows.get(0));
        double[] losses = new double[STEPS];
        for (int s = 0; s < STEPS; s++) {
            String[] cells = rows.get(s + 1).split(",");
            assertEquals(Integer.toString(s + 1), cells[0], rows.get(s + 1));
            losses[s] = Double.parseDouble(cells[1]);
        }
        return losses;
    }
}
