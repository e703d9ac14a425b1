package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Elementwise difference c = a − b.
 * <pre>
 *   forward   c = a − b
 *   backward  ∂L/∂a = g,  ∂L/∂b = −g
 * </pre>
 * Broadcasting follows NumPy; each gradient is summed back to its input's shape.
 */
@GradientRule(value = "∂L/∂a = g,  ∂L/∂b = −g", broadcast = GradientRule.Broadcast.ELEMENTWISE)
public record Sub(Tensor a, Tensor b) implements Op {
    public static Tensor apply(Tensor a, Tensor b) {
        Checks.sameFloatDtype("sub", a, b);
        return Tensor.result(a.value().sub(b.value()), new Sub(a, b));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(a, b);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return Arrays.asList(g.sumTo(a.shape()), g.sumTo(b.shape()).scale(-1));
    }
}
