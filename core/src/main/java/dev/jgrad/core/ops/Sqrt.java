package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Square root y = √x.
 * <pre>
 *   backward  ∂L/∂x = g / (2y)
 * </pre>
 */
@GradientRule("∂L/∂x = g / (2y)")
public record Sqrt(Tensor x, NdArray y) implements Op {
    public static Tensor apply(Tensor x) {
        Checks.floating("sqrt", x);
        NdArray y = x.value().map(Math::sqrt);
        return Tensor.result(y, new Sqrt(x, y));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.div(y.scale(2)));
    }
}
