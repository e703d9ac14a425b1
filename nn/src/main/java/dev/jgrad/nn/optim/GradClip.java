package dev.jgrad.nn.optim;

import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;

/**
 * Gradient clipping by global norm, as CS336's {@code gradient_clipping} and {@code torch.nn.utils.clip_grad_norm_}.
 *
 * <pre>
 *   ‖g‖ = √(Σ over all parameters and elements of g²)          in double; parameters without a gradient are skipped
 *   if ‖g‖ &gt; M:   g ← g · M / (‖g‖ + 10⁻⁶)                      in place, every gradient by the same factor
 * </pre>
 *
 * The 10⁻⁶ keeps the division finite; after clipping ‖g‖ is just under M. PyTorch multiplies by
 * min(1, M / (‖g‖ + 10⁻⁶)) every time, which differs from this only for ‖g‖ within 10⁻⁶ of M.
 */
public final class GradClip {
    private GradClip() {}

    /**
     * Scales the gradients of {@code params} in place so that their global L2 norm is at most {@code maxNorm}, and
     * returns the norm they had before. A non-finite norm (an overflow or NaN in some gradient) leaves the gradients
     * untouched and is returned as is, so the caller can notice and skip the step.
     */
    public static double clipGradNorm(Iterable<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm))
            throw new IllegalArgumentException("clipGradNorm: maxNorm must be finite and > 0, got " + maxNorm);
        double norm = gradNorm(params);
        if (norm > maxNorm && Double.isFinite(norm)) {
            double scale = maxNorm / (norm + 1e-6);
            for (Tensor p : params) {
                NdArray g = p.gradValue();
                if (g == null) continue;
                if (g.dtype() == DType.FLOAT32) {
                    float[] a = g.floats();
                    float s = (float) scale;
                    Parallel.forRange(a.length, CHUNK, (from, to) -> {
                        for (int j = from; j < to; j++) a[j] *= s;
                    });
                } else {
                    double[] a = g.doubles();
                    for (int j = 0; j < a.length; j++) a[j] *= scale;
                }
            }
        }
        return norm;
    }

    /** The global L2 norm √(Σ g²) over every gradient of {@code params}, summed in double; 0 if none has one. */
    public static double gradNorm(Iterable<Tensor> params) {
        double sum = 0;
        for (Tensor p : params) {
            NdArray g = p.gradValue();
            if (g == null) continue;
            if (g.dtype() == DType.FLOAT32) {
                sum += sumOfSquares(g.floats());
            } else if (g.dtype() == DType.FLOAT64) {
                for (double x : g.doubles()) sum += x * x;
            } else {
                throw new IllegalArgumentException(
                        "clipGradNorm: gradient of a " + p.shape() + " parameter is " + g.dtype() + ", not float");
            }
        }
        return Math.sqrt(sum);
    }

    /** Elements per chunk of {@link #sumOfSquares}. */
    private static final int CHUNK = 1 << 16;

    /**
     * Σ x² in double: per chunk of {@link #CHUNK} elements in four interleaved partial sums (so that the adds
     * overlap instead of waiting on one another), the chunks split over {@link Parallel}'s threads and their sums
     * added in chunk order, so the result depends on the array only, never on the thread count.
     */
    private static double sumOfSquares(float[] a) {
        int chunks = (a.length + CHUNK - 1) / CHUNK;
        double[] partial = new double[chunks];
        Parallel.forRange(chunks, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                int end = Math.min(a.length, (c + 1) * CHUNK);
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                int j = c * CHUNK;
                for (; j + 3 < end; j += 4) {
                    s0 += (double) a[j] * a[j];
                    s1 += (double) a[j + 1] * a[j + 1];
                    s2 += (double) a[j + 2] * a[j + 2];
                    s3 += (double) a[j + 3] * a[j + 3];
                }
                for (; j < end; j++) s0 += (double) a[j] * a[j];
                partial[c] = (s0 + s1) + (s2 + s3);
            }
        });
        double sum = 0;
        for (double p : partial) sum += p;
        return sum;
    }
}
