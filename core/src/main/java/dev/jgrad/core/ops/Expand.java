package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Broadcast to a larger shape by NumPy's rules (materialized).
 * <pre>
 *   backward  ∂L/∂x = g summed over the broadcast dims
 * </pre>
 */
@GradientRule(value = "∂L/∂x = g summed over the broadcast dims", broadcast = GradientRule.Broadcast.ELEMENTWISE)
public record Expand(Tensor x) implements Op {
    public static Tensor apply(Tensor x, Shape to) {
        return Tensor.result(x.value().broadcastTo(to), new Expand(x));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.sumTo(x.shape()));
    }
}
