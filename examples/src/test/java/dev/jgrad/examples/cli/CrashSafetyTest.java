package dev.jgrad.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgrad.nn.checkpoint.Checkpoint;
import dev.jgrad.nn.io.Json;
import dev.jgrad.nn.modules.TransformerLM;
import dev.jgrad.nn.optim.AdamW;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training in a child JVM, killed with SIGKILL ({@link Process#destroyForcibly()}) at random moments,
 * again and again: while the JVM starts or loads the checkpoint, mid-step, and inside checkpoint
 * writes. After every kill the newest checkpoint on disk must load under strict safetensors
 * validation, match the model and optimizer exactly, and be no older than the one before; metrics.csv
 * must reach at least its step; the next child resumes from it and trains on. At the end the killed
 * run's checkpoint must equal, byte for byte, that of the same run trained without interruption to the
 * same step: nothing but the steps since the last checkpoint was lost.
 *
 * <p>A plain build kills a few times; {@code mvn verify -Pkill-loop} (which .ci/run uses) sets
 * {@code -Djgrad.crash.kills=24}.
 */
class CrashSafetyTest {
    private static final int KILLS = Integer.getInteger("jgrad.crash.kills", 4);
    private static final String CHECKPOINT = "checkpoint.safetensors";

    @TempDir
    Path tmp;

    /** A tiny model, checkpointed after every step so that kills land inside writes. */
    private static String[] trainArgs(Path dir, String... extra) {
        List<String> args = new ArrayList<>(CliTestSupport.TINY_MODEL);
        args.addAll(List.of(
                "--steps",
                "100000",
                "--warmup",
                "5",
                "--eval-every",
                "1000000",
                "--checkpoint-every",
                "1",
                "--log-every",
                "1000000",
                "--sample-bytes",
                "0",
                "--threads",
                "2",
                "--seed",
                "3"));
        args.addAll(List.of(extra));
        args.add("--out");
        args.add(dir.toString());
        return args.toArray(new String[0]);
    }

    private static String[] resumeArgs(Path dir) {
        return new String[] {"train", "--resume", dir.toString(), "--threads", "2"};
    }

    @Test
    void killedAtRandomMomentsTheNewestCheckpointIsCompleteAndTrainingResumesLosingNothingElse() throws Exception {
        Path dir = tmp.resolve("run");
        Path log = tmp.resolve("child.log");
        Random rnd = new Random(20_260_101L);
        long step = 0;
        int insideWrites = 0;
        List<String> history = new ArrayList<>();
        for (int kill = 1; kill <= KILLS; kill++) {
            Process child = ChildJvm.start(log, kill == 1 ? trainArgs(dir) : resumeArgs(dir));
            String moment = killSomewhere(child, dir, step, kill, rnd, log);
            child.destroyForcibly();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "a killed child must exit");
            List<String> temps = tempFiles(dir);
            if (temps.stream().anyMatch(t -> t.startsWith("." + CHECKPOINT + "."))) {
                insideWrites++;
            }
            long now = checkIntact(dir);
            history.add(String.format(
                    Locale.ROOT, "kill %d (%s): checkpoint at step %d, temp files %s", kill, moment, now, temps));
            assertTrue(now >= step, "checkpoint went back from step " + step + " to " + now + "\n" + history);
            if (!moment.startsWith("early")) {
                assertTrue(now > step, "the resumed run made no progress\n" + history);
            }
            step = now;
        }

        Path reference = tmp.resolve("reference");
        int exit = ChildJvm.run(
                log,
                0,
                600,
                trainArgs(reference, "--stop-after", Long.toString(step), "--checkpoint-every", "1000000"));
        assertEquals(0, exit, () -> readQuietly(log));
        assertArrayEquals(
                Files.readAllBytes(reference.resolve(CHECKPOINT)),
                Files.readAllBytes(dir.resolve(CHECKPOINT)),
                "the killed-and-resumed run differs from the uninterrupted one at step " + step + "\n" + history);
        assertEquals(metricsUpTo(reference, step), metricsUpTo(dir, step), "the learning curves differ");
        if (KILLS >= 20) {
            assertTrue(insideWrites > 0, "no kill landed inside a checkpoint write\n" + history);
        }
        System.out.printf(
                Locale.ROOT,
                "crash safety: %d SIGKILLs, %d inside a checkpoint write; resumed to step %d, identical to an"
                        + " uninterrupted run%n",
                KILLS,
                insideWrites,
                step);
    }

    /**
     * Waits for the moment to kill {@code child}, cycling through three kinds: at a random time after
     * start (often before it has done anything), shortly after it saved a new checkpoint (mid-step),
     * and as soon as a temporary checkpoint file appears (inside a write). Returns a description.
     */
    private static String killSomewhere(Process child, Path dir, long step, int kill, Random rnd, Path log)
            throws Exception {
        if (kill % 3 == 0) {
            int ms = rnd.nextInt(1500);
            Thread.sleep(ms);
            return "early, " + ms + " ms after start";
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (stepOnDisk(dir) <= step) {
            if (!child.isAlive()) {
                fail("the child exited with " + child.exitValue() + " before saving a checkpoint:\n"
                        + readQuietly(log));
            }
            if (System.nanoTime() > deadline) {
                fail("no new checkpoint in 180 s:\n" + readQuietly(log));
            }
            Thread.sleep(5);
        }
        if (kill % 3 == 1) {
            int ms = rnd.nextInt(120);
            Thread.sleep(ms);
            return "mid-training, " + ms + " ms after a save";
        }
        while (System.nanoTime() < deadline) {
            if (tempFiles(dir).stream().anyMatch(t -> t.startsWith("." + CHECKPOINT + "."))) {
                return "during a checkpoint write";
            }
            Thread.sleep(1);
        }
        return "mid-training (no write seen)";
    }

    /** The step of the checkpoint now on disk, 0 before the first; a torn file fails the test at once. */
    private static long stepOnDisk(Path dir) throws IOException {
        try {
            return Checkpoint.load(dir.resolve(CHECKPOINT)).step();
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /**
     * Loads the newest checkpoint strictly, restores it into a model and optimizer of the run's config
     * (every name and shape must match), checks metrics.csv reaches its step, and returns that step.
     */
    private static long checkIntact(Path dir) throws IOException {
        Checkpoint c = Checkpoint.load(dir.resolve(CHECKPOINT));
        TransformerLM.Config config = TransformerLM.Config.fromJson(
                Json.object(Json.parse(Files.readString(dir.resolve("model.json"))), "model.json"));
        assertEquals(
                c.config().orElseThrow(),
                Files.readString(dir.resolve("model.json")).strip());
        TransformerLM model = new TransformerLM(config, new Random(0));
        c.restore(model, new AdamW(model.namedParameters()));
        c.rng("batcher");
        List<String> rows = Files.readAllLines(dir.resolve("metrics.csv"), StandardCharsets.UTF_8);
        assertEquals("step,train_loss,train_bpb,val_bpb,lr", rows.get(0));
        for (int i = 1; i < rows.size(); i++) {
            assertEquals(Integer.toString(i), rows.get(i).split(",")[0], "metrics.csv row " + i);
        }
        assertTrue(
                rows.size() - 1 >= c.step(),
                "metrics.csv ends at step " + (rows.size() - 1) + ", the checkpoint " + "is at step " + c.step());
        return c.step();
    }

    private static List<String> metricsUpTo(Path dir, long step) throws IOException {
        return Files.readAllLines(dir.resolve("metrics.csv"), StandardCharsets.UTF_8)
                .subList(0, (int) step + 1);
    }

    private static List<String> tempFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".tmp"))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private static String readQuietly(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Test
    void aFullDiskStopsWithAClearErrorAndKeepsThePreviousCheckpoint() throws Exception {
        Assumptions.assumeTrue(ChildJvm.hasBash(), "needs bash for ulimit -f");
        Path dir = tmp.resolve("run");
        Path log = tmp.resolve("child.log");
        assertEquals(0, ChildJvm.run(log, 0, 300, trainArgs(dir, "--stop-after", "3")), () -> readQuietly(log));
        byte[] before = Files.readAllBytes(dir.resolve(CHECKPOINT));
        // RLIMIT_FSIZE below the checkpoint's size: its write fails part way with EFBIG ("File too large"),
        // the same failed write(2) a full disk gives (ENOSPC); the JVM ignores SIGXFSZ, so it is an IOException
        long limitKib = before.length / 1024 / 2;
        Path failed = tmp.resolve("failed.log");
        int exit = ChildJvm.run(failed, limitKib, 300, resumeArgs(dir));
        String out = Files.readString(failed);
        assertEquals(2, exit, out);
        assertTrue(
                out.contains("step 4: cannot write " + dir.resolve(CHECKPOINT).toAbsolutePath()), out);
        assertTrue(out.contains("at step 3, is intact"), out);
        assertTrue(out.contains("free some disk space"), out);
        assertArrayEquals(before, Files.readAllBytes(dir.resolve(CHECKPOINT)));
        assertEquals(List.of(), tempFiles(dir), "the failed write cleans up after itself");
        assertEquals(3, checkIntact(dir));

        // once there is room again, the run resumes from the intact checkpoint
        Process again = ChildJvm.start(log, resumeArgs(dir));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (stepOnDisk(dir) <= 3 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        } finally {
            again.destroyForcibly().waitFor();
        }
        assertTrue(checkIntact(dir) > 3, readQuietly(log));
    }
}
