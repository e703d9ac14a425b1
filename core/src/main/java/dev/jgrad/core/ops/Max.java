package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Maximum over some dims, y = max_dims x.
 * <pre>
 *   backward  ∂L/∂x = g ⊙ [x = y] / (number of elements equal to y)
 * </pre>
 * Ties share the gradient equally, as PyTorch's {@code amax}; a single maximum takes all of it.
 */
@GradientRule("∂L/∂x = g ⊙ [x = y] / (number of elements equal to y)")
public record Max(Tensor x, NdArray m) implements Op {
    public static Tensor apply(Tensor x, int[] dims, boolean keepdim) {
        Checks.floating("max", x);
        if (x.numel() == 0) {
            throw new IllegalArgumentException("max: cannot reduce an empty tensor of shape " + x.shape());
        }
        int[] axes = Checks.axes("max", x, dims);
        NdArray m = x.value().maxKeepDims(axes);
        return Tensor.result(m.reshape(Sum.outShape(x.shape(), axes, keepdim)), new Max(x, m));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray isMax = x.value().zip(m, "max", (v, mv) -> v == mv ? 1 : 0);
        NdArray ties = isMax.sumTo(m.shape());
        return List.of(isMax.mul(g.reshape(m.shape()).div(ties)));
    }
}
