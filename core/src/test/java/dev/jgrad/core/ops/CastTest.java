package dev.jgrad.core.ops;

import static dev.jgrad.core.testing.GradientProperty.Check.KNOWN_VALUES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.GradientProperty;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cast (x.to(dtype)). Its backward cannot be checked by finite differences: the only differentiable
 * casts are between float64 and float32, and a float64 function through float32 rounds x ± h to float32,
 * whose spacing near 1 is 2⁻²³ ≈ 1.2e-7, so with h = 1e-6 the finite difference is off by up to ~6%
 * ({@link #finiteDifferencesCannotCheckCast} shows it). Its backward is therefore tested on values
 * exactly representable in float32, where every expected gradient is exact.
 */
class CastTest {
    @Test
    @GradientProperty(value = Cast.class, by = KNOWN_VALUES)
    void castBackwardConvertsTheGradientBackToTheInputDtype() {
        // L = Σ w ⊙ float32(x) with w = [3, −0.5]  ⇒  ∂L/∂x = w, delivered as float64
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1.5, -2.25}).requiresGrad(true);
        Tensor w = Tensor.of(DType.FLOAT32, new double[] {3, -0.5});
        Tensor y = x.to(DType.FLOAT32);
        assertEquals(DType.FLOAT32, y.dtype());
        y.mul(w).sum().backward();
        assertEquals(DType.FLOAT64, x.grad().dtype());
        assertArrayEquals(new double[] {3, -0.5}, x.grad().toDoubleArray(), 0);
    }

    @Test
    @GradientProperty(value = Cast.class, by = KNOWN_VALUES)
    void castFromFloat32ToFloat64AndBackGivesAFloat32Gradient() {
        // L = Σ w ⊙ float64(x) with w = [0.25, 4, −1]  ⇒  ∂L/∂x = w, delivered as float32
        Tensor x = Tensor.of(DType.FLOAT32, new double[] {0.5, -1, 2}).requiresGrad(true);
        Tensor w = Tensor.of(DType.FLOAT64, new double[] {0.25, 4, -1});
        x.to(DType.FLOAT64).mul(w).sum().backward();
        assertEquals(DType.FLOAT32, x.grad().dtype());
        assertArrayEquals(new float[] {0.25f, 4, -1}, x.grad().toFloatArray(), 0);
    }

    @Test
    void castRoundsToFloat32() {
        // 0.1 has no exact binary form; float32 keeps 24 significant bits: 0.1f = 13421773 · 2⁻²⁷
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {0.1});
        assertEquals(
                13421773 * Math.pow(2, -27),
                x.to(DType.FLOAT32).to(DType.FLOAT64).item(),
                0);
    }

    @Test
    void castToTheSameDtypeIsTheTensorItself() {
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1, 2}).requiresGrad(true);
        assertEquals(x, x.to(DType.FLOAT64));
    }

    @Test
    void finiteDifferencesCannotCheckCast() {
        // x = 1.3: float32 rounds 1.3 ± 1e-6 to multiples of 2⁻²³, and 2e-6 / 2⁻²³ ≈ 16.8 is not an integer,
        // so the difference is 16 or 17 spacings: a slope of 0.954 or 1.013 instead of 1 (error > rtol 1e-3).
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1.3}).requiresGrad(true);
        GradCheck.Report report =
                GradCheck.compare("cast", xs -> xs.get(0).to(DType.FLOAT32).to(DType.FLOAT64), List.of(x), 0);
        assertFalse(report.passed(), report::toString);
    }

    @Test
    void castToInt32IsNotDifferentiable() {
        // Javadoc: "differentiable between float types"; int32 values cannot carry a gradient, as in
        // PyTorch, where x.to(torch.int32).requires_grad is False.
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1.7, -2.2}).requiresGrad(true);
        Tensor i = x.to(DType.INT32);
        assertArrayEquals(new int[] {1, -2}, i.toIntArray()); // truncation toward zero
        assertFalse(i.requiresGrad(), "an int32 tensor reports requiresGrad() == true");
        assertNull(i.op());
    }

    @Test
    void aRoundTripThroughInt32PassesNoGradient() {
        // float64(int32(x)) is a step function: its derivative is 0 wherever it exists, and PyTorch cuts the
        // graph at the int cast. A gradient reaching x here would be the incoming g truncated to int32.
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1.7, -2.2}).requiresGrad(true);
        Tensor w = Tensor.of(DType.FLOAT64, new double[] {0.5, 2.75});
        Tensor y = x.to(DType.INT32).to(DType.FLOAT64).mul(w).sum();
        assertFalse(y.requiresGrad(), () -> {
            y.backward();
            return "the graph runs through int32; backward gives x.grad = " + x.grad();
        });
    }
}
