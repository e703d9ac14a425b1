package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Power with a constant exponent, y = xᵖ.
 * <pre>
 *   backward  ∂L/∂x = g ⊙ p · x^(p−1)
 * </pre>
 */
@GradientRule("∂L/∂x = g ⊙ p · x^(p−1)")
public record Pow(Tensor x, double p) implements Op {
    public static Tensor apply(Tensor x, double p) {
        Checks.floating("pow", x);
        return Tensor.result(x.value().map(v -> Math.pow(v, p)), new Pow(x, p));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        if (p == 0) {
            return List.of(g.zerosLike()); // x⁰ ≡ 1; avoids 0 · 0⁻¹ = NaN at x = 0
        }
        return List.of(g.mul(x.value().map(v -> p * Math.pow(v, p - 1))));
    }
}
