package dev.jgrad.core.ops;

import static dev.jgrad.core.ops.LinearTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import dev.jgrad.core.testing.GradientProperty;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fused SwiGLU gate silu(a) ⊙ b: gradients, a hand-computed case, the unfused composition, errors. */
class SiluMulTest {
    private static final DType F64 = DType.FLOAT64;

    @Test
    @GradientProperty(SiluMul.class)
    void siluMulBackwardMatchesFiniteDifferences() {
        qt().withExamples(40).forAll(Gens.shapes(), Gens.seeds()).checkAssert((shape, seed) -> {
            Random rnd = new Random(seed);
            Tensor a = Gens.uniformInput(rnd, shape, -6, 6);
            Tensor b = Gens.input(rnd, shape);
            GradCheck.check("siluMul " + shape, xs -> SiluMul.apply(xs.get(0), xs.get(1)), List.of(a, b), seed);
        });
    }

    @Test
    void zeroAndLn3ByHand() {
        // a = [0, ln 3], b = [2, 5]:  σ(0) = 1/2,  σ(ln 3) = 3/(3 + 1) = 3/4
        //   y = a·σ(a)·b = [0, (3/4)·ln 3·5]
        //   g = ones:  ∂a = b·σ·(1 + a·(1 − σ)) = [2·(1/2)·1, 5·(3/4)·(1 + ln 3 / 4)],   ∂b = a·σ = [0, (3/4)·ln 3]
        double ln3 = Math.log(3);
        Tensor a = Tensor.of(F64, new double[] {0, ln3}).requiresGrad(true);
        Tensor b = Tensor.of(F64, new double[] {2, 5}).requiresGrad(true);
        Tensor y = SiluMul.apply(a, b);
        assertArrayEquals(new double[] {0, 3.75 * ln3}, y.toDoubleArray(), 1e-15);
        y.sum().backward();
        assertArrayEquals(new double[] {1, 3.75 * (1 + ln3 / 4)}, a.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {0, 0.75 * ln3}, b.grad().toDoubleArray(), 1e-15);
    }

    /** Fast path against a.silu().mul(b), float64. */
    @Test
    void matchesSiluThenMul() {
        qt().withExamples(20).forAll(Gens.shapes(1, 3), Gens.seeds()).checkAssert((shape, seed) -> {
            Random rnd = new Random(seed);
            Shape big = Shape.of(
                    java.util.Arrays.stream(shape.dims()).map(d -> 7 * d).toArray());
            Tensor a = Gens.uniformInput(rnd, big, -20, 20);
            Tensor b = Gens.input(rnd, big);
            FusedCheck.assertSame(
                    "siluMul " + big,
                    SiluMul.class,
                    xs -> SiluMul.apply(xs.get(0), xs.get(1)),
                    xs -> xs.get(0).silu().mul(xs.get(1)),
                    List.of(a, b),
                    seed,
                    1e-13);
        });
    }

    /** The float32 sigmoid: Vector API loops in this JVM, plain ones in a JVM without the module. */
    private interface FloatSigmoid {
        void apply(float[] a, float[] s, int from, int to);
    }

    /**
     * The float32 sigmoid, both as the op runs it here and in plain Java, is within 3 float spacings of
     * {@link Sigmoid#sigma} from −120 to 120, or below 1e-38 where σ itself is (the exp is clamped at e^88);
     * 0, ±∞ and NaN come out right.
     */
    @Test
    void float32SigmoidIsAccurateEverywhere() {
        checkSigmoid(SiluMul::sigmoid);
        checkSigmoid(SiluMul::plainSigmoid);
    }

    private static void checkSigmoid(FloatSigmoid sigmoid) {
        Random rnd = new Random(4);
        int n = 100_000;
        float[] a = new float[n + 5];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (240 * rnd.nextDouble() - 120);
        }
        float[] special = {0f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN};
        System.arraycopy(special, 0, a, n, 5);
        float[] s = new float[a.length];
        sigmoid.apply(a, s, 0, a.length);
        for (int i = 0; i < n; i++) {
            float exact = (float) Sigmoid.sigma(a[i]);
            boolean close = Math.abs(s[i] - exact) <= 3 * Math.ulp(exact) || (exact < 1e-38 && s[i] < 1e-38);
            assertTrue(close, "σ(" + a[i] + "): " + s[i] + " vs " + exact);
        }
        assertEquals(0.5f, s[n]);
        assertEquals(1f, s[n + 1]);
        assertTrue(s[n + 2] < 1e-38);
        assertEquals(1f, s[n + 3]);
        assertTrue(Float.isNaN(s[n + 4]));
    }

    /** float32 agrees with float64 on an input large enough to be split over threads. */
    @Test
    void float32AgreesWithFloat64() {
        Random rnd = new Random(8);
        Tensor a = Gens.uniformInput(rnd, Shape.of(1024, 200), -10, 10);
        Tensor b = Gens.input(rnd, Shape.of(1024, 200));
        Tensor y = SiluMul.apply(a, b);
        Tensor g = FusedCheck.weights(y, 2);
        y.backward(g);
        Tensor a32 = FusedCheck.to32(a);
        Tensor b32 = FusedCheck.to32(b);
        Tensor y32 = SiluMul.apply(a32, b32);
        y32.backward(Tensor.of(g.value().cast(DType.FLOAT32)));
        FusedCheck.assertClose("forward", y.value(), y32.value(), 1e-6);
        FusedCheck.assertClose("∂a", a.gradValue(), a32.gradValue(), 1e-6);
        FusedCheck.assertClose("∂b", b.gradValue(), b32.gradValue(), 1e-6);
    }

    @Test
    void badInputNamesTheOpAndTheShapes() {
        IllegalArgumentException shapes =
                assertThrows(IllegalArgumentException.class, () -> SiluMul.apply(Tensor.zeros(2, 3), Tensor.zeros(3)));
        assertMessage(shapes, "siluMul", "[2, 3]", "[3]");
        IllegalArgumentException dtype = assertThrows(
                IllegalArgumentException.class, () -> SiluMul.apply(Tensor.zeros(3), Tensor.zeros(F64, 3)));
        assertMessage(dtype, "siluMul", "float32", "float64");
    }
}
