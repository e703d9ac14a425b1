package dev.jgrad.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code jgrad} command line in a separate JVM, started from this JVM's class path with the
 * Vector API module, as {@code ./jgrad} runs it: for tests that kill it, limit its files or give it
 * its own thread pool. Output goes to a log file so the child never blocks on a full pipe.
 */
final class ChildJvm {
    private ChildJvm() {}

    /** The Vector API module, as {@code ./jgrad} adds it. */
    static final List<String> VECTOR_MODULE = List.of("--add-modules=jdk.incubator.vector");

    /** The command that runs {@code jgrad args…}, optionally under a shell {@code ulimit -f} (KiB). */
    static List<String> command(long fileSizeLimitKib, String... args) {
        return command(VECTOR_MODULE, fileSizeLimitKib, args);
    }

    /** As {@link #command(long, String...)}, with {@code jvmOptions} instead of {@link #VECTOR_MODULE}. */
    static List<String> command(List<String> jvmOptions, long fileSizeLimitKib, String... args) {
        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.addAll(jvmOptions);
        java.add("-XX:+UseSerialGC");
        java.add("-XX:-UsePerfData"); // no hsperfdata file: nothing written outside the run directory
        java.add("-Xmx512m");
        java.add("-cp");
        java.add(System.getProperty("java.class.path"));
        java.add(Jgrad.class.getName());
        java.addAll(List.of(args));
        if (fileSizeLimitKib <= 0) {
            return java;
        }
        StringBuilder sh = new StringBuilder("ulimit -f " + fileSizeLimitKib + " && exec");
        for (String a : java) {
            sh.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        return List.of("bash", "-c", sh.toString());
    }

    /** Starts {@code jgrad args…} with stdout and stderr appended to {@code log}. */
    static Process start(Path log, String... args) throws IOException {
        return start(log, 0, args);
    }

    static Process start(Path log, long fileSizeLimitKib, String... args) throws IOException {
        return start(log, VECTOR_MODULE, fileSizeLimitKib, args);
    }

    static Process start(Path log, List<String> jvmOptions, long fileSizeLimitKib, String... args) throws IOException {
        Process p = new ProcessBuilder(command(jvmOptions, fileSizeLimitKib, args))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        p.getOutputStream().close();
        return p;
    }

    /** Runs {@code jgrad args…} to the end (at most {@code seconds}) and returns its exit code. */
    static int run(Path log, long fileSizeLimitKib, long seconds, String... args)
            throws IOException, InterruptedException {
        return run(log, VECTOR_MODULE, fileSizeLimitKib, seconds, args);
    }

    static int run(Path log, List<String> jvmOptions, long fileSizeLimitKib, long seconds, String... args)
            throws IOException, InterruptedException {
        Process p = start(log, jvmOptions, fileSizeLimitKib, args);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("jgrad " + String.join(" ", args) + " did not finish in " + seconds + " s:\n"
                    + Files.readString(log));
        }
        return p.exitValue();
    }

    /** Whether {@code bash} can run here (for {@code ulimit}). */
    static boolean hasBash() {
        return succeeds("bash", "-c", "ulimit -f 1024");
    }

    /** Runs {@code command}, discarding its output; whether it exits 0 within 10 s. */
    static boolean succeeds(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
