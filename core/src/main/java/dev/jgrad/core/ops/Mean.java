package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Mean over some dims, y = (1/n) Σ_dims x with n the number of elements averaged.
 * <pre>
 *   backward  ∂L/∂x = g / n, broadcast back over the averaged dims
 * </pre>
 */
@GradientRule("∂L/∂x = g / n, broadcast back over the averaged dims")
public record Mean(Tensor x, Shape kept, int n) implements Op {
    public static Tensor apply(Tensor x, int[] dims, boolean keepdim) {
        Checks.floating("mean", x);
        int[] axes = Checks.axes("mean", x, dims);
        NdArray s = x.value().sumKeepDims(axes);
        int n = x.numel() / Math.max(1, s.size());
        if (x.numel() == 0) {
            n = 0;
        }
        Shape out = Sum.outShape(x.shape(), axes, keepdim);
        return Tensor.result(s.scale(1.0 / n).reshape(out), new Mean(x, s.shape(), n));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.reshape(kept).scale(1.0 / n).broadcastTo(x.shape()));
    }
}
