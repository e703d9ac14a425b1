package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Exponential y = eˣ.
 * <pre>
 *   backward  ∂L/∂x = g ⊙ y      (y saved from forward)
 * </pre>
 */
@GradientRule("∂L/∂x = g ⊙ y      (y saved from forward)")
public record Exp(Tensor x, NdArray y) implements Op {
    public static Tensor apply(Tensor x) {
        Checks.floating("exp", x);
        NdArray y = x.value().map(Math::exp);
        return Tensor.result(y, new Exp(x, y));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.mul(y));
    }
}
