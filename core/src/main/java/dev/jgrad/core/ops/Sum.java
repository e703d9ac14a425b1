package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Sum over some dims, y = Σ_dims x; the summed dims are dropped unless {@code keepdim}.
 * <pre>
 *   backward  ∂L/∂x = g broadcast back over the summed dims (each input element gets its row's g)
 * </pre>
 */
@GradientRule("∂L/∂x = g broadcast back over the summed dims (each input element gets its row's g)")
public record Sum(Tensor x, Shape kept) implements Op {
    public static Tensor apply(Tensor x, int[] dims, boolean keepdim) {
        Checks.floating("sum", x);
        int[] axes = Checks.axes("sum", x, dims);
        NdArray s = x.value().sumKeepDims(axes);
        if (s == x.value()) {
            s = s.copy(); // summing only size-1 dims returns the input itself; the result must not alias it
        }
        return Tensor.result(s.reshape(outShape(x.shape(), axes, keepdim)), new Sum(x, s.shape()));
    }

    /** The shape of a reduction over {@code axes}: dropped, or kept as size 1. */
    static Shape outShape(Shape in, int[] axes, boolean keepdim) {
        int[] dims = in.dims();
        int[] out = new int[keepdim ? dims.length : dims.length - axes.length];
        for (int i = 0, j = 0, k = 0; i < dims.length; i++) {
            boolean reduced = k < axes.length && axes[k] == i;
            if (reduced) {
                k++;
            }
            if (!reduced) {
                out[j++] = dims[i];
            } else if (keepdim) {
                out[j++] = 1;
            }
        }
        return Shape.of(out);
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.reshape(kept).broadcastTo(x.shape()));
    }
}
