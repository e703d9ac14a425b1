package dev.jgrad.examples.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinePlotTest {
    private static final int WHITE = 0xFFFFFF;

    /** Pixels that differ from the white background inside the central part of the image (the plot area). */
    private static int inkInCentre(BufferedImage img) {
        int ink = 0;
        for (int y = img.getHeight() / 4; y < img.getHeight() * 3 / 4; y++) {
            for (int x = img.getWidth() / 4; x < img.getWidth() * 3 / 4; x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) != WHITE) {
                    ink++;
                }
            }
        }
        return ink;
    }

    @Test
    void writesAPngThatReadsBackWithTheRequestedSizeAndInkInThePlotArea(@TempDir Path dir) throws IOException {
        double[] steps = new double[50];
        double[] train = new double[50];
        double[] val = {3.0, 2.0, 1.5, 1.2, 1.0};
        double[] valSteps = {0, 10, 20, 30, 40};
        for (int i = 0; i < 50; i++) {
            steps[i] = i;
            train[i] = 0.8 + 3 * Math.exp(-i / 10.0);
        }
        Path png = dir.resolve("bpb.png");
        new LinePlot("bits per byte", "step", "bpb")
                .size(640, 400)
                .series("train", steps, train)
                .series("validation", valSteps, val)
                .referenceLine(0.819, "entropy floor")
                .write(png);

        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO could not decode the file");
        assertEquals(640, img.getWidth());
        assertEquals(400, img.getHeight());
        assertTrue(inkInCentre(img) > 200, "expected drawn lines in the plot area");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "the temp file must have been renamed, not left behind");
        }
    }

    @Test
    void theSeriesColorAppearsInTheImage(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("one.png");
        new LinePlot("", "x", "y")
                .series("line", new double[] {0, 1}, new double[] {0, 1})
                .write(png);
        BufferedImage img = ImageIO.read(png.toFile());
        int first = Canvas.PALETTE[0].getRGB() & 0xFFFFFF;
        boolean found = false;
        for (int y = 0; y < img.getHeight() && !found; y++) {
            for (int x = 0; x < img.getWidth() && !found; x++) {
                found = (img.getRGB(x, y) & 0xFFFFFF) == first;
            }
        }
        assertTrue(found, "no pixel has the first series' color");
    }

    @Test
    void nonFinitePointsAreSkippedAndEmptyChartsAreStillValid(@TempDir Path dir) throws IOException {
        Path gaps = dir.resolve("gaps.png");
        new LinePlot("gaps", "step", "loss")
                .series("loss", new double[] {0, 1, 2, 3, 4, 5}, new double[] {
                    1, Double.NaN, 0.5, Double.POSITIVE_INFINITY, 0.3, 0.2
                })
                .write(gaps);
        assertTrue(inkInCentre(ImageIO.read(gaps.toFile())) > 0);

        Path empty = dir.resolve("empty.png");
        new LinePlot("nothing yet", "step", "loss")
                .series("train", new double[0], new double[0])
                .series("nan", new double[] {1}, new double[] {Double.NaN})
                .write(empty);
        BufferedImage img = ImageIO.read(empty.toFile());
        assertEquals(LinePlot.DEFAULT_WIDTH, img.getWidth());
        assertEquals(LinePlot.DEFAULT_HEIGHT, img.getHeight());
        assertTrue(inkInCentre(img) > 0, "the 'no finite data' note should be drawn");

        Path bare = dir.resolve("bare.png");
        new LinePlot("", "", "").write(bare);
        assertNotNull(ImageIO.read(bare.toFile()));
    }

    @Test
    void aReferenceLineAloneSetsTheRange(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("ref.png");
        new LinePlot("", "x", "y").referenceLine(0.819, "floor").write(png);
        assertNotNull(ImageIO.read(png.toFile()));
    }

    @Test
    void badArgumentsThrowAndNameTheProblem() {
        LinePlot plot = new LinePlot("t", "x", "y");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> plot.series("train", new double[3], new double[2]));
        assertTrue(e.getMessage().contains("\"train\" has 3 x values and 2 y values"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> plot.series(" ", new double[1], new double[1]));
        assertThrows(IllegalArgumentException.class, () -> plot.series("a", null, new double[1]));
        plot.series("a", new double[1], new double[1]);
        assertThrows(IllegalArgumentException.class, () -> plot.series("a", new double[1], new double[1]));
        assertThrows(IllegalArgumentException.class, () -> plot.referenceLine(Double.NaN, "floor"));
        assertThrows(IllegalArgumentException.class, () -> plot.referenceLine(1, null));
        e = assertThrows(IllegalArgumentException.class, () -> plot.size(10, 10));
        assertTrue(e.getMessage().contains("10 × 10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LinePlot(null, "x", "y"));
        assertThrows(IllegalArgumentException.class, () -> plot.write(null));
    }

    @Test
    void aFixedYRangeSetsTheAxisInsteadOfTheData() {
        // y = 1 sits at the middle of [0, 2] but at a quarter of [0, 4]: lower on the image, larger pixel row
        int middle = topRowOfFirstSeries(new LinePlot("", "x", "y")
                .series("line", new double[] {0, 1}, new double[] {1, 1})
                .yRange(0, 2)
                .render());
        int quarter = topRowOfFirstSeries(new LinePlot("", "x", "y")
                .series("line", new double[] {0, 1}, new double[] {1, 1})
                .yRange(0, 4)
                .render());
        assertTrue(quarter > middle, "row " + quarter + " should be below row " + middle);
        // points far outside the range are clipped, not an error
        new LinePlot("", "x", "y")
                .series("s", new double[] {0, 1}, new double[] {1, 1e9})
                .yRange(0, 2)
                .render();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new LinePlot("", "x", "y").yRange(2, 1));
        assertTrue(e.getMessage().contains("y range"), e.getMessage());
    }

    /** Topmost row of the first series' color in the left third (the legend sits at the top right). */
    private static int topRowOfFirstSeries(BufferedImage img) {
        int first = Canvas.PALETTE[0].getRGB() & 0xFFFFFF;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth() / 3; x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) == first) {
                    return y;
                }
            }
        }
        throw new AssertionError("no pixel has the first series' color");
    }

    @Test
    void theSeriesArraysAreCopied(@TempDir Path dir) throws IOException {
        double[] ys = {1, 2, 3};
        LinePlot plot = new LinePlot("", "x", "y").series("s", new double[] {0, 1, 2}, ys);
        ys[1] = Double.NaN; // must not reach the chart: the line stays unbroken
        BufferedImage before = plot.render();
        ys[1] = 2;
        BufferedImage after = plot.render();
        for (int y = 0; y < before.getHeight(); y++) {
            for (int x = 0; x < before.getWidth(); x++) {
                assertEquals(before.getRGB(x, y), after.getRGB(x, y));
            }
        }
    }

    @Test
    void ticksAreNiceNumbersCoveringTheData() {
        // [0.3, 4.2] aiming at 6 ticks: step 3.9/5 = 0.78 → 1; axis [0, 5]
        Canvas.Ticks t = Canvas.ticks(0.3, 4.2, 6);
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5}, t.values(), 1e-12);
        // [0.81, 0.93] aiming at 5: step 0.12/4 = 0.03 → 0.05; axis [0.80, 0.95]
        t = Canvas.ticks(0.81, 0.93, 5);
        assertEquals(0.05, t.step(), 1e-15);
        assertEquals(0.80, t.min(), 1e-12);
        assertEquals(0.95, t.max(), 1e-12);
        assertEquals("0.85", Canvas.label(0.85, t.step()));
        // [0, 1000] aiming at 6: step 1000/5 = 200
        t = Canvas.ticks(0, 1000, 6);
        assertEquals(200, t.step(), 1e-12);
        assertEquals("600", Canvas.label(600, t.step()));
        // one value: padded, still increasing
        t = Canvas.ticks(5, 5, 5);
        assertTrue(t.min() < 5 && t.max() > 5);
        t = Canvas.ticks(-0.3, 0.3, 7);
        for (double v : t.values()) {
            assertFalse(Canvas.label(v, t.step()).equals("-0.0"), "zero printed as -0.0");
        }
        assertThrows(IllegalArgumentException.class, () -> Canvas.ticks(1, 0, 5));
    }
}
