package dev.jgrad.examples.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecisionBoundaryPlotTest {
    @Test
    void cellCentresRunRowByRowFromTheTopLeft() {
        // region [0, 4] × [0, 2] in 4 × 2 cells of 1 × 1: first centre (0.5, 1.5), last (3.5, 0.5)
        double[][] c = new DecisionBoundaryPlot("", 0, 4, 0, 2, 4, 2).cellCentres();
        assertEquals(8, c.length);
        assertArrayEquals(new double[] {0.5, 1.5}, c[0], 1e-12);
        assertArrayEquals(new double[] {1.5, 1.5}, c[1], 1e-12);
        assertArrayEquals(new double[] {0.5, 0.5}, c[4], 1e-12);
        assertArrayEquals(new double[] {3.5, 0.5}, c[7], 1e-12);
    }

    @Test
    void leftAndRightHalvesTakeTheirClassColors(@TempDir Path dir) throws IOException {
        // class 0 where x < 0, class 1 where x > 0
        DecisionBoundaryPlot plot = new DecisionBoundaryPlot("halves", -1, 1, -1, 1, 10, 10).size(300);
        double[][] centres = plot.cellCentres();
        int[] classes = new int[centres.length];
        for (int i = 0; i < centres.length; i++) {
            classes[i] = centres[i][0] < 0 ? 0 : 1;
        }
        Path png = dir.resolve("halves.png");
        plot.cellClasses(classes)
                .points(new double[][] {{-0.5, 0.5}, {0.5, -0.5}}, new int[] {0, 1})
                .write(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        // a square region in at most 300 × 300 pixels: the longer side is 300, the plot area inside is square
        assertTrue(img.getWidth() <= 300 && img.getHeight() <= 300, img.getWidth() + " × " + img.getHeight());
        assertEquals(300, Math.max(img.getWidth(), img.getHeight()));
        // Count pixels of each region color: both halves must be present in similar amounts.
        int left = 0, right = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                if (isPaleOf(rgb, Canvas.PALETTE[0].getRGB())) {
                    left++;
                } else if (isPaleOf(rgb, Canvas.PALETTE[1].getRGB())) {
                    right++;
                }
            }
        }
        assertTrue(left > 5000 && right > 5000, "region pixels: class 0 " + left + ", class 1 " + right);
        assertTrue(Math.abs(left - right) < 0.2 * (left + right), "halves differ: " + left + " vs " + right);
    }

    @Test
    void aWideRegionGivesAWideImage() {
        // 4 units wide, 1 high: the plot area is 4:1, so the image is much wider than tall
        BufferedImage img =
                new DecisionBoundaryPlot("", 0, 4, 0, 1, 8, 2).size(400).render();
        assertEquals(400, img.getWidth());
        assertTrue(img.getHeight() < 250, "height " + img.getHeight());
    }

    /** The region color is the class color mixed 75% toward white. */
    private static boolean isPaleOf(int rgb, int full) {
        for (int shift = 0; shift <= 16; shift += 8) {
            int c = (full >> shift) & 0xFF;
            int expected = 255 - (255 - c) / 4;
            if (((rgb >> shift) & 0xFF) != expected) {
                return false;
            }
        }
        return true;
    }

    @Test
    void badArgumentsThrow() {
        assertThrows(IllegalArgumentException.class, () -> new DecisionBoundaryPlot("", 1, 0, 0, 1, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new DecisionBoundaryPlot("", 0, 1, 0, 1, 0, 2));
        DecisionBoundaryPlot plot = new DecisionBoundaryPlot("", 0, 1, 0, 1, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plot.cellClasses(new int[3]));
        assertTrue(e.getMessage().contains("3 cell classes for a 2 × 2 grid (4 cells)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> plot.cellClasses(new int[] {0, 1, -1, 0}));
        assertThrows(IllegalArgumentException.class, () -> plot.points(new double[][] {{0, 0}}, new int[2]));
        assertThrows(IllegalArgumentException.class, () -> plot.points(new double[][] {{0}}, new int[1]));
        assertThrows(IllegalArgumentException.class, () -> plot.size(20));
    }
}
