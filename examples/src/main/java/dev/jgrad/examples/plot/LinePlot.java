package dev.jgrad.examples.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A line chart written as PNG with java.awt (headless): named series of (x, y) points, axes with ticks at nice
 * numbers (1, 2 or 5 times a power of ten), a legend, and optional horizontal reference lines with a label.
 *
 * <pre>
 *   new LinePlot("bits per byte", "step", "bpb")
 *       .series("train", steps, trainBpb)
 *       .series("validation", evalSteps, valBpb)
 *       .referenceLine(0.819, "entropy floor")
 *       .write(Path.of("bpb.png"));
 * </pre>
 *
 * <p>Points with a NaN or infinite coordinate are skipped and the line breaks there; a point with no finite
 * neighbour is drawn as a dot. The axes span every finite point and every reference line. A chart with no finite
 * point at all is still a valid PNG, with a note in the plot area saying so. Series are drawn in the order added,
 * each in the next color of a fixed palette.
 */
public final class LinePlot {
    public static final int DEFAULT_WIDTH = 800;
    public static final int DEFAULT_HEIGHT = 500;
    static final int MIN_WIDTH = 240;
    static final int MIN_HEIGHT = 180;

    private record Series(String name, double[] xs, double[] ys) {}

    private record Reference(double y, String label) {}

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<Reference> references = new ArrayList<>();
    private double[] fixedY;
    private int width = DEFAULT_WIDTH;
    private int height = DEFAULT_HEIGHT;

    /** A chart with a title (may be empty) and axis labels. */
    public LinePlot(String title, String xLabel, String yLabel) {
        if (title == null || xLabel == null || yLabel == null) {
            throw new IllegalArgumentException("linePlot: title and axis labels must not be null (use \"\")");
        }
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Image size in pixels; at least {@value #MIN_WIDTH} × {@value #MIN_HEIGHT}. Returns this. */
    public LinePlot size(int width, int height) {
        if (width < MIN_WIDTH || height < MIN_HEIGHT) {
            throw new IllegalArgumentException(
                    "linePlot: size " + width + " × " + height + " is smaller than " + MIN_WIDTH + " × " + MIN_HEIGHT);
        }
        this.width = width;
        this.height = height;
        return this;
    }

    /** Adds a series of points {@code (xs[i], ys[i])}; the arrays are copied and may be empty. Returns this. */
    public LinePlot series(String name, double[] xs, double[] ys) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("linePlot: series name must not be blank");
        }
        if (xs == null || ys == null) {
            throw new IllegalArgumentException("linePlot: series \"" + name + "\" has a null array");
        }
        if (xs.length != ys.length) {
            throw new IllegalArgumentException(
                    "linePlot: series \"" + name + "\" has " + xs.length + " x values and " + ys.length + " y values");
        }
        for (Series s : series) {
            if (s.name().equals(name)) {
                throw new IllegalArgumentException("linePlot: series \"" + name + "\" was already added");
            }
        }
        series.add(new Series(name, xs.clone(), ys.clone()));
        return this;
    }

    /** Adds a dashed horizontal line at {@code y}, labelled at its left end (e.g. an entropy floor). Returns this. */
    public LinePlot referenceLine(double y, String label) {
        if (!Double.isFinite(y)) {
            throw new IllegalArgumentException(
                    "linePlot: reference line \"" + label + "\" at y = " + y + " is not a finite number");
        }
        if (label == null) {
            throw new IllegalArgumentException("linePlot: reference line at y = " + y + " has a null label");
        }
        references.add(new Reference(y, label));
        return this;
    }

    /**
     * Fixes the y axis to {@code [lo, hi]} instead of the data's range; points outside are clipped.
     * Training curves use it so the first steps' large losses do not flatten the rest.
     */
    public LinePlot yRange(double lo, double hi) {
        if (!(lo < hi) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new IllegalArgumentException(
                    "linePlot: y range [" + lo + ", " + hi + "] must be finite with lo < hi");
        }
        fixedY = new double[] {lo, hi};
        return this;
    }

    /** Writes the chart as PNG, atomically (a temp file in the same directory, then a rename). */
    public void write(Path png) throws IOException {
        Canvas.writePng(render(), png);
    }

