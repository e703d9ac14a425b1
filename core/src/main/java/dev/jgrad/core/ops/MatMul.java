package dev.jgrad.core.ops;

import dev.jgrad.core.kernels.Gemm;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Matrix product c = a · b, with NumPy's rules: 1-D operands are promoted to a row (a) or a column
 * (b) and that dim is dropped from the result; leading batch dims broadcast.
 * <pre>
 *   shapes    a [..., m, k],  b [..., k, n]  →  c [..., m, n]
 *   backward  ∂L/∂a = g · bᵀ        ∂L/∂b = aᵀ · g      (each summed over broadcast batch dims)
 * </pre>
 */
@GradientRule(
        value = "∂L/∂a = g · bᵀ        ∂L/∂b = aᵀ · g      (each summed over broadcast batch dims)",
        broadcast = GradientRule.Broadcast.BATCH)
public record MatMul(Tensor a, Tensor b) implements Op {
    public static Tensor apply(Tensor a, Tensor b) {
        Checks.sameFloatDtype("matmul", a, b);
        if (a.rank() == 0 || b.rank() == 0) {
            throw new IllegalArgumentException(
                    "matmul: " + a.shape() + " @ " + b.shape() + ": both operands need at least one dim");
        }
        NdArray a2 = promoteA(a.value());
        NdArray b2 = promoteB(b.value());
        int k = a2.shape().dim(-1);
        if (k != b2.shape().dim(-2)) {
            throw new IllegalArgumentException("matmul: " + a.shape() + " @ " + b.shape() + ": inner dimensions "
                    + a.dim(-1) + " and " + (b.rank() == 1 ? b.dim(0) : b.dim(-2)) + " differ");
        }
        if (Shape.broadcast(batch(a2.shape()), batch(b2.shape())) == null) {
            throw new IllegalArgumentException("matmul: " + a.shape() + " @ " + b.shape() + ": batch dimensions "
                    + batch(a2.shape()) + " and " + batch(b2.shape()) + " cannot be broadcast together");
        }
        NdArray c = multiply(a2, false, b2, false);
        return Tensor.result(c.reshape(outShape(a, b, c.shape())), new MatMul(a, b));
    }

    @Override
    public String name() {
        return "matmul";
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(a, b);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray a2 = promoteA(a.value());
        NdArray b2 = promoteB(b.value());
        Shape batch = Shape.broadcast(batch(a2.shape()), batch(b2.shape()));
        NdArray g2 = g.reshape(concat(batch, a2.shape().dim(-2), b2.shape().dim(-1)));
        return Arrays.asList(
                a.requiresGrad()
                        ? multiply(g2, false, b2, true).sumTo(a2.shape()).reshape(a.shape())
                        : null,
                b.requiresGrad()
                        ? multiply(a2, true, g2, false).sumTo(b2.shape()).reshape(b.shape())
                        : null);
    }

    /**
     * Batched {@code op(a) · op(b)} over the broadcast of the operands' batch dims, where op transposes
     * the last two dims when its flag is set. Operands without batch dims are shared (stride 0).
     */
    public static NdArray multiply(NdArray a, boolean transA, NdArray b, boolean transB) {
        int m = a.shape().dim(transA ? -1 : -2);
        int k = a.shape().dim(transA ? -2 : -1);
        int n = b.shape().dim(transB ? -2 : -1);
        Shape batch = Shape.broadcast(batch(a.shape()), batch(b.shape()));
        NdArray c = NdArray.zeros(a.dtype(), concat(batch, m, n));
        NdArray ab = expandBatch(a, batch);
        NdArray bb = expandBatch(b, batch);
        int count = batch.size();
        int strideA = batch(ab.shape()).size() == 1 ? 0 : m * k;
        int strideB = batch(bb.shape()).size() == 1 ? 0 : k * n;
        if (a.dtype() == DType.FLOAT32) {
            Gemm.sgemmBatched(
                    count,
                    transA,
                    transB,
                    m,
                    n,
                    k,
                    ab.floats(),
                    0,
                    strideA,
                    bb.floats(),
                    0,
                    strideB,
                    c.floats(),
                    0,
                    m * n,
                    false);
        } else {
            Gemm.dgemmBatched(
                    count,
                    transA,
                    transB,
                    m,
                    n,
                    k,
                    ab.doubles(),
                    0,
                    strideA,
                    bb.doubles(),
                    0,
                    strideB,
                    c.doubles(),
                    0,
                    m * n,
                    false);
        }
        return c;
    }

    /** The operand itself when its batch is 1 or already full, else its broadcast to the full batch. */
    private static NdArray expandBatch(NdArray x, Shape batch) {
        Shape own = batch(x.shape());
        if (own.size() == 1 || own.size() == batch.size()) {
            return x;
        }
        return x.broadcastTo(concat(batch, x.shape().dim(-2), x.shape().dim(-1)));
    }

    private static NdArray promoteA(NdArray a) {
        return a.shape().rank() == 1 ? a.reshape(Shape.of(1, a.size())) : a;
    }

    private static NdArray promoteB(NdArray b) {
        return b.shape().rank() == 1 ? b.reshape(Shape.of(b.size(), 1)) : b;
    }

    private static Shape batch(Shape s) {
        return Shape.of(Arrays.copyOf(s.dims(), s.rank() - 2));
    }

    private static Shape concat(Shape batch, int rows, int cols) {
        int[] d = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        d[batch.rank()] = rows;
        d[batch.rank() + 1] = cols;
        return Shape.of(d);
    }

    /** Drops the dims that 1-D promotion added. */
    private static Shape outShape(Tensor a, Tensor b, Shape c) {
        int[] d = c.dims();
        int r = d.length;
        if (a.rank() == 1 && b.rank() == 1) {
            return Shape.scalar();
        }
        if (a.rank() == 1) {
            int[] out = Arrays.copyOf(d, r - 1);
            out[r - 2] = d[r - 1];
            return Shape.of(out);
        }
        if (b.rank() == 1) {
            return Shape.of(Arrays.copyOf(d, r - 1));
        }
        return c;
    }
}
