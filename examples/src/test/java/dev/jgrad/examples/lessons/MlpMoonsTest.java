package dev.jgrad.examples.lessons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MlpMoonsTest {
    @Test
    void reachesMoreThan95PercentAndWritesAPng(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path png = dir.resolve("moons.png");
        MlpMoons.Result r = MlpMoons.run(png, new PrintStream(log, true, StandardCharsets.UTF_8));

        assertTrue(r.accuracy() > 0.95, "training accuracy " + r.accuracy());
        assertTrue(r.loss() < 0.2, "final loss " + r.loss());
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "not a readable PNG");
        assertTrue(img.getWidth() > 100 && img.getHeight() > 100);
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("step    1  loss "), text);
        assertEquals(1 + MlpMoons.STEPS / MlpMoons.LOG_EVERY, text.lines().count(), text);
    }

    @Test
    void moonsAreBalancedAndOnTheirArcs() {
        MlpMoons.Moons m = MlpMoons.Moons.generate(new Random(1), 400, 0.0);
        int ones = 0;
        for (int i = 0; i < 400; i++) {
            double x = m.xy()[i][0], y = m.xy()[i][1];
            if (m.labels()[i] == 0) { // on the unit circle, upper half
                assertEquals(1, x * x + y * y, 1e-12);
                assertTrue(y >= 0);
            } else { // on the unit circle around (1, 0.5), lower half
                assertEquals(1, (x - 1) * (x - 1) + (y - 0.5) * (y - 0.5), 1e-12);
                assertTrue(y <= 0.5);
                ones++;
            }
        }
        assertEquals(200, ones);
    }

    @Test
    void accuracyCountsRowsWhoseLargestLogitIsTheLabel() {
        Tensor logits = Tensor.of(new double[][] {{2, 1}, {0, 3}, {5, -1}, {-2, -1}});
        assertArrayEquals(new int[] {0, 1, 0, 1}, MlpMoons.argmax(logits));
        assertEquals(0.75, MlpMoons.accuracy(logits, new int[] {0, 1, 1, 1}), 1e-12);
    }
}
