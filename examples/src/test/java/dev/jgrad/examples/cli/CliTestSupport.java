package dev.jgrad.examples.cli;

import dev.jgrad.core.kernels.Parallel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the CLI in-process and captures what it prints. */
final class CliTestSupport {
    record Result(int exitCode, String out, String err) {}

    private CliTestSupport() {}

    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Jgrad.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** {@code train} with a corpus and model small enough to train in a second or two. */
    static final List<String> TINY_MODEL = List.of(
            "train",
            "--corpus-bytes",
            "40000",
            "--context-length",
            "16",
            "--d-model",
            "16",
            "--layers",
            "1",
            "--heads",
            "2",
            "--d-ff",
            "32",
            "--batch-size",
            "8");

    /** {@link #TINY_MODEL} with a schedule, evaluation, checkpoints and logging every few steps. */
    static String[] tiny(String... extra) {
        String[] base = concat(
                TINY_MODEL.toArray(new String[0]),
                "--warmup",
                "5",
                "--eval-every",
                "20",
                "--checkpoint-every",
                "10",
                "--log-every",
                "10",
                "--sample-bytes",
                "40",
                "--threads",
                Integer.toString(Parallel.threads())); // the pool's size is fixed once it runs; tests share one JVM
        return concat(base, extra);
    }

    static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
