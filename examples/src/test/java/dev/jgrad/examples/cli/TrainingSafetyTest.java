package dev.jgrad.examples.cli;

import static dev.jgrad.examples.cli.CliTestSupport.concat;
import static dev.jgrad.examples.cli.CliTestSupport.run;
import static dev.jgrad.examples.cli.CliTestSupport.tiny;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.nn.checkpoint.Checkpoint;
import dev.jgrad.nn.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer stops cleanly when training goes wrong or a save fails, and never leaves a bad or
 * half-written checkpoint behind: divergence, --detect-anomaly, --find-unused-parameters, an
 * unwritable directory, stale temporary files, and run-to-run determinism.
 */
class TrainingSafetyTest {
    @TempDir
    Path tmp;

    /** The pool's size is fixed per JVM once it runs: ask for whatever it has (2 on a 2-core machine). */
    private static final String THREADS = Integer.toString(Parallel.threads());

    private static String[] tinyRun(Path dir, String... extra) {
        return concat(
                concat(tiny("--sample-bytes", "0", "--eval-every", "1000", "--checkpoint-every", "1"), extra),
                "--threads",
                THREADS,
                "--out",
                dir.toString());
    }

    /** The step of the checkpoint in {@code dir}, after checking that it loads and holds only finite weights. */
    private static long checkpointStep(Path dir) throws IOException {
        Checkpoint c = Checkpoint.load(dir.resolve("checkpoint.safetensors"));
        for (Map.Entry<String, NdArray> e : c.modelState().entrySet()) {
            for (double x : e.getValue().toDoubleArray()) {
                assertTrue(Double.isFinite(x), e.getKey() + " holds " + x);
            }
        }
        return c.step();
    }

