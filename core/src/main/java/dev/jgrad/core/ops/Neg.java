package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Negation y = −x.
 * <pre>
 *   backward  ∂L/∂x = −g
 * </pre>
 */
@GradientRule("∂L/∂x = −g")
public record Neg(Tensor x) implements Op {
    public static Tensor apply(Tensor x) {
        Checks.floating("neg", x);
        return Tensor.result(x.value().scale(-1), new Neg(x));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.scale(-1));
    }
}
