package dev.jgrad.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * GradCheck itself: it must fail on wrong backwards and say where. A wrong backward is built from
 * correct ops with {@code detach()}, which hides a path from backward while the forward value (and
 * so the finite difference) still depends on it.
 */
class GradCheckTest {
    private static Tensor leaf(double... values) {
        return Tensor.of(DType.FLOAT64, values).requiresGrad(true);
    }

    @Test
    void catchesABackwardThatMissesAPath() {
        // f(x) = x ⊙ detach(x): the value is x², so the finite difference of Σ w ⊙ f is 2x·w, but backward
        // sees only the first factor and gives x·w. With x = [3] and the check's seed 0, w = first Gaussian
        // of new Random(0): backward 3w, finite difference 6w.
        double w = new Random(0).nextGaussian();
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> GradCheck.check(
                        "halfDetachedSquare", xs -> xs.get(0).mul(xs.get(0).detach()), List.of(leaf(3)), 0));
        String m = e.getMessage();
        assertTrue(m.startsWith("halfDetachedSquare: gradient of input 0 [1] differs at flat index 0"), m);
        assertTrue(m.contains(String.format(Locale.ROOT, "backward %.6g", 3 * w)), m);
        assertTrue(m.contains(String.format(Locale.ROOT, "finite difference %.6g", 6 * w)), m);
    }

    @Test
    void namesTheInputWhoseGradientIsWrong() {
        // f(a, b) = a ⊙ detach(b): a's gradient (b·w) is right; b's is missing (0 instead of a·w)
        Tensor a = leaf(1, 2, 3);
        Tensor b = leaf(-1, 0.5, 2);
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> GradCheck.check(
                        "mulDetached", xs -> xs.get(0).mul(xs.get(1).detach()), List.of(a, b), 7));
        assertTrue(e.getMessage().contains("gradient of input 1 [3]"), e::getMessage);
        // the report lists both inputs, and only input 1 failed
        GradCheck.Report report =
                GradCheck.compare("mulDetached", xs -> xs.get(0).mul(xs.get(1).detach()), List.of(a, b), 7);
        assertEquals(2, report.inputs().size());
        assertTrue(report.inputs().get(0).passed());
        assertFalse(report.inputs().get(1).passed());
    }

    @Test
    void catchesABackwardThatUsesOnlyTheSumOfG() {
        // Value: f(x) = 2x, since S − detach(S) = 0 with S = 2·mean(x). Backward reaches x only through S,
        // broadcast to every output: ∂/∂x_j Σ_i g_i f_i = (2/n) Σ_i g_i, which ignores where g is large.
        // That is the mistake of a backward that forgets the factor g elementwise.
        Function<List<Tensor>, Tensor> f = xs -> {
            Tensor x = xs.get(0);
            Tensor s = x.mean().mul(2);
            return x.detach().mul(2).add(s.sub(s.detach()));
        };
        // With g = all ones (a plain sum as the loss) the backward is (2/n)·n = 2 = the true slope: a check
        // that backpropagated sum(f(x)) would pass.
        Tensor x = leaf(0.3, -1.2, 2.0, 0.7);
        f.apply(List.of(x)).sum().backward();
        assertArrayEquals(new double[] {2, 2, 2, 2}, x.grad().toDoubleArray(), 1e-15);
        // With GradCheck's random weights w the backward gives 2·mean(w) against the true 2w_j.
        assertThrows(AssertionError.class, () -> GradCheck.check("sumOnly", f, List.of(leaf(0.3, -1.2, 2.0, 0.7)), 42));
    }

    @Test
    void theToleranceIsRelativeAtOneInAThousand() {
        // f(x) = x + δ·detach(x): true slope 1 + δ, backward 1, relative error δ/(1 + δ)
        for (double delta : new double[] {1e-2, -1e-2}) {
            assertThrows(
                    AssertionError.class,
                    () -> GradCheck.check(
                            "off by " + delta,
                            xs -> xs.get(0).add(xs.get(0).detach().mul(delta)),
                            List.of(leaf(1.5, -0.5)),
                            3));
        }
        assertDoesNotThrow(() -> GradCheck.check(
                "off by 1e-5", xs -> xs.get(0).add(xs.get(0).detach().mul(1e-5)), List.of(leaf(1.5, -0.5)), 3));
    }

    @Test
    void passesACorrectBackwardAndReportsOnlyInputsThatRequireGrad() {
        Tensor a = leaf(0.5, -1, 2);
        Tensor constant = Tensor.of(DType.FLOAT64, new double[] {1, 2, 3});
        GradCheck.Report report =
                GradCheck.check("tanhOfProduct", xs -> xs.get(0).mul(xs.get(1)).tanh(), List.of(a, constant), 1);
        assertTrue(report.passed(), report::toString);
        assertEquals(1, report.inputs().size());
        assertEquals(0, report.inputs().get(0).input());
        // the caller's tensors are untouched: the check works on copies
        assertArrayEquals(new double[] {0.5, -1, 2}, a.toDoubleArray(), 0);
        assertNull(a.grad());
    }

    @Test
    void rejectsFloat32InputsWithAClearMessage() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true); // float32 by default
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> GradCheck.check("exp", xs -> xs.get(0).exp(), List.of(x), 0));
        String m = e.getMessage();
        assertTrue(m.startsWith("exp:"), m);
        assertTrue(m.contains("input 0") && m.contains("[2]"), m);
        assertTrue(m.contains("float32") && m.contains("float64"), m);
    }
}
