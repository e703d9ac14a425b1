package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Natural logarithm y = ln x (−∞ at 0, NaN below, as IEEE).
 * <pre>
 *   backward  ∂L/∂x = g / x
 * </pre>
 */
@GradientRule("∂L/∂x = g / x")
public record Log(Tensor x) implements Op {
    public static Tensor apply(Tensor x) {
        Checks.floating("log", x);
        return Tensor.result(x.value().map(Math::log), new Log(x));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.div(x.value()));
    }
}
