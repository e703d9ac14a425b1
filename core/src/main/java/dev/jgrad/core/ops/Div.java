package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Elementwise quotient c = a / b.
 * <pre>
 *   forward   c = a / b
 *   backward  ∂L/∂a = g / b,  ∂L/∂b = −g ⊙ a / b²
 * </pre>
 * Broadcasting follows NumPy; each gradient is summed back to its input's shape.
 */
@GradientRule(value = "∂L/∂a = g / b,  ∂L/∂b = −g ⊙ a / b²", broadcast = GradientRule.Broadcast.ELEMENTWISE)
public record Div(Tensor a, Tensor b) implements Op {
    public static Tensor apply(Tensor a, Tensor b) {
        Checks.sameFloatDtype("div", a, b);
        return Tensor.result(a.value().div(b.value()), new Div(a, b));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(a, b);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray gOverB = g.div(b.value());
        return Arrays.asList(
                gOverB.sumTo(a.shape()),
                b.requiresGrad()
                        ? gOverB.mul(a.value()).div(b.value()).sumTo(b.shape()).scale(-1)
                        : null);
    }
}
