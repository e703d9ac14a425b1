package dev.jgrad.core.ops;

import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Root-mean-square normalization over the last dim (Zhang and Sennrich, 2019), scaled by a gain w.
 * <pre>
 *   shapes    x [..., d],  w [d]  →  y [..., d]
 *   forward   ρ_r = 1 / sqrt((1/d) Σ_i x[r, i]² + eps),   x̂[r, i] = x[r, i] · ρ_r,   y[r, i] = x̂[r, i] · w[i]
 *   backward  ∂L/∂w[i]    = Σ_r g[r, i] · x̂[r, i]
 *             ∂L/∂x[r, i] = ρ_r · (g[r, i]·w[i] − x̂[r, i] · (1/d) Σ_k g[r, k]·w[k]·x̂[r, k])
 * </pre>
 * The second term is the path through ρ: {@code ∂ρ/∂x[r, i] = −ρ³ · x[r, i] / d}. Forward keeps only
 * ρ (one number per row); x̂ is recomputed in backward. Sums over a row are taken in double, in index
 * order (in float32 the elementwise steps stay in float, so that they compile to SIMD code); rows are
 * split over {@link Parallel}'s threads in chunks fixed by the row count, and ∂L/∂w sums each chunk's
 * rows in order and then the chunks in order, so results do not depend on the thread count.
 */
@GradientRule({
    "∂L/∂w[i]    = Σ_r g[r, i] · x̂[r, i]",
    "∂L/∂x[r, i] = ρ_r · (g[r, i]·w[i] − x̂[r, i] · (1/d) Σ_k g[r, k]·w[k]·x̂[r, k])"
})
public record RmsNorm(Tensor x, Tensor weight, double[] rho) implements Op {
    /** Rows per parallel chunk are chosen so that a chunk holds about this many elements. */
    private static final int GRAIN_ELEMENTS = 1 << 14;

    public static Tensor apply(Tensor x, Tensor weight, double eps) {
        Checks.sameFloatDtype("rmsNorm", x, weight);
        if (x.rank() == 0 || !weight.shape().equals(Shape.of(x.dim(-1)))) {
            throw new IllegalArgumentException("rmsNorm: input " + x.shape() + " and weight " + weight.shape()
                    + " disagree; the weight must be [d] for an input [..., d]");
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("rmsNorm: eps must be ≥ 0, got " + eps + " for input " + x.shape());
        }
        int d = x.dim(-1);
        int rows = x.shape().sizeOf(0, x.rank() - 1);
        double[] rho = new double[rows];
        NdArray y = x.value().emptyLike(); // every row written
        Parallel.forRange(rows, grain(d), (from, to) -> {
            for (int r = from; r < to; r++) {
                rho[r] = 1 / Math.sqrt(meanSquare(x.value(), r * d, d) + eps);
                scaleRow(x.value(), weight.value(), rho[r], y, r * d, d);
            }
        });
        return Tensor.result(y, new RmsNorm(x, weight, rho));
    }

    /** True: ∂x is a new array; ∂w a new sum of per-chunk partials. */
    @Override
    public boolean backwardReturnsFreshArrays() {
        return true;
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x, weight);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        int d = weight.dim(0);
        int rows = rho.length;
        NdArray dx = x.value().emptyLike(); // every row written
        int grain = grain(d);
        int chunks = (rows + grain - 1) / grain;
        // Σ_r g ⊙ x̂ per chunk of rows; the chunks are fixed by rows and grain, and summed in order below
        NdArray partial = NdArray.zeros(x.dtype(), Shape.of(chunks, d));
        Parallel.forRange(rows, grain, (from, to) -> {
            for (int r = from; r < to; r++) {
                backwardRow(x.value(), weight.value(), rho[r], g, dx, partial, (from / grain) * d, r * d, d);
            }
        });
        return Arrays.asList(dx, partial.sumTo(weight.shape()));
    }

    private static int grain(int d) {
        return Math.max(1, GRAIN_ELEMENTS / Math.max(1, d));
    }

    private static double meanSquare(NdArray x, int o, int d) {
        double s = 0;
        if (x.dtype() == DType.FLOAT32) {
            float[] v = x.floats(); // four partial sums, so the adds overlap; combined in a fixed order
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int i = 0;
            for (; i + 3 < d; i += 4) {
                s0 += (double) v[o + i] * v[o + i];
                s1 += (double) v[o + i + 1] * v[o + i + 1];
                s2 += (double) v[o + i + 2] * v[o + i + 2];
                s3 += (double) v[o + i + 3] * v[o + i + 3];
            }
            for (; i < d; i++) s0 += (double) v[o + i] * v[o + i];
            s = (s0 + s1) + (s2 + s3);
        } else {
            double[] v = x.doubles();
            for (int i = 0; i < d; i++) s += v[o + i] * v[o + i];
        }
        return s / d;
    }

    /** y[o + i] = x[o + i] · ρ · w[i]. */
    private static void scaleRow(NdArray x, NdArray w, double rho, NdArray y, int o, int d) {
        if (x.dtype() == DType.FLOAT32) {
            float[] in = x.floats();
            float[] gain = w.floats();
            float[] out = y.floats();
            float p = (float) rho;
            for (int i = 0; i < d; i++) out[o + i] = in[o + i] * p * gain[i];
        } else {
            double[] in = x.doubles();
            double[] gain = w.doubles();
            double[] out = y.doubles();
            for (int i = 0; i < d; i++) out[o + i] = in[o + i] * rho * gain[i];
        }
    }

    /** One row of ∂L/∂x; its g ⊙ x̂ is added into {@code partial[po…]} for ∂L/∂w. */
    private static void backwardRow(
            NdArray x, NdArray w, double rho, NdArray g, NdArray dx, NdArray partial, int po, int o, int d) {
        if (x.dtype() == DType.FLOAT32) {
            float[] in = x.floats();
            float[] gain = w.floats();
            float[] gr = g.floats();
            float[] out = dx.floats();
            float[] part = partial.floats();
            float p = (float) rho;
            for (int i = 0; i < d; i++) part[po + i] += gr[o + i] * in[o + i] * p; // g ⊙ x̂
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0; // Σ_k g·w·x̂ in four partial sums, as in meanSquare
            int k = 0;
            for (; k + 3 < d; k += 4) {
                s0 += gr[o + k] * in[o + k] * p * gain[k];
                s1 += gr[o + k + 1] * in[o + k + 1] * p * gain[k + 1];
                s2 += gr[o + k + 2] * in[o + k + 2] * p * gain[k + 2];
                s3 += gr[o + k + 3] * in[o + k + 3] * p * gain[k + 3];
            }
            for (; k < d; k++) s0 += gr[o + k] * in[o + k] * p * gain[k];
            double dot = (s0 + s1) + (s2 + s3);
            float c = (float) (rho * rho * dot / d); // ρ · x̂ · mean = x · ρ² · dot / d
            for (int i = 0; i < d; i++) out[o + i] = p * gr[o + i] * gain[i] - c * in[o + i];
        } else {
            double[] in = x.doubles();
            double[] gain = w.doubles();
            double[] gr = g.doubles();
            double[] out = dx.doubles();
            double[] part = partial.doubles();
            double dot = 0;
            for (int i = 0; i < d; i++) {
                double xhat = in[o + i] * rho;
                part[po + i] += gr[o + i] * xhat;
                dot += gr[o + i] * gain[i] * xhat;
            }
            double mean = dot / d;
            for (int i = 0; i < d; i++) {
                out[o + i] = rho * (gr[o + i] * gain[i] - in[o + i] * rho * mean);
            }
        }
    }
}
