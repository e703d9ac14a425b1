package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Joins tensors along an existing dim; all other dims must agree.
 * <pre>
 *   backward  ∂L/∂x_k = the slice of g that x_k occupies
 * </pre>
 */
@GradientRule("∂L/∂x_k = the slice of g that x_k occupies")
public record Concat(List<Tensor> xs, int axis) implements Op {
    public static Tensor apply(List<Tensor> xs, int dim) {
        if (xs.isEmpty()) {
            throw new IllegalArgumentException("concat: needs at least one tensor");
        }
        Tensor first = xs.get(0);
        int axis = Checks.axis("concat", first, dim);
        int total = 0;
        for (Tensor x : xs) {
            boolean same = x.rank() == first.rank() && x.dtype() == first.dtype();
            for (int i = 0; same && i < x.rank(); i++) {
                same = i == axis || x.dim(i) == first.dim(i);
            }
            if (!same) {
                throw new IllegalArgumentException("concat: " + first.dtype() + " " + first.shape() + " and "
                        + x.dtype() + " " + x.shape() + " differ outside dim " + dim);
            }
            total += x.dim(axis);
        }
        NdArray y = NdArray.zeros(first.dtype(), first.shape().with(axis, total));
        Narrow.Blocks out = new Narrow.Blocks(y, axis);
        int at = 0;
        for (Tensor x : xs) {
            int len = x.dim(axis) * out.inner;
            for (int o = 0; o < out.outer; o++) {
                y.copyRange(x.value(), o * len, out.offset(o, at), len);
            }
            at += x.dim(axis);
        }
        return Tensor.result(y, new Concat(List.copyOf(xs), axis));
    }

    @Override
    public List<Tensor> inputs() {
        return xs;
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        Narrow.Blocks b = new Narrow.Blocks(g, axis);
        List<NdArray> grads = new ArrayList<>();
        int at = 0;
        for (Tensor x : xs) {
            NdArray dx = x.value().zerosLike();
            int len = x.dim(axis) * b.inner;
            for (int o = 0; o < b.outer; o++) {
                dx.copyRange(g, b.offset(o, at), o * len, len);
            }
            grads.add(dx);
            at += x.dim(axis);
        }
        return grads;
    }
}
