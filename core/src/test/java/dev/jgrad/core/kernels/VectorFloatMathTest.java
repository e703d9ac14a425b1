package dev.jgrad.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Vector API float loops against {@code Math.exp} and plain arithmetic (run when the module is present; the
 * sigmoid's accuracy is checked through the op, in SiluMulTest).
 */
class VectorFloatMathTest {
    private FloatMath math;

    @BeforeEach
    void vectorLoops() {
        math = FloatMath.vector();
        assumeTrue(math != null, "the Vector API loops run only with jdk.incubator.vector and jgrad.gemm=vector");
    }

    /** Within 2 float spacings of (float) Math.exp(x) on [−87.3, 88], sampled densely and at random. */
    @Test
    void expIsWithinTwoSpacingsOfMathExp() {
        Random rnd = new Random(1);
        int n = 200_001; // not a multiple of the vector length: the scalar tail runs too
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i < n / 2 ? -87.3f + 175.3f * i / (n / 2) : (float) (-87.3 + 175.3 * rnd.nextDouble());
        }
        float[] y = x.clone();
        math.expInPlace(y, 0, n);
        for (int i = 0; i < n; i++) {
            float exact = (float) Math.exp(x[i]);
            assertTrue(Math.abs(y[i] - exact) <= 2 * Math.ulp(exact), "e^" + x[i] + ": " + y[i] + " vs " + exact);
        }
    }

    @Test
    void expClampsAndKeepsNaN() {
        float[] a = {0f, 1f, -200f, Float.NEGATIVE_INFINITY, 200f, Float.POSITIVE_INFINITY, Float.NaN, 5f};
        float[] wide = new float[64]; // the same values inside whole vectors
        for (int i = 0; i < wide.length; i++) {
            wide[i] = a[i % 7];
        }
        math.expInPlace(a, 0, 7); // a[7] lies outside the run and stays
        math.expInPlace(wide, 0, wide.length);
        for (float[] e : new float[][] {a, java.util.Arrays.copyOf(wide, 7)}) {
            assertEquals(1f, e[0]);
            assertEquals((float) Math.E, e[1], Math.ulp((float) Math.E));
            assertEquals((float) Math.exp(-87.3f), e[2], 2 * Math.ulp((float) Math.exp(-87.3f)));
            assertEquals(e[2], e[3]);
            assertEquals((float) Math.exp(88), e[4], 2 * Math.ulp((float) Math.exp(88)));
            assertEquals(e[4], e[5]);
            assertTrue(Float.isNaN(e[6]));
        }
        assertEquals(5f, a[7]);
    }

    /** Cross-entropy's double exp: relative error below 1e-14 on [−700, 0], 0 at −∞ side clamps, and the sum. */
    @Test
    void doubleExpIsWithin1e14AndSums() {
        Random rnd = new Random(2);
        int n = 100_003;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i < n / 2 ? -40.0 * i / (n / 2) : -700 * rnd.nextDouble();
        }
        x[0] = 0;
        double[] y = x.clone();
        double sum = math.expSum(y, n);
        double expected = 0;
        for (int i = 0; i < n; i++) {
            double exact = Math.exp(x[i]);
            assertTrue(Math.abs(y[i] - exact) <= 1e-14 * exact, "e^" + x[i] + ": " + y[i] + " vs " + exact);
            expected += y[i];
        }
        assertEquals(1.0, y[0]);
        assertEquals(expected, sum, 1e-12 * expected);
        double[] tail = {-1e6, Double.NEGATIVE_INFINITY, -0.5};
        math.expSum(tail, 3);
        assertTrue(tail[0] >= 0 && tail[0] < 1e-300 && tail[0] == tail[1], "clamped at −700: " + tail[0]);
        assertEquals(Math.exp(-0.5), tail[2], 1e-14);
    }

    /** An element's result is the same bits whether it falls in a whole vector or in the scalar tail. */
    @Test
    void resultsDoNotDependOnTheElementsPositionInTheRun() {
        qt().forAll(
                        integers().between(1, 80),
                        integers().between(0, 17),
                        integers().between(0, 1000))
                .checkAssert((n, off, seed) -> {
                    Random rnd = new Random(seed);
                    float[] x = new float[off + n];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (20 * rnd.nextGaussian());
                    }
                    float[] run = x.clone();
                    math.expInPlace(run, off, n);
                    float[] sig = new float[x.length];
                    math.sigmoid(x, sig, off, off + n);
                    for (int i = off; i < off + n; i++) {
                        float[] one = {x[i]};
                        math.expInPlace(one, 0, 1);
                        assertEquals(Float.floatToRawIntBits(one[0]), Float.floatToRawIntBits(run[i]), "exp at " + i);
                        float[] s1 = new float[1];
                        math.sigmoid(new float[] {x[i]}, s1, 0, 1);
                        assertEquals(Float.floatToRawIntBits(s1[0]), Float.floatToRawIntBits(sig[i]), "σ at " + i);
                    }
                    for (int i = 0; i < off; i++) {
                        assertEquals(x[i], run[i], "outside the run");
                    }
                });
    }

    /** The softmax row steps: max, e^{(x − shift)·scale} with its sum, and scaling, against plain loops. */
    @Test
    void softmaxRowStepsMatchPlainLoops() {
        qt().forAll(integers().between(0, 300), integers().between(0, 1000)).checkAssert((n, seed) -> {
            Random rnd = new Random(seed);
            int off = 3;
            float[] x = new float[off + n + 2];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (5 * rnd.nextGaussian());
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                max = Math.max(max, x[off + j]);
            }
            assertEquals(max, math.max(x, off, n));

            float scale = 0.125f;
            float[] expected = new float[n];
            double sum = 0;
            for (int j = 0; j < n; j++) {
                expected[j] = (x[off + j] - max) * scale;
            }
            math.expInPlace(expected, 0, n);
            for (float e : expected) {
                sum += e;
            }
            float[] y = x.clone();
            double got = math.expShiftedSum(y, off, n, max, scale);
            for (int j = 0; j < n; j++) {
                assertEquals(expected[j], y[off + j], "element " + j);
            }
            assertEquals(sum, got, 1e-6 * Math.max(1, sum), "sum");
            assertEquals(x[0], y[0]);
            assertEquals(x[off + n], y[off + n], "after the run");

            float c = 1 / 3f;
            float[] z = x.clone();
            math.scale(z, off, n, c);
            for (int j = 0; j < n; j++) {
                assertEquals(x[off + j] * c, z[off + j]);
            }
            assertEquals(x[off + n], z[off + n]);
        });
    }
}
