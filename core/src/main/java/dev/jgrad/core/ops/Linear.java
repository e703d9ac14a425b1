package dev.jgrad.core.ops;

import dev.jgrad.core.kernels.Gemm;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Affine map on the last dim, y = x · Wᵀ (+ b), as PyTorch's {@code F.linear}.
 * <pre>
 *   shapes    x [..., in],  W [out, in],  b [out] or none  →  y [..., out]
 *   forward   y[r, o] = Σ_i x[r, i] · W[o, i]  (+ b[o])        r runs over the N = size(...) rows of x
 *   backward  ∂L/∂x = g · W              [N, out] · [out, in]
 *             ∂L/∂W = gᵀ · x             [out, N] · [N, in]
 *             ∂L/∂b = Σ_r g[r, :]
 * </pre>
 * One product per pass, with W read in place: the GEMM's transpose flags stand in for {@code Wᵀ} and
 * {@code gᵀ}, so no transposed copy is made. The leading dims of x are flattened into N rows (a view).
 */
@GradientRule({
    "∂L/∂x = g · W              [N, out] · [out, in]",
    "∂L/∂W = gᵀ · x             [out, N] · [N, in]",
    "∂L/∂b = Σ_r g[r, :]"
})
public record Linear(Tensor x, Tensor weight, Tensor bias) implements Op {
    /** {@code x · weightᵀ (+ bias)}; {@code bias} may be null. */
    public static Tensor apply(Tensor x, Tensor weight, Tensor bias) {
        Checks.sameFloatDtype("linear", x, weight);
        if (weight.rank() != 2) {
            throw new IllegalArgumentException("linear: weight must be [out, in], got " + weight.shape());
        }
        int out = weight.dim(0);
        int in = weight.dim(1);
        if (x.rank() == 0 || x.dim(-1) != in) {
            throw new IllegalArgumentException("linear: input " + x.shape() + " must end in " + in
                    + " features to match weight " + weight.shape());
        }
        if (bias != null) {
            Checks.sameFloatDtype("linear", x, bias);
            if (!bias.shape().equals(Shape.of(out))) {
                throw new IllegalArgumentException(
                        "linear: bias " + bias.shape() + " must be [" + out + "] for weight " + weight.shape());
            }
        }
        int rows = x.shape().sizeOf(0, x.rank() - 1);
        int[] dims = x.shape().dims();
        dims[dims.length - 1] = out;
        NdArray y = NdArray.empty(x.dtype(), Shape.of(dims)); // every element written by the product
        gemm(false, true, rows, out, in, x.value(), weight.value(), y, false);
        if (bias != null) {
            addBias(y, bias.value(), rows, out);
        }
        return Tensor.result(y, new Linear(x, weight, bias));
    }

    /** True: dx and ∂W are new arrays; ∂b is a new sum over rows. */
    @Override
    public boolean backwardReturnsFreshArrays() {
        return true;
    }

    @Override
    public List<Tensor> inputs() {
        return bias == null ? List.of(x, weight) : List.of(x, weight, bias);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        int out = weight.dim(0);
        int in = weight.dim(1);
        int rows = x.shape().sizeOf(0, x.rank() - 1);
        NdArray dx = null;
        NdArray dw = null;
        if (x.requiresGrad()) {
            dx = x.value().emptyLike();
            gemm(false, false, rows, in, out, g, weight.value(), dx, false); // g · W
        }
        if (weight.requiresGrad()) {
            dw = weight.value().emptyLike();
            gemm(true, false, out, in, rows, g, x.value(), dw, false); // gᵀ · x
        }
        if (bias == null) {
            return Arrays.asList(dx, dw);
        }
        return Arrays.asList(
                dx, dw, bias.requiresGrad() ? g.reshape(Shape.of(rows, out)).sumTo(bias.shape()) : null);
    }

    /** c = op(a) · op(b) on whole arrays, in their dtype. */
    private static void gemm(
            boolean transA, boolean transB, int m, int n, int k, NdArray a, NdArray b, NdArray c, boolean acc) {
        if (a.dtype() == DType.FLOAT32) {
            Gemm.sgemm(transA, transB, m, n, k, a.floats(), 0, b.floats(), 0, c.floats(), 0, acc);
        } else {
            Gemm.dgemm(transA, transB, m, n, k, a.doubles(), 0, b.doubles(), 0, c.doubles(), 0, acc);
        }
    }

    private static void addBias(NdArray y, NdArray b, int rows, int out) {
        if (y.dtype() == DType.FLOAT32) {
            float[] z = y.floats();
            float[] bb = b.floats();
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) z[r * out + o] += bb[o];
            }
        } else {
            double[] z = y.doubles();
            double[] bb = b.doubles();
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) z[r * out + o] += bb[o];
            }
        }
    }
}
