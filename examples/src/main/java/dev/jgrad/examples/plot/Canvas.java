package dev.jgrad.examples.plot;

import dev.jgrad.nn.io.AtomicFiles;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * What both plots share: a headless RGB canvas, "nice" axis ticks, tick labels and an atomic PNG write.
 *
 * <p>Nice ticks (after Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990): a step of 1, 2 or 5 times a
 * power of ten, and an axis widened to whole steps.
 *
 * <pre>
 *   step = nice((hi − lo) / (maxTicks − 1))    the nearest of {1, 2, 5, 10}·10ᵏ
 *   axis = [⌊lo / step⌋ · step,  ⌈hi / step⌉ · step]
 * </pre>
 *
 * Rounding the step down can give a tick or two more than {@code maxTicks}; it is a target, not a limit.
 */
final class Canvas {
    static {
        // AWT must not look for a display: plots are written by batch jobs and tests on servers. An explicit
        // -Djava.awt.headless=false from the user is left alone.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final Color BACKGROUND = Color.WHITE;
    static final Color AXIS = new Color(0x33, 0x33, 0x33);
    static final Color GRID = new Color(0xE4, 0xE4, 0xE4);
    static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);

    /** Distinguishable line colors, cycled when there are more series than colors. */
    static final Color[] PALETTE = {
        new Color(0x1F, 0x5F, 0xBF), // blue
        new Color(0xE0, 0x6C, 0x00), // orange
        new Color(0x2E, 0x9E, 0x44), // green
        new Color(0xC8, 0x2A, 0x2A), // red
        new Color(0x7E, 0x4F, 0xB5), // purple
        new Color(0x8A, 0x56, 0x3E), // brown
        new Color(0xD6, 0x4F, 0xA8), // pink
        new Color(0x55, 0x55, 0x55), // grey
    };

    private Canvas() {}

    /** A white RGB image and an antialiased Graphics2D on it; the caller disposes the graphics. */
    static Graphics2D open(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setColor(BACKGROUND);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setFont(TEXT);
        return g;
    }

    /** Writes {@code image} as PNG so that readers see the old file or the whole new one, never a torn one. */
    static void writePng(BufferedImage image, Path png) throws IOException {
        if (png == null) {
            throw new IllegalArgumentException("plot: output path is null");
        }
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("plot: this JVM has no PNG writer (javax.imageio)");
            }
        });
    }

    /** The axis range and tick positions for data in {@code [lo, hi]}; see the class comment. */
    record Ticks(double min, double max, double step, double[] values) {}

    static Ticks ticks(double lo, double hi, int maxTicks) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || lo > hi || maxTicks < 2) {
            throw new IllegalArgumentException(
                    "plot: cannot place ticks on [" + lo + ", " + hi + "] with " + maxTicks + " ticks");
        }
        if (lo == hi) { // one value: give it some room on both sides
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double step = nice((hi - lo) / (maxTicks - 1));
        double min = Math.floor(lo / step) * step;
        double max = Math.ceil(hi / step) * step;
        int n = (int) Math.round((max - min) / step) + 1;
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            double v = min + i * step;
            values[i] = Math.abs(v) < step * 1e-9 ? 0 : v; // print 0, not 1.3e-17
        }
        return new Ticks(min, max, step, values);
    }

    /** The number of the form {1, 2, 5, 10}·10ᵏ nearest to x &gt; 0 (on a log-ish scale: 3 → 5, 2.9 → 2). */
    static double nice(double x) {
        double power = Math.pow(10, Math.floor(Math.log10(x)));
        double f = x / power; // in [1, 10)
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * power;
    }

    /** A tick label with just enough decimals for the step: 0.25 steps print {@code 0.75}, 1000 steps {@code 3000}. */
    static String label(double v, double step) {
        double magnitude = Math.max(Math.abs(v), step);
        if (magnitude >= 1e7 || step < 1e-5) {
            return String.format(Locale.ROOT, "%.3g", v);
        }
        int decimals = (int) Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /**
     * A plot area in pixels with a data range on each axis: maps data to pixels and draws the frame, grid, ticks,
     * tick labels and axis labels.
     */
    record Axes(int left, int top, int width, int height, Ticks x, Ticks y) {
        double px(double xValue) {
            return left + (xValue - x.min()) / (x.max() - x.min()) * width;
        }

        double py(double yValue) {
            return top + height - (yValue - y.min()) / (y.max() - y.min()) * height;
        }

        void draw(Graphics2D g, String xLabel, String yLabel, boolean grid) {
            FontMetrics fm = g.getFontMetrics();
            int bottom = top + height;
            for (double v : x.values()) {
                int p = (int) Math.round(px(v));
                if (grid) {
                    g.setColor(GRID);
                    g.drawLine(p, top, p, bottom);
                }
                g.setColor(AXIS);
                g.drawLine(p, bottom, p, bottom + 5);
                centred(g, label(v, x.step()), p, bottom + 7 + fm.getAscent());
            }
            int widest = 0;
            for (double v : y.values()) {
                int p = (int) Math.round(py(v));
                if (grid) {
                    g.setColor(GRID);
                    g.drawLine(left, p, left + width, p);
                }
                g.setColor(AXIS);
                g.drawLine(left - 5, p, left, p);
                String text = label(v, y.step());
                widest = Math.max(widest, fm.stringWidth(text));
                rightAligned(g, text, left - 8, p);
            }
            g.setColor(AXIS);
            g.drawRect(left, top, width, height);
            centred(g, xLabel, left + width / 2.0, bottom + 12 + fm.getAscent() + fm.getHeight());
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.translate(left - 14 - widest - fm.getDescent(), top + height / 2.0);
            rotated.rotate(-Math.PI / 2);
            centred(rotated, yLabel, 0, 0);
            rotated.dispose();
        }
    }

    /** The widest tick label of {@code ticks} in the current font, in pixels. */
    static int widestLabel(Graphics2D g, Ticks ticks) {
        int widest = 0;
        for (double v : ticks.values()) {
            widest = Math.max(widest, g.getFontMetrics().stringWidth(label(v, ticks.step())));
        }
        return widest;
    }

    /** Draws {@code text} centred on x with its baseline at y. */
    static void centred(Graphics2D g, String text, double x, double y) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(text, (float) (x - fm.stringWidth(text) / 2.0), (float) y);
    }

    /** Draws {@code text} ending at x, vertically centred on y. */
    static void rightAligned(Graphics2D g, String text, double x, double y) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(text, (float) (x - fm.stringWidth(text)), (float) (y + (fm.getAscent() - fm.getDescent()) / 2.0));
    }
}