    @Test
    void anAbsurdLearningRateStopsWithAClearMessageAndKeepsTheLastGoodCheckpoint() throws IOException {
        Path dir = tmp.resolve("run");
        // Adam's first step moves every weight by about lr = 10³⁰; the next forward overflows to NaN
        CliTestSupport.Result r = run(tinyRun(dir, "--steps", "20", "--warmup", "0", "--lr", "1e30", "--min-lr", "0"));
        assertEquals(2, r.exitCode(), r.out() + r.err());
        // the loss or the gradient norm turns NaN first, depending on how the ops round near overflow
        assertTrue(r.err().contains("training diverged at step 2: the "), r.err());
        assertTrue(r.err().contains(" is NaN") || r.err().contains(" is Infinity"), r.err());
        assertTrue(r.err().contains("checkpoint.safetensors at step 1, is intact"), r.err());
        assertTrue(r.err().contains("--detect-anomaly"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertEquals(1, checkpointStep(dir));
    }

    @Test
    void weightsThatOverflowInTheUpdateAreNeverSaved() throws IOException {
        Path dir = tmp.resolve("run");
        assertEquals(0, run(tinyRun(dir, "--steps", "10", "--stop-after", "3")).exitCode());
        byte[] before = Files.readAllBytes(dir.resolve("checkpoint.safetensors"));
        // raise the saved peak learning rate: the loss of step 4 is still finite, but its update is not
        Path runJson = dir.resolve("run.json");
        Map<String, Object> settings = Json.object(Json.parse(Files.readString(runJson)), "run.json");
        settings.put("lr", 1e39);
        Files.writeString(runJson, Json.writePretty(settings));
        CliTestSupport.Result r = run("train", "--resume", dir.toString(), "--threads", THREADS);
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("training diverged at step 4: after the update, weight"), r.err());
        assertTrue(r.err().contains("so it was not saved"), r.err());
        assertTrue(r.err().contains("at step 3, is intact"), r.err());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("checkpoint.safetensors")));
        assertEquals(3, checkpointStep(dir));
    }

    @Test
    void detectAnomalyNamesTheFirstOpThatMadeANonFiniteValue() throws IOException {
        Path dir = tmp.resolve("run");
        CliTestSupport.Result r = run(
                tinyRun(dir, "--steps", "20", "--warmup", "0", "--lr", "1e30", "--min-lr", "0", "--detect-anomaly"));
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("step 2: detectAnomaly: "), r.err());
        assertTrue(r.err().contains(" was created at dev.jgrad."), r.err());
        assertTrue(r.err().contains("at step 1, is intact"), r.err());
        assertEquals(1, checkpointStep(dir));
    }

    @Test
    void detectAnomalyChangesNothingInAHealthyRun() throws IOException {
        Path plain = tmp.resolve("plain");
        Path checked = tmp.resolve("checked");
        assertEquals(0, run(tinyRun(plain, "--steps", "6")).exitCode());
        CliTestSupport.Result r = run(tinyRun(checked, "--steps", "6", "--detect-anomaly"));
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(
                Files.readAllBytes(plain.resolve("model.safetensors")),
                Files.readAllBytes(checked.resolve("model.safetensors")));
    }

    @Test
    void findUnusedParametersReportsOnceAtTheFirstStep() {
        Path dir = tmp.resolve("run");
        CliTestSupport.Result r = run(tinyRun(dir, "--steps", "4", "--find-unused-parameters"));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("step 1: all 12 parameters received a non-zero gradient"), r.out());
        assertEquals(1, r.out().split("parameters received", -1).length - 1, r.out());
    }

    @Test
    void sameSeedSameConfigSameThreadsGivesBitIdenticalRuns() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        assertEquals(0, run(tinyRun(a, "--steps", "12", "--seed", "7")).exitCode());
        assertEquals(0, run(tinyRun(b, "--steps", "12", "--seed", "7")).exitCode());
        for (String f : List.of("metrics.csv", "model.safetensors", "checkpoint.safetensors")) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
    }

    @Test
    void staleTemporaryFilesFromAKilledWriteAreHarmlessAndCleanedOnResume() throws IOException {
        Path dir = tmp.resolve("run");
        assertEquals(0, run(tinyRun(dir, "--steps", "8", "--stop-after", "4")).exitCode());
        // what a SIGKILL inside AtomicFiles.write leaves: a half-written temp file beside the real one
        byte[] ckpt = Files.readAllBytes(dir.resolve("checkpoint.safetensors"));
        Files.write(dir.resolve(".checkpoint.safetensors.5e1f00c2a9b3d417.tmp"), java.util.Arrays.copyOf(ckpt, 100));
        Files.writeString(dir.resolve(".metrics.csv.7f.tmp"), "step,train_lo");
        Path foreign = Files.writeString(dir.resolve(".notes.txt.abc.tmp"), "not ours");
        assertEquals(4, checkpointStep(dir), "the temp files do not disturb loading");
        CliTestSupport.Result r = run("train", "--resume", dir.toString(), "--threads", THREADS);
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("removed 2 temporary files left by an interrupted write"), r.out());
        assertFalse(Files.exists(dir.resolve(".checkpoint.safetensors.5e1f00c2a9b3d417.tmp")));
        assertFalse(Files.exists(dir.resolve(".metrics.csv.7f.tmp")));
        assertTrue(Files.exists(foreign), "files the run did not write are left alone");
        assertEquals(8, checkpointStep(dir));
    }

    @Test
    void anUnwritableRunDirectoryFailsClearlyAndKeepsThePreviousCheckpoint() throws Exception {
        Path dir = tmp.resolve("run");
        assertEquals(0, run(tinyRun(dir, "--steps", "8", "--stop-after", "2")).exitCode());
        byte[] before = Files.readAllBytes(dir.resolve("checkpoint.safetensors"));
        boolean immutable = makeUnwritable(dir);
        try {
            CliTestSupport.Result r = run("train", "--resume", dir.toString(), "--threads", THREADS);
            assertEquals(2, r.exitCode(), r.out() + r.err());
            assertTrue(r.err().contains("step 3: cannot write " + dir.resolve("metrics.csv")), r.err());
            assertTrue(r.err().contains("at step 2, is intact"), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        } finally {
            makeWritable(dir, immutable);
        }
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("checkpoint.safetensors")));
        assertEquals(2, checkpointStep(dir));
    }

    /**
     * Removes write permission from {@code dir}; as root, where permissions do not apply, marks it
     * immutable with chattr instead (returns true then). Skips the test when neither takes effect.
     */
    private static boolean makeUnwritable(Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!canCreateIn(dir)) {
            return false;
        }
        boolean chattr = ChildJvm.succeeds("chattr", "+i", dir.toString());
        if (!chattr || canCreateIn(dir)) {
            makeWritable(dir, chattr);
            Assumptions.abort("cannot make a directory unwritable here (root without chattr)");
        }
        return true;
    }

    private static void makeWritable(Path dir, boolean immutable) throws Exception {
        if (immutable) {
            ChildJvm.succeeds("chattr", "-i", dir.toString());
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static boolean canCreateIn(Path dir) {
        try {
            Files.delete(Files.createFile(dir.resolve(".probe")));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aRunJsonWithImpossibleSettingsIsRejectedOnResume() throws IOException {
        Path dir = tmp.resolve("run");
        assertEquals(0, run(tinyRun(dir, "--steps", "4", "--stop-after", "2")).exitCode());
        Path runJson = dir.resolve("run.json");
        String good = Files.readString(runJson, StandardCharsets.UTF_8);
        for (String[] edit : new String[][] {
            {"\"batch_size\": 8", "\"batch_size\": -3", "--batch-size must be positive, got -3"},
            {"\"batch_size\": 8", "\"batch_size\": 4294967304", "run.json: batch_size must be in"},
            {"\"checkpoint_every\": 1", "\"checkpoint_every\": 0", "--checkpoint-every must be positive"},
            {"\"lr\": 0.003", "\"lr\": \"fast\"", "run.json: lr must be a number"},
        }) {
            assertTrue(good.contains(edit[0]), edit[0] + " not in " + good);
            Files.writeString(runJson, good.replace(edit[0], edit[1]), StandardCharsets.UTF_8);
            CliTestSupport.Result r = run("train", "--resume", dir.toString(), "--threads", THREADS);
            assertEquals(2, r.exitCode(), r.out() + r.err());
            assertTrue(r.err().contains(edit[2]), edit[1] + " → " + r.err());
        }
    }
}
