package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Elementwise product c = a ⊙ b.
 * <pre>
 *   forward   c = a ⊙ b
 *   backward  ∂L/∂a = g ⊙ b,  ∂L/∂b = g ⊙ a
 * </pre>
 * Broadcasting follows NumPy; each gradient is summed back to its input's shape.
 */
@GradientRule(value = "∂L/∂a = g ⊙ b,  ∂L/∂b = g ⊙ a", broadcast = GradientRule.Broadcast.ELEMENTWISE)
public record Mul(Tensor a, Tensor b) implements Op {
    public static Tensor apply(Tensor a, Tensor b) {
        Checks.sameFloatDtype("mul", a, b);
        return Tensor.result(a.value().mul(b.value()), new Mul(a, b));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(a, b);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return Arrays.asList(
                a.requiresGrad() ? g.mul(b.value()).sumTo(a.shape()) : null,
                b.requiresGrad() ? g.mul(a.value()).sumTo(b.shape()) : null);
    }
}
