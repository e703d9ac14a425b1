package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * GELU, tanh approximation (PyTorch's {@code gelu(x, approximate="tanh")}).
 * <pre>
 *   y = ½ x (1 + tanh u),   u = √(2/π) (x + 0.044715 x³)
 *   backward  ∂L/∂x = g ⊙ (½ (1 + tanh u) + ½ x (1 − tanh² u) · √(2/π) (1 + 3 · 0.044715 x²))
 * </pre>
 */
@GradientRule("∂L/∂x = g ⊙ (½ (1 + tanh u) + ½ x (1 − tanh² u) · √(2/π) (1 + 3 · 0.044715 x²))")
public record GeluTanh(Tensor x) implements Op {
    public static Tensor apply(Tensor x) {
        Checks.floating("geluTanh", x);
        return Tensor.result(x.value().map(v -> 0.5 * v * (1 + Math.tanh(u(v)))), new GeluTanh(x));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.mul(x.value().map(GeluTanh::derivative)));
    }

    private static final double C = Math.sqrt(2 / Math.PI);
    private static final double A = 0.044715;

    private static double u(double x) {
        return C * (x + A * x * x * x);
    }

    static double derivative(double x) {
        double t = Math.tanh(u(x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * A * x * x);
    }
}
