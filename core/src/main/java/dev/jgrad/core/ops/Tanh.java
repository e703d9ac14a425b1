package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Hyperbolic tangent y = tanh x.
 * <pre>
 *   backward  ∂L/∂x = g ⊙ (1 − y²)
 * </pre>
 */
@GradientRule("∂L/∂x = g ⊙ (1 − y²)")
public record Tanh(Tensor x, NdArray y) implements Op {
    public static Tensor apply(Tensor x) {
        Checks.floating("tanh", x);
        NdArray y = x.value().map(Math::tanh);
        return Tensor.result(y, new Tanh(x, y));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.mul(y.map(v -> 1 - v * v)));
    }
}