    /** Draws the chart. */
    public BufferedImage render() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Canvas.open(image);
        try {
            draw(g);
        } finally {
            g.dispose();
        }
        return image;
    }

    private void draw(Graphics2D g) {
        // 1. Data range over finite points and reference lines; [0, 1] when there is nothing to show.
        double xLo = Double.POSITIVE_INFINITY, xHi = Double.NEGATIVE_INFINITY;
        double yLo = Double.POSITIVE_INFINITY, yHi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.xs().length; i++) {
                if (finite(s, i)) {
                    xLo = Math.min(xLo, s.xs()[i]);
                    xHi = Math.max(xHi, s.xs()[i]);
                    yLo = Math.min(yLo, s.ys()[i]);
                    yHi = Math.max(yHi, s.ys()[i]);
                }
            }
        }
        boolean noData = xLo > xHi;
        if (noData) {
            xLo = 0;
            xHi = 1;
        }
        for (Reference r : references) {
            yLo = Math.min(yLo, r.y());
            yHi = Math.max(yHi, r.y());
        }
        if (yLo > yHi) {
            yLo = 0;
            yHi = 1;
        }
        if (fixedY != null) {
            yLo = fixedY[0];
            yHi = fixedY[1];
        }

        // 2. Layout: room for the title, the y tick labels and the axis labels around the plot area.
        FontMetrics fm = g.getFontMetrics();
        Canvas.Ticks xTicks = Canvas.ticks(xLo, xHi, Math.max(2, (width - 120) / 90));
        Canvas.Ticks yTicks = Canvas.ticks(yLo, yHi, Math.max(2, (height - 100) / 50));
        int left = 24 + fm.getHeight() + Canvas.widestLabel(g, yTicks);
        int top = title.isEmpty() ? 16 : 40;
        int bottom = 24 + 2 * fm.getHeight();
        int right = 24;
        Canvas.Axes axes = new Canvas.Axes(left, top, width - left - right, height - top - bottom, xTicks, yTicks);

        if (!title.isEmpty()) {
            g.setFont(Canvas.TITLE);
            g.setColor(Canvas.AXIS);
            Canvas.centred(g, title, left + axes.width() / 2.0, 26);
            g.setFont(Canvas.TEXT);
        }
        axes.draw(g, xLabel, yLabel, true);

        // 3. Reference lines, then series on top, clipped to the plot area.
        Graphics2D plot = (Graphics2D) g.create();
        plot.clipRect(left, top, axes.width() + 1, axes.height() + 1);
        float[] dash = {6f, 4f};
        for (Reference r : references) {
            double y = axes.py(r.y());
            plot.setColor(Canvas.AXIS);
            plot.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, dash, 0f));
            plot.draw(new Line2D.Double(left, y, left + axes.width(), y));
        }
        plot.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        for (int k = 0; k < series.size(); k++) {
            plot.setColor(color(k));
            drawSeries(plot, axes, series.get(k));
        }
        for (Reference r : references) { // labels last, on a background, so no curve hides them
            float y = (float) (axes.py(r.y()) - 4);
            int w = fm.stringWidth(r.label());
            plot.setColor(java.awt.Color.WHITE);
            plot.fillRect(left + 4, (int) y - fm.getAscent(), w + 4, fm.getAscent() + 2);
            plot.setColor(Canvas.AXIS);
            plot.drawString(r.label(), left + 6, y);
        }
        if (noData) {
            plot.setColor(Canvas.AXIS);
            Canvas.centred(plot, "no finite data points to plot", left + axes.width() / 2.0, top + axes.height() / 2.0);
        }
        plot.dispose();

        drawLegend(g, axes);
    }

    private static boolean finite(Series s, int i) {
        return Double.isFinite(s.xs()[i]) && Double.isFinite(s.ys()[i]);
    }

    /** One polyline per run of finite points; a run of one point becomes a dot. */
    private static void drawSeries(Graphics2D g, Canvas.Axes axes, Series s) {
        int n = s.xs().length;
        int i = 0;
        while (i < n) {
            if (!finite(s, i)) {
                i++;
                continue;
            }
            int start = i;
            Path2D.Double path = new Path2D.Double();
            path.moveTo(axes.px(s.xs()[i]), axes.py(s.ys()[i]));
            for (i++; i < n && finite(s, i); i++) {
                path.lineTo(axes.px(s.xs()[i]), axes.py(s.ys()[i]));
            }
            if (i - start == 1) {
                double x = axes.px(s.xs()[start]), y = axes.py(s.ys()[start]);
                g.fill(new Ellipse2D.Double(x - 3, y - 3, 6, 6));
            } else {
                g.draw(path);
            }
        }
    }

    /** A boxed legend in the plot area's top-right corner: a colored line and the name of each series. */
    private void drawLegend(Graphics2D g, Canvas.Axes axes) {
        if (series.isEmpty()) {
            return;
        }
        FontMetrics fm = g.getFontMetrics();
        int textWidth = 0;
        for (Series s : series) {
            textWidth = Math.max(textWidth, fm.stringWidth(legendText(s)));
        }
        int row = fm.getHeight() + 2;
        int boxWidth = 10 + 24 + 6 + textWidth + 10;
        int boxHeight = 8 + row * series.size() + 4;
        int x0 = axes.left() + axes.width() - boxWidth - 8;
        int y0 = axes.top() + 8;
        g.setColor(new Color(255, 255, 255, 230));
        g.fillRect(x0, y0, boxWidth, boxHeight);
        g.setColor(Canvas.GRID.darker());
        g.drawRect(x0, y0, boxWidth, boxHeight);
        g.setStroke(new BasicStroke(2f));
        for (int k = 0; k < series.size(); k++) {
            int y = y0 + 6 + row * k + row / 2;
            g.setColor(color(k));
            g.drawLine(x0 + 10, y, x0 + 34, y);
            g.setColor(Canvas.AXIS);
            g.drawString(legendText(series.get(k)), x0 + 40, y + (fm.getAscent() - fm.getDescent()) / 2);
        }
    }

    private static String legendText(Series s) {
        for (int i = 0; i < s.xs().length; i++) {
            if (finite(s, i)) {
                return s.name();
            }
        }
        return s.name() + " (no data)";
    }

    private static Color color(int k) {
        return Canvas.PALETTE[k % Canvas.PALETTE.length];
    }
}
