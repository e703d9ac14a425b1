package dev.jgrad.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import dev.jgrad.core.testing.GradientProperty;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The fused affine map y = x · Wᵀ (+ b): gradients, a hand-computed case, the unfused composition, errors. */
class LinearTest {
    private static final DType F64 = DType.FLOAT64;

    /** x [lead..., in]: lead of rank 0..2 (dims 1..4), in and out 1..4, with or without bias. */
    @Test
    @GradientProperty(Linear.class)
    void linearBackwardMatchesFiniteDifferences() {
        qt().withExamples(40)
                .forAll(
                        Gens.shapes(0, 2),
                        integers().between(1, 4),
                        integers().between(1, 4),
                        booleans().all())
                .checkAssert((lead, in, out, withBias) -> {
                    long seed = 31L * lead.hashCode() + 7L * in + out + (withBias ? 1 : 0);
                    Random rnd = new Random(seed);
                    Tensor x = Gens.input(rnd, append(lead, in));
                    Tensor w = Gens.input(rnd, Shape.of(out, in));
                    Tensor b = Gens.input(rnd, Shape.of(out));
                    List<Tensor> inputs = withBias ? List.of(x, w, b) : List.of(x, w);
                    GradCheck.check(
                            "linear " + inputs.get(0).shape() + " · " + w.shape() + "ᵀ" + (withBias ? " + b" : ""),
                            xs -> Linear.apply(xs.get(0), xs.get(1), withBias ? xs.get(2) : null),
                            inputs,
                            seed);
                });
    }

    @Test
    void twoRowsByHand() {
        // x = [[1, 2], [3, 4]],  W = [[1, 0], [0, 1], [1, 1]],  b = [10, 20, 30]
        // y = x·Wᵀ + b: row 0 = [1, 2, 3] + b = [11, 22, 33],  row 1 = [3, 4, 7] + b = [13, 24, 37]
        // with g = ones [2, 3]:  ∂x = g·W = [1+0+1, 0+1+1] per row = [2, 2]
        //                        ∂W = gᵀ·x: each row of W gets Σ_r x[r] = [4, 6];   ∂b = Σ_r g[r] = [2, 2, 2]
        Tensor x = Tensor.of(F64, new double[][] {{1, 2}, {3, 4}}).requiresGrad(true);
        Tensor w = Tensor.of(F64, new double[][] {{1, 0}, {0, 1}, {1, 1}}).requiresGrad(true);
        Tensor b = Tensor.of(F64, new double[] {10, 20, 30}).requiresGrad(true);
        Tensor y = Linear.apply(x, w, b);
        assertEquals(Shape.of(2, 3), y.shape());
        assertArrayEquals(new double[] {11, 22, 33, 13, 24, 37}, y.toDoubleArray(), 0);
        y.sum().backward();
        assertArrayEquals(new double[] {2, 2, 2, 2}, x.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[] {4, 6, 4, 6, 4, 6}, w.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[] {2, 2, 2}, b.grad().toDoubleArray(), 0);
    }

    /** Fast path against x.matmul(Wᵀ).add(b) on larger shapes, float64, to 1e-12. */
    @Test
    void matchesMatmulWithTransposedWeight() {
        qt().withExamples(15)
                .forAll(
                        Gens.shapes(1, 2),
                        integers().between(1, 40),
                        integers().between(1, 40),
                        booleans().all())
                .checkAssert((lead, in, out, withBias) -> {
                    long seed = 17L * lead.hashCode() + 5L * in + out;
                    Random rnd = new Random(seed);
                    Shape big =
                            Shape.of(Arrays.stream(lead.dims()).map(d -> 5 * d).toArray());
                    Tensor x = Gens.input(rnd, append(big, in));
                    Tensor w = Gens.input(rnd, Shape.of(out, in));
                    Tensor b = Gens.input(rnd, Shape.of(out));
                    List<Tensor> inputs = withBias ? List.of(x, w, b) : List.of(x, w);
                    Function<List<Tensor>, Tensor> slow = xs -> {
                        Tensor y = xs.get(0).matmul(xs.get(1).T());
                        return withBias ? y.add(xs.get(2)) : y;
                    };
                    FusedCheck.assertSame(
                            "linear " + x.shape() + " · " + w.shape() + "ᵀ",
                            Linear.class,
                            xs -> Linear.apply(xs.get(0), xs.get(1), withBias ? xs.get(2) : null),
                            slow,
                            inputs,
                            seed,
                            1e-12);
                });
    }

    /** float32 (the vectorized GEMM) agrees with float64 on a product large enough to be split over threads. */
    @Test
    void float32AgreesWithFloat64() {
        Random rnd = new Random(5);
        Tensor x = Gens.input(rnd, Shape.of(4, 150, 70));
        Tensor w = Gens.input(rnd, Shape.of(90, 70));
        Tensor b = Gens.input(rnd, Shape.of(90));
        Tensor w64 = FusedCheck.weights(Linear.apply(x, w, b), 9);
        Linear.apply(x, w, b).backward(w64);
        Tensor x32 = FusedCheck.to32(x);
        Tensor ww32 = FusedCheck.to32(w);
        Tensor b32 = FusedCheck.to32(b);
        Tensor y32 = Linear.apply(x32, ww32, b32);
        y32.backward(Tensor.of(w64.value().cast(DType.FLOAT32)));
        FusedCheck.assertClose("forward", Linear.apply(x, w, b).value(), y32.value(), 1e-5);
        FusedCheck.assertClose("∂x", x.gradValue(), x32.gradValue(), 1e-5);
        FusedCheck.assertClose("∂W", w.gradValue(), ww32.gradValue(), 1e-5);
        FusedCheck.assertClose("∂b", b.gradValue(), b32.gradValue(), 1e-5);
    }

    @Test
    void badShapesNameTheOpAndTheShapes() {
        Tensor x = Tensor.zeros(2, 3);
        IllegalArgumentException features =
                assertThrows(IllegalArgumentException.class, () -> Linear.apply(x, Tensor.zeros(4, 5), null));
        assertMessage(features, "linear", "[2, 3]", "[4, 5]");
        IllegalArgumentException rank =
                assertThrows(IllegalArgumentException.class, () -> Linear.apply(x, Tensor.zeros(3), null));
        assertMessage(rank, "linear", "[3]");
        IllegalArgumentException bias = assertThrows(
                IllegalArgumentException.class, () -> Linear.apply(x, Tensor.zeros(4, 3), Tensor.zeros(3)));
        assertMessage(bias, "linear", "[3]", "[4, 3]");
        IllegalArgumentException dtype =
                assertThrows(IllegalArgumentException.class, () -> Linear.apply(x, Tensor.zeros(F64, 4, 3), null));
        assertMessage(dtype, "linear", "float32", "float64");
    }

    static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "\"" + p + "\" missing from: " + e.getMessage());
        }
    }

    static Shape append(Shape lead, int last) {
        int[] d = Arrays.copyOf(lead.dims(), lead.rank() + 1);
        d[lead.rank()] = last;
        return Shape.of(d);
    }
}
