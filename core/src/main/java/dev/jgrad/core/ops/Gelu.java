package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * GELU, exact form: y = x · Φ(x), Φ the standard normal CDF (PyTorch's default {@code gelu}).
 * <pre>
 *   Φ(x) = ½ (1 + erf(x / √2)),   φ(x) = e^(−x²/2) / √(2π)
 *   backward  ∂L/∂x = g ⊙ (Φ(x) + x · φ(x))
 * </pre>
 */
@GradientRule("∂L/∂x = g ⊙ (Φ(x) + x · φ(x))")
public record Gelu(Tensor x) implements Op {
    public static Tensor apply(Tensor x) {
        Checks.floating("gelu", x);
        return Tensor.result(x.value().map(v -> v * cdf(v)), new Gelu(x));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.mul(x.value().map(v -> cdf(v) + v * Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI))));
    }

    static double cdf(double x) {
        return 0.5 * (1 + Erf.erf(x / Math.sqrt(2)));
    }
}
