package dev.jgrad.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GradClipTest {
    private static Tensor withGrad(float[] g) {
        Tensor p = Tensor.zeros(g.length).requiresGrad(true);
        p.accumulateGrad(NdArray.wrap(g.clone(), Shape.of(g.length)));
        return p;
    }

    @Test
    void aThreeFourFiveTriangle() {
        // gradients [3] and [4] across two parameters: ‖g‖ = 5; M = 1 → factor 1 / (5 + 1e-6)
        Tensor a = withGrad(new float[] {3});
        Tensor b = withGrad(new float[] {4});
        Tensor none = Tensor.zeros(2).requiresGrad(true); // no gradient: skipped
        assertEquals(5.0, GradClip.clipGradNorm(List.of(a, none, b), 1.0), 0);
        assertEquals((float) (3 / (5 + 1e-6)), a.gradValue().floats()[0], 0);
        assertEquals((float) (4 / (5 + 1e-6)), b.gradValue().floats()[0], 0);
        assertNull(none.gradValue());
    }

    @Test
    void aNormWithinTheLimitIsLeftAlone() {
        Tensor a = withGrad(new float[] {3, -4});
        assertEquals(5.0, GradClip.clipGradNorm(List.of(a), 5.0), 0); // ‖g‖ = 5 exactly, not > 5
        assertArrayEquals(new float[] {3, -4}, a.gradValue().floats(), 0);
        assertEquals(5.0, GradClip.clipGradNorm(List.of(a), 7.5), 0);
        assertArrayEquals(new float[] {3, -4}, a.gradValue().floats(), 0);
    }

    @Test
    void clippingKeepsTheDirectionAndBoundsTheNorm() {
        qt().withExamples(100)
                .forAll(integers().between(1, 4), doubles().between(0.01, 10), longs().all())
                .checkAssert((count, maxNorm, seed) -> {
                    Random rnd = new Random(seed);
                    List<Tensor> params = new ArrayList<>();
                    List<float[]> before = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        float[] g = new float[1 + rnd.nextInt(6)];
                        for (int j = 0; j < g.length; j++) g[j] = (float) (rnd.nextGaussian() * 3);
                        before.add(g);
                        params.add(withGrad(g));
                    }
                    double norm = GradClip.clipGradNorm(params, maxNorm);
                    double after = GradClip.gradNorm(params);
                    double factor = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
                    assertEquals(Math.min(norm, maxNorm * norm / (norm + 1e-6)), after, 1e-6 * Math.max(1, norm));
                    for (int i = 0; i < count; i++)
                        for (int j = 0; j < before.get(i).length; j++)
                            assertEquals(
                                    before.get(i)[j] * factor,
                                    params.get(i).gradValue().floats()[j],
                                    1e-6 * Math.abs(before.get(i)[j]));
                });
    }

    @Test
    void aNonFiniteNormLeavesGradientsForTheCallerToSkip() {
        Tensor a = withGrad(new float[] {Float.POSITIVE_INFINITY, 1});
        assertEquals(Double.POSITIVE_INFINITY, GradClip.clipGradNorm(List.of(a), 1.0), 0);
        assertArrayEquals(
                new float[] {Float.POSITIVE_INFINITY, 1}, a.gradValue().floats(), 0);
    }

    @Test
    void maxNormMustBePositive() {
        Tensor a = withGrad(new float[] {1});
        String m = assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(List.of(a), 0))
                .getMessage();
        assertEquals("clipGradNorm: maxNorm must be finite and > 0, got 0.0", m);
    }
}
