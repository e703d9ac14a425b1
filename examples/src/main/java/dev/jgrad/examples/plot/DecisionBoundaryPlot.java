package dev.jgrad.examples.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A classifier's decision regions on the plane, written as PNG: a grid of cells colored by the class predicted at
 * each cell's centre, with the labelled data points on top.
 *
 * <pre>
 *   DecisionBoundaryPlot plot = new DecisionBoundaryPlot("two moons", -1.5, 2.5, -1, 1.5, 120, 80);
 *   double[][] centres = plot.cellCentres();          // ask the model about every cell at once
 *   plot.cellClasses(model.predict(centres)).points(data, labels).write(Path.of("moons.png"));
 * </pre>
 *
 * Cells are numbered row by row from the top-left: cell {@code (r, c)} is index {@code r·cols + c}, centred at
 * {@code x = xMin + (c + ½)·(xMax − xMin)/cols}, {@code y = yMax − (r + ½)·(yMax − yMin)/rows}. Classes are
 * {@code 0, 1, …}; class k uses the k-th palette color, pale for regions and full for points.
 */
public final class DecisionBoundaryPlot {
    private final String title;
    private final double xMin, xMax, yMin, yMax;
    private final int cols, rows;
    private int[] cellClasses;
    private double[][] points = new double[0][];
    private int[] labels = new int[0];
    private int size = 560;

    /** A plot of the region {@code [xMin, xMax] × [yMin, yMax]} divided into {@code cols × rows} cells. */
    public DecisionBoundaryPlot(String title, double xMin, double xMax, double yMin, double yMax, int cols, int rows) {
        if (title == null) {
            throw new IllegalArgumentException("decisionBoundaryPlot: title must not be null (use \"\")");
        }
        if (!(xMin < xMax) || !(yMin < yMax) || !Double.isFinite(xMax - xMin) || !Double.isFinite(yMax - yMin)) {
            throw new IllegalArgumentException("decisionBoundaryPlot: region [" + xMin + ", " + xMax + "] × [" + yMin
                    + ", " + yMax + "] is empty or not finite");
        }
        if (cols < 1 || rows < 1 || (long) cols * rows > 4_000_000) {
            throw new IllegalArgumentException(
                    "decisionBoundaryPlot: grid " + cols + " × " + rows + " must have 1 to 4,000,000 cells");
        }
        this.title = title;
        this.xMin = xMin;
        this.xMax = xMax;
        this.yMin = yMin;
        this.yMax = yMax;
        this.cols = cols;
        this.rows = rows;
    }

    /**
     * The longest side of the image in pixels, at least {@value LinePlot#MIN_HEIGHT}; the other side is shorter when
     * the region is not square (the plot keeps the region's aspect ratio). Returns this.
     */
    public DecisionBoundaryPlot size(int pixels) {
        if (pixels < LinePlot.MIN_HEIGHT) {
            throw new IllegalArgumentException(
                    "decisionBoundaryPlot: size " + pixels + " is smaller than " + LinePlot.MIN_HEIGHT);
        }
        size = pixels;
        return this;
    }

