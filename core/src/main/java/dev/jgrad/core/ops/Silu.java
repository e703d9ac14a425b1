package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * SiLU (swish) y = x · σ(x).
 * <pre>
 *   backward  ∂L/∂x = g ⊙ σ(x) · (1 + x · (1 − σ(x)))
 * </pre>
 */
@GradientRule("∂L/∂x = g ⊙ σ(x) · (1 + x · (1 − σ(x)))")
public record Silu(Tensor x) implements Op {
    public static Tensor apply(Tensor x) {
        Checks.floating("silu", x);
        return Tensor.result(x.value().map(v -> v * Sigmoid.sigma(v)), new Silu(x));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.mul(x.value().map(Silu::derivative)));
    }

    static double derivative(double x) {
        double s = Sigmoid.sigma(x);
        return s * (1 + x * (1 - s));
    }
}
