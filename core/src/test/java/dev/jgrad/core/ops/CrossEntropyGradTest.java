package dev.jgrad.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.ops.CrossEntropy.Reduction;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.GradientProperty;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Gradients of the fused cross-entropy: finite differences, p − onehot, and a hand-computed case. */
class CrossEntropyGradTest {
    private static final int[] IGNORE_CHOICES = {CrossEntropy.DEFAULT_IGNORE_INDEX, -1, 0};

    @Test
    @GradientProperty(CrossEntropy.class)
    void crossEntropyBackwardMatchesFiniteDifferences() {
        qt().withExamples(60)
                .forAll(
                        lists().of(integers().between(1, 4)).ofSizeBetween(0, 3),
                        integers().between(1, 6),
                        integers().between(0, 8),
                        longs().all())
                .checkAssert((lead, v, variant, seed) -> {
                    Random rnd = new Random(seed);
                    Reduction reduction = Reduction.values()[variant % 3];
                    int ignore = IGNORE_CHOICES[variant / 3];
                    Tensor z = Tensor.randn(DType.FLOAT64, rnd, CrossEntropyTest.dims(lead, v))
                            .mul(2)
                            .detach()
                            .requiresGrad(true);
                    Shape leading =
                            Shape.of(lead.stream().mapToInt(Integer::intValue).toArray());
                    Tensor t = CrossEntropyTest.randomTargets(rnd, leading, v, ignore);
                    GradCheck.check(
                            "crossEntropy " + reduction + " ignoreIndex " + ignore,
                            xs -> CrossEntropy.apply(xs.get(0), t, reduction, ignore),
                            List.of(z),
                            seed);
                });
    }

    @Test
    void gradientIsSoftmaxMinusOneHotOverNAndRowsSumToZero() {
        qt().withExamples(100)
                .forAll(integers().between(1, 8), integers().between(1, 30), longs().all())
                .checkAssert((n, v, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor z = Tensor.randn(DType.FLOAT64, rnd, n, v)
                            .mul(4)
                            .detach()
                            .requiresGrad(true);
                    Tensor t = CrossEntropyTest.randomTargets(rnd, Shape.of(n), v, -100);
                    int[] targets = t.toIntArray();
                    int count = 0;
                    for (int target : targets) {
                        count += target == -100 ? 0 : 1;
                    }
                    z.crossEntropy(t).backward();
                    double[] x = z.toDoubleArray();
                    double[] grad = z.grad().toDoubleArray();
                    for (int r = 0; r < n; r++) {
                        // softmax computed here, independently: p_a = e^{x_a − max} / Σ_b e^{x_b − max}
                        double max = Double.NEGATIVE_INFINITY;
                        for (int a = 0; a < v; a++) {
                            max = Math.max(max, x[r * v + a]);
                        }
                        double sum = 0;
                        for (int a = 0; a < v; a++) {
                            sum += Math.exp(x[r * v + a] - max);
                        }
                        double rowSum = 0;
                        for (int a = 0; a < v; a++) {
                            double p = Math.exp(x[r * v + a] - max) / sum;
                            double expected = targets[r] == -100 ? 0 : (p - (a == targets[r] ? 1 : 0)) / count;
                            assertEquals(expected, grad[r * v + a], 1e-14, "row " + r + " class " + a);
                            rowSum += grad[r * v + a];
                        }
                        assertEquals(0, rowSum, 1e-15 * v, "row " + r);
                    }
                });
    }

    @Test
    void float32GradientOfLongRowsIsSoftmaxMinusOneHotOverN() {
        // V = 2500 spans several of the kernel's scratch blocks; targets sit in different blocks
        Random rnd = new Random(9);
        int n = 4;
        int v = 2500;
        Tensor z = Tensor.randn(DType.FLOAT32, rnd, n, v).mul(3).detach().requiresGrad(true);
        int[] targets = {0, 1023, 1024, 2499};
        z.crossEntropy(Tensor.ofInts(targets)).backward();
        double[] x = z.toDoubleArray();
        double[] grad = z.grad().toDoubleArray();
        for (int r = 0; r < n; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < v; a++) {
                max = Math.max(max, x[r * v + a]);
            }
            double sum = 0;
            for (int a = 0; a < v; a++) {
                sum += Math.exp(x[r * v + a] - max);
            }
            for (int a = 0; a < v; a++) {
                double expected = (Math.exp(x[r * v + a] - max) / sum - (a == targets[r] ? 1 : 0)) / n;
                assertEquals(expected, grad[r * v + a], 1e-7 * Math.abs(expected) + 1e-12, "row " + r + " class " + a);
            }
        }
    }

    @Test
    void gradientMatchesTheUnfusedGraph() {
        qt().withExamples(60)
                .forAll(
                        integers().between(1, 6),
                        integers().between(1, 9),
                        integers().between(0, 8),
                        longs().all())
                .checkAssert((n, v, variant, seed) -> {
                    Random rnd = new Random(seed);
                    Reduction reduction = Reduction.values()[variant % 3];
                    int ignore = IGNORE_CHOICES[variant / 3];
                    NdArray values = Tensor.randn(DType.FLOAT64, rnd, n, v).value();
                    Tensor t = CrossEntropyTest.randomTargets(rnd, Shape.of(n), v, ignore);
                    Tensor fused = Tensor.of(values.copy()).requiresGrad(true);
                    Tensor plain = Tensor.of(values.copy()).requiresGrad(true);
                    Tensor w =
                            Tensor.randn(DType.FLOAT64, rnd, reduction == Reduction.NONE ? new int[] {n} : new int[0]);
                    CrossEntropy.apply(fused, t, reduction, ignore).backward(w);
                    CrossEntropyTest.unfused(plain, t, reduction, ignore).backward(w);
                    assertArrayEquals(plain.grad().toDoubleArray(), fused.grad().toDoubleArray(), 1e-13);
                });
    }

    @Test
    void twoEqualLogitsTargetZero() {
        // z = [[0, 0]] → p = [½, ½]; target 0 → L = −log ½ = ln 2; ∂L/∂z = p − onehot(0) = [−½, ½]
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor z = Tensor.zeros(dtype, 1, 2).requiresGrad(true);
            Tensor loss = z.crossEntropy(Tensor.ofInts(new int[] {0}));
            loss.backward();
            assertEquals(Math.log(2), loss.item(), 1e-7);
            assertArrayEquals(new double[] {-0.5, 0.5}, z.grad().toDoubleArray(), 0.0);
            assertEquals(dtype, z.grad().dtype());
        }
    }

    @Test
    void sumAndNoneScaleByTheIncomingGradient() {
        // SUM: ∂(g·Σ loss)/∂z = g·(p − onehot). NONE with g = [g0, g1] scales row r by g_r.
        // z = zeros(2, 2), targets [0, 1] → p − onehot = [[−½, ½], [½, −½]]
        Tensor z = Tensor.zeros(DType.FLOAT64, 2, 2).requiresGrad(true);
        z.crossEntropy(Tensor.ofInts(new int[] {0, 1}), Reduction.SUM, -100).backward(Tensor.scalar(DType.FLOAT64, 3));
        assertArrayEquals(new double[] {-1.5, 1.5, 1.5, -1.5}, z.grad().toDoubleArray(), 0.0);
        z.zeroGrad();
        z.crossEntropy(Tensor.ofInts(new int[] {0, 1}), Reduction.NONE, -100)
                .backward(Tensor.of(DType.FLOAT64, new double[] {2, -4}));
        assertArrayEquals(new double[] {-1, 1, -2, 2}, z.grad().toDoubleArray(), 0.0);
    }
}
