package dev.jgrad.examples.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Reports training progress: a live bar redrawn in place on a terminal, plain log lines otherwise
 * (a file, a pipe, CI).
 */
final class Progress {
    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final boolean terminal;
    private final int totalSteps;
    private final int logEvery;
    private boolean barShown;

    Progress(PrintStream out, boolean terminal, int totalSteps, int logEvery) {
        this.out = out;
        this.terminal = terminal;
        this.totalSteps = totalSteps;
        this.logEvery = Math.max(1, logEvery);
    }

    /** After each step; {@code step} counts completed steps. */
    void step(int step, double loss, double tokensPerSecond, double secondsLeft) {
        String stats = String.format(
                Locale.ROOT,
                "step %d/%d  loss %.4f  %,.0f tok/s  ETA %s",
                step,
                totalSteps,
                loss,
                tokensPerSecond,
                duration(secondsLeft));
        if (terminal) {
            int filled = (int) Math.round(BAR_WIDTH * (double) step / totalSteps);
            out.print("\r[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "] " + stats + "   ");
            out.flush();
            barShown = true;
        } else if (step % logEvery == 0 || step == totalSteps) {
            out.println(stats);
        }
    }

    /** A line that must not be overwritten by the bar. */
    void line(String text) {
        if (barShown) {
            out.println();
            barShown = false;
        }
        out.println(text);
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
