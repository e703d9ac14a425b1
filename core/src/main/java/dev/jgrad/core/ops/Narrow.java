package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * A slice along one dim: {@code y = x[…, start : start+length, …]} (a copy).
 * <pre>
 *   backward  ∂L/∂x = g placed at [start, start+length) of that dim, zeros elsewhere
 * </pre>
 */
@GradientRule("∂L/∂x = g placed at [start, start+length) of that dim, zeros elsewhere")
public record Narrow(Tensor x, int axis, int start) implements Op {
    public static Tensor apply(Tensor x, int dim, int start, int length) {
        int axis = Checks.axis("narrow", x, dim);
        int size = x.dim(axis);
        if (start < 0 || length < 0 || start + length > size) {
            throw new IllegalArgumentException("narrow: [" + start + ", " + (start + length) + ") is outside [0, "
                    + size + ") of dim " + dim + " of " + x.shape());
        }
        NdArray y = NdArray.zeros(x.dtype(), x.shape().with(axis, length));
        Blocks b = new Blocks(x.value(), axis);
        for (int o = 0; o < b.outer; o++) {
            y.copyRange(x.value(), b.offset(o, start), o * length * b.inner, length * b.inner);
        }
        return Tensor.result(y, new Narrow(x, axis, start));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray dx = x.value().zerosLike();
        Blocks b = new Blocks(dx, axis);
        int length = g.shape().dim(axis);
        for (int o = 0; o < b.outer; o++) {
            dx.copyRange(g, o * length * b.inner, b.offset(o, start), length * b.inner);
        }
        return List.of(dx);
    }

    /** A row-major array seen as [outer, size, inner] around one axis. */
    static final class Blocks {
        final int outer;
        final int size;
        final int inner;

        Blocks(NdArray a, int axis) {
            outer = a.shape().sizeOf(0, axis);
            size = a.shape().dim(axis);
            inner = a.shape().sizeOf(axis + 1, a.shape().rank());
        }

        /** Flat offset of element [o, i, 0]. */
        int offset(int o, int i) {
            return (o * size + i) * inner;
        }
    }
}