    /** The centre {@code {x, y}} of every cell, in cell order (row by row from the top-left). */
    public double[][] cellCentres() {
        double[][] centres = new double[cols * rows][];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double x = xMin + (c + 0.5) * (xMax - xMin) / cols;
                double y = yMax - (r + 0.5) * (yMax - yMin) / rows;
                centres[r * cols + c] = new double[] {x, y};
            }
        }
        return centres;
    }

    /** The predicted class of every cell, in cell order. Returns this. */
    public DecisionBoundaryPlot cellClasses(int[] classes) {
        if (classes == null || classes.length != cols * rows) {
            throw new IllegalArgumentException("decisionBoundaryPlot: " + (classes == null ? "null" : classes.length)
                    + " cell classes for a " + cols + " × " + rows + " grid (" + cols * rows + " cells)");
        }
        checkClasses("cell", classes);
        cellClasses = classes.clone();
        return this;
    }

    /** The data: points {@code {x, y}} with their true class. Returns this. */
    public DecisionBoundaryPlot points(double[][] xy, int[] classes) {
        if (xy == null || classes == null || xy.length != classes.length) {
            throw new IllegalArgumentException("decisionBoundaryPlot: " + (xy == null ? "null" : xy.length)
                    + " points but " + (classes == null ? "null" : classes.length) + " labels");
        }
        for (int i = 0; i < xy.length; i++) {
            if (xy[i] == null || xy[i].length != 2) {
                throw new IllegalArgumentException("decisionBoundaryPlot: point " + i + " is not {x, y}");
            }
        }
        checkClasses("point", classes);
        double[][] copy = new double[xy.length][];
        for (int i = 0; i < xy.length; i++) {
            copy[i] = xy[i].clone();
        }
        points = copy;
        labels = classes.clone();
        return this;
    }

    private static void checkClasses(String what, int[] classes) {
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] < 0) {
                throw new IllegalArgumentException(
                        "decisionBoundaryPlot: " + what + " " + i + " has class " + classes[i] + " < 0");
            }
        }
    }

    /** Writes the plot as PNG, atomically (a temp file in the same directory, then a rename). */
    public void write(Path png) throws IOException {
        Canvas.writePng(render(), png);
    }

    /**
     * Draws the plot; cells without {@link #cellClasses} stay white. Points outside the region are not drawn. The
     * image is at most {@code size × size}, cropped to a plot area with the region's aspect ratio.
     */
    public BufferedImage render() {
        Canvas.Ticks xTicks = Canvas.ticks(xMin, xMax, 6);
        Canvas.Ticks yTicks = Canvas.ticks(yMin, yMax, 6);
        // The axes show exactly the region, so ticks are only those inside it.
        xTicks = inside(xTicks, xMin, xMax);
        yTicks = inside(yTicks, yMin, yMax);

        // Layout, measured with the fonts on a scratch canvas: margins, then the largest plot area with the
        // region's aspect ratio (equal scales on both axes, so circles stay round), then an image just that big.
        Graphics2D probe = Canvas.open(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB));
        int left = 24 + probe.getFontMetrics().getHeight() + Canvas.widestLabel(probe, yTicks);
        int top = title.isEmpty() ? 16 : 40;
        int bottom = 24 + 2 * probe.getFontMetrics().getHeight();
        int right = 16;
        probe.setFont(Canvas.TITLE);
        int titleWidth = probe.getFontMetrics().stringWidth(title);
        probe.dispose();
        int roomW = Math.max(1, size - left - right), roomH = Math.max(1, size - top - bottom);
        double aspect = (xMax - xMin) / (yMax - yMin);
        int w = roomW, h = roomH;
        if (roomW > roomH * aspect) {
            w = Math.max(1, (int) Math.round(roomH * aspect));
        } else {
            h = Math.max(1, (int) Math.round(roomW / aspect));
        }
        int width = left + w + right;
        int titleRoom = Math.min(size, titleWidth + 24) - width; // widen a narrow image so the title fits
        if (titleRoom > 0) {
            left += titleRoom / 2;
            width += titleRoom;
        }

        BufferedImage image = new BufferedImage(width, top + h + bottom, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Canvas.open(image);
        try {
            Canvas.Axes axes = new Canvas.Axes(left, top, w, h, xTicks, yTicks);

            if (cellClasses != null) {
                double cw = (double) w / cols, ch = (double) h / rows;
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        g.setColor(pale(Canvas.PALETTE[cellClasses[r * cols + c] % Canvas.PALETTE.length]));
                        g.fill(new Rectangle2D.Double(left + c * cw, top + r * ch, cw + 0.5, ch + 0.5));
                    }
                }
            }
            if (!title.isEmpty()) {
                g.setFont(Canvas.TITLE);
                g.setColor(Canvas.AXIS);
                Canvas.centred(g, title, left + w / 2.0, 26);
                g.setFont(Canvas.TEXT);
            }
            axes.draw(g, "x1", "x2", false);

            Graphics2D plot = (Graphics2D) g.create();
            plot.clipRect(left, top, w + 1, h + 1);
            plot.setStroke(new BasicStroke(1f));
            for (int i = 0; i < points.length; i++) {
                Ellipse2D dot = new Ellipse2D.Double(axes.px(points[i][0]) - 3.5, axes.py(points[i][1]) - 3.5, 7, 7);
                plot.setColor(Canvas.PALETTE[labels[i] % Canvas.PALETTE.length]);
                plot.fill(dot);
                plot.setColor(Color.BLACK);
                plot.draw(dot);
            }
            plot.dispose();
        } finally {
            g.dispose();
        }
        return image;
    }

    /** The same ticks, but an axis range of exactly [lo, hi] and only the tick values within it. */
    private static Canvas.Ticks inside(Canvas.Ticks t, double lo, double hi) {
        double eps = t.step() * 1e-9;
        double[] kept = Arrays.stream(t.values())
                .filter(v -> v >= lo - eps && v <= hi + eps)
                .toArray();
        return new Canvas.Ticks(lo, hi, t.step(), kept);
    }

    /** The color mixed 75% toward white, for region backgrounds. */
    private static Color pale(Color c) {
        return new Color(255 - (255 - c.getRed()) / 4, 255 - (255 - c.getGreen()) / 4, 255 - (255 - c.getBlue()) / 4);
    }
}
