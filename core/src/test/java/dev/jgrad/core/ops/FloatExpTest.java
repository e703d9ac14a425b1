package dev.jgrad.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vectorizable float exp against {@code Math.exp}, over its whole range and at the clamps. */
class FloatExpTest {
    /** Within 2 float spacings of (float) Math.exp(x) for x in [−87.3, 88], sampled densely and at random. */
    @Test
    void withinTwoSpacingsOfMathExp() {
        Random rnd = new Random(1);
        int n = 200_000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i < n / 2 ? -87.3f + 175.3f * i / (n / 2) : (float) (-87.3 + 175.3 * rnd.nextDouble());
        }
        float[] y = x.clone();
        FloatExp.expInPlace(y, 0, n, new int[n]);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            float exact = (float) Math.exp(x[i]);
            double spacings = Math.abs(y[i] - exact) / Math.ulp(exact);
            assertTrue(spacings <= 2, "e^" + x[i] + ": " + y[i] + " vs " + exact);
            worst = Math.max(worst, spacings);
        }
        assertTrue(worst > 0, "compared against Math.exp, not against itself");
    }

    @Test
    void exactPointsClampsAndNaN() {
        float[] a = {0f, 1f, -1f, -200f, Float.NEGATIVE_INFINITY, 200f, Float.POSITIVE_INFINITY, Float.NaN, 5f, 6f};
        int[] bits = new int[8];
        FloatExp.expInPlace(a, 0, 8, bits); // the last two are outside the run and stay
        assertEquals(1f, a[0]);
        assertEquals((float) Math.E, a[1], Math.ulp((float) Math.E));
        assertEquals((float) (1 / Math.E), a[2], Math.ulp((float) (1 / Math.E)));
        assertEquals((float) Math.exp(-87.3f), a[3], 2 * Math.ulp((float) Math.exp(-87.3f))); // clamped below
        assertEquals(a[3], a[4]);
        assertEquals((float) Math.exp(88), a[5], 2 * Math.ulp((float) Math.exp(88))); // clamped above, finite
        assertEquals(a[5], a[6]);
        assertTrue(Float.isNaN(a[7]));
        assertEquals(5f, a[8]);
        assertEquals(6f, a[9]);
    }

    /** A run in the middle of an array: only that run changes. */
    @Test
    void runAtAnOffset() {
        float[] a = {3f, -2f, 0.5f, 7f};
        FloatExp.expInPlace(a, 1, 2, new int[2]);
        assertEquals(3f, a[0]);
        assertEquals((float) Math.exp(-2), a[1], Math.ulp((float) Math.exp(-2)));
        assertEquals((float) Math.exp(0.5), a[2], Math.ulp((float) Math.exp(0.5)));
        assertEquals(7f, a[3]);
    }
}
