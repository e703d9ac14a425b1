package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Gathers slices along one dim by integer index: {@code y[…, j, …] = x[…, index[j], …]}, where the
 * index may have any shape (its dims replace dim {@code axis}); an embedding lookup is this with axis 0.
 * <pre>
 *   backward  ∂L/∂x[…, i, …] = Σ_{j : index[j] = i} g[…, j, …]      (scatter-add; repeats add up)
 * </pre>
 */
@GradientRule("∂L/∂x[…, i, …] = Σ_{j : index[j] = i} g[…, j, …]      (scatter-add; repeats add up)")
public record IndexSelect(Tensor x, int axis, int[] index) implements Op {
    public static Tensor apply(Tensor x, int dim, Tensor indexTensor) {
        Checks.integer("indexSelect", "index", indexTensor);
        int axis = Checks.axis("indexSelect", x, dim);
        int[] index = indexTensor.value().ints();
        int size = x.dim(axis);
        for (int j = 0; j < index.length; j++) {
            if (index[j] < 0 || index[j] >= size) {
                throw new IllegalArgumentException("indexSelect: index " + index[j] + " at position " + j
                        + " is out of range [0, " + size + ") for dim " + axis + " of " + x.shape());
            }
        }
        int[] xd = x.shape().dims();
        int[] id = indexTensor.shape().dims();
        int[] outDims = new int[xd.length - 1 + id.length];
        System.arraycopy(xd, 0, outDims, 0, axis);
        System.arraycopy(id, 0, outDims, axis, id.length);
        System.arraycopy(xd, axis + 1, outDims, axis + id.length, xd.length - axis - 1);
        NdArray y = NdArray.zeros(x.dtype(), Shape.of(outDims));
        Narrow.Blocks b = new Narrow.Blocks(x.value(), axis);
        for (int o = 0; o < b.outer; o++) {
            for (int j = 0; j < index.length; j++) {
                y.copyRange(x.value(), b.offset(o, index[j]), (o * index.length + j) * b.inner, b.inner);
            }
        }
        return Tensor.result(y, new IndexSelect(x, axis, index.clone()));
    }

    /** True: ∂x is a new array (g scattered into zeros). */
    @Override
    public boolean backwardReturnsFreshArrays() {
        return true;
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray dx = x.value().zerosLike();
        Narrow.Blocks b = new Narrow.Blocks(dx, axis);
        for (int o = 0; o < b.outer; o++) {
            for (int j = 0; j < index.length; j++) {
                dx.addRange(g, (o * index.length + j) * b.inner, b.offset(o, index[j]), b.inner);
            }
        }
        return List.of(dx);
    }
}
