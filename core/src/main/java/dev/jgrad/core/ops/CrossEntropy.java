package dev.jgrad.core.ops;

import dev.jgrad.core.kernels.FloatMath;
import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Cross-entropy of logits against integer class targets, fused with the softmax into one node.
 *
 * <pre>
 *   shapes    z [..., V], targets int [...] with 0 ≤ t &lt; V (or = ignoreIndex)  →  L [] (or [...] for NONE)
 *   forward   lse_r = m_r + log Σ_a exp(z[r,a] − m_r),   m_r = max_a z[r,a]
 *             loss_r = lse_r − z[r, t_r]
 *             L = (1/N) Σ_r loss_r  (MEAN; N counts rows whose target is not ignored),  Σ_r loss_r  (SUM)
 *   backward  ∂L/∂z[r,a] = g · (exp(z[r,a] − lse_r) − [a = t_r]) / N  =  g · (p_r − onehot(t_r)) / N
 * </pre>
 *
 * <p>Why {@code p − onehot}: {@code loss_r = −log p_r[t]} with {@code p = softmax(z_r)}, so
 * {@code ∂loss/∂p_b = −[b = t] / p_t}, and the softmax Jacobian is {@code ∂p_b/∂z_a = p_b([a = b] − p_a)}.
 * Contracting the two, {@code ∂loss/∂z_a = −(1/p_t) · p_t([a = t] − p_a) = p_a − [a = t]}. For SUM drop
 * the {@code 1/N}; for NONE the incoming {@code g} has one entry {@code g_r} per row.
 *
 * <p>Why subtract {@code m}: {@code log Σ exp(z − m) + m = log Σ exp(z)} exactly, but the shifted
 * exponents are all ≤ 0, so nothing overflows (logits of 1e4 would make {@code exp} infinite) and the
 * largest term is exactly 1, so the sum is never 0 and its log is finite.
 *
 * <p>Only {@code lse} (one number per row) is kept for backward; the probabilities are recomputed row
 * by row straight into the gradient, never stored as a second N×V array. Rows whose target equals
 * {@code ignoreIndex} contribute 0 and are left out of N; if every row is ignored, MEAN gives 0 with
 * a zero gradient (PyTorch gives 0/0 = NaN; a batch of pure padding should not poison a training step).
 *
 * <p>Kernel: forward reads each row twice (max, then Σ exp), backward writes each row once. Both loop
 * over the flat {@code float[]}/{@code double[]}. float64 uses {@code Math.exp}. float32 logits are
 * widened to double; the sums, {@code lse} and each gradient entry are computed in double and rounded
 * once to float, with an exp of relative error below 1e-14 (against float's spacing of 6e-8) in place
 * of {@code Math.exp}, over blocks of a row: on the Vector API ({@link FloatMath#expSum}) when present,
 * else in {@link FloatExp#expInPlace(double[], int, long[])}'s SIMD-friendly loops. Rows are
 * independent, so large inputs are split by rows across {@link Parallel}'s threads; the per-row losses
 * go to a {@code double[]} summed afterwards in row order, so the result does not depend on the thread
 * count.
 */
@GradientRule("∂L/∂z[r,a] = g · (exp(z[r,a] − lse_r) − [a = t_r]) / N  =  g · (p_r − onehot(t_r)) / N")
public record CrossEntropy(Tensor logits, int[] targets, double[] lse, Reduction reduction, int ignoreIndex, int count)
        implements Op {
    /** How per-position losses combine, as PyTorch's {@code reduction}. */
    public enum Reduction {
        MEAN,
        SUM,
        NONE
    }

    /** PyTorch's default {@code ignore_index}. */
    public static final int DEFAULT_IGNORE_INDEX = -100;

    /** Gradient entries computed per step into a thread's scratch block. */
    private static final int BLOCK = 1024;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** One thread's block of exponents and the bits {@link FloatExp} builds powers of two from. */
    private static final class Scratch {
        final double[] block = new double[BLOCK];
        final long[] bits = new long[BLOCK];
    }

    /** Elements per parallel chunk: about 0.1 ms of {@code exp}, so a chunk outweighs its hand-off. */
    private static final int GRAIN_ELEMENTS = 1 << 15;

    /** Mean cross-entropy, no ignored index. */
    public static Tensor apply(Tensor logits, Tensor targets) {
        return apply(logits, targets, Reduction.MEAN, DEFAULT_IGNORE_INDEX);
    }

    /**
     * Cross-entropy with PyTorch's {@code reduction} and {@code ignore_index}.
     *
     * @throws IllegalArgumentException if logits are not float or have no class dim, targets are not
     *     int32 or not of the logits' leading shape, or a target is outside {@code [0, V)} and is not
     *     {@code ignoreIndex}
     */
    public static Tensor apply(Tensor logits, Tensor targets, Reduction reduction, int ignoreIndex) {
        Objects.requireNonNull(reduction, "crossEntropy: reduction");
        Checks.floating("crossEntropy", logits);
        if (logits.rank() == 0 || logits.dim(-1) == 0) {
            throw new IllegalArgumentException(
                    "crossEntropy: logits " + logits.shape() + " need a last dim of at least one class");
        }
        Checks.integer("crossEntropy", "targets", targets);
        Shape lead = Shape.of(Arrays.copyOf(logits.shape().dims(), logits.rank() - 1));
        if (!targets.shape().equals(lead)) {
            throw new IllegalArgumentException("crossEntropy: targets " + targets.shape()
                    + " must have the leading shape " + lead + " of logits " + logits.shape());
        }
        int[] t = targets.value().ints().clone();
        int classes = logits.dim(-1);
        int count = 0;
        for (int r = 0; r < t.length; r++) {
            if (t[r] == ignoreIndex) {
                continue;
            }
            if (t[r] < 0 || t[r] >= classes) {
                throw new IllegalArgumentException("crossEntropy: target " + t[r] + position(lead, r)
                        + " is outside [0, " + classes + ") for logits " + logits.shape());
            }
            count++;
        }
        NdArray z = logits.value();
        double[] lse = new double[t.length];
        double[] losses = new double[t.length];
        Parallel.forRange(t.length, grain(classes), (from, to) -> {
            if (z.dtype() == DType.FLOAT32) {
                forwardRows(z.floats(), t, ignoreIndex, classes, lse, losses, from, to);
            } else {
                forwardRows(z.doubles(), t, ignoreIndex, classes, lse, losses, from, to);
            }
        });
        NdArray out;
        if (reduction == Reduction.NONE) {
            out = NdArray.zeros(z.dtype(), lead);
            for (int r = 0; r < losses.length; r++) {
                out.set(r, losses[r]);
            }
        } else {
            double total = 0;
            for (double loss : losses) { // in row order, whatever thread computed each row
                total += loss;
            }
            double l = reduction == Reduction.SUM ? total : count == 0 ? 0 : total / count;
            out = NdArray.scalar(z.dtype(), l);
        }
        return Tensor.result(out, new CrossEntropy(logits, t, lse, reduction, ignoreIndex, count));
    }

    private static void forwardRows(
            float[] z, int[] t, int ignoreIndex, int v, double[] lse, double[] losses, int from, int to) {
        Scratch scratch = SCRATCH.get();
        FloatMath simd = FloatMath.vector();
        double[] block = scratch.block;
        for (int r = from; r < to; r++) {
            if (t[r] == ignoreIndex) {
                continue;
            }
            int o = r * v;
            float m = max(z, o, v);
            double s = 0;
            for (int b = 0; b < v; b += BLOCK) {
                int len = Math.min(BLOCK, v - b);
                for (int a = 0; a < len; a++) {
                    block[a] = (double) z[o + b + a] - m;
                }
                s += simd != null ? simd.expSum(block, len) : plainExpSum(block, len, scratch.bits);
            }
            double logS = Math.log(s);
            lse[r] = m + logS;
            losses[r] = ((double) m - z[o + t[r]]) + logS; // m − z_t first: exact, even when m ≈ ±1e4
        }
    }

    private static void forwardRows(
            double[] z, int[] t, int ignoreIndex, int v, double[] lse, double[] losses, int from, int to) {
        for (int r = from; r < to; r++) {
            if (t[r] == ignoreIndex) {
                continue;
            }
            int o = r * v;
            double m = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < v; a++) {
                if (z[o + a] > m) { // a NaN is never the max, but still makes Σ exp NaN
                    m = z[o + a];
                }
            }
            double s = 0;
            for (int a = 0; a < v; a++) {
                s += Math.exp(z[o + a] - m);
            }
            double logS = Math.log(s);
            lse[r] = m + logS;
            losses[r] = (m - z[o + t[r]]) + logS;
        }
    }

    /** True: ∂z is a new array. */
    @Override
    public boolean backwardReturnsFreshArrays() {
        return true;
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(logits);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray z = logits.value();
        NdArray dz = z.emptyLike(); // every row written, ignored ones with zeros
        int classes = z.shape().dim(-1);
        double[] scale = new double[targets.length]; // g (· 1/N) per row; 0 for ignored rows
        for (int r = 0; r < targets.length; r++) {
            if (targets[r] != ignoreIndex) {
                double gr = reduction == Reduction.NONE ? g.get(r) : g.item();
                scale[r] = reduction == Reduction.MEAN ? gr / count : gr;
            }
        }
        Parallel.forRange(targets.length, grain(classes), (from, to) -> {
            if (z.dtype() == DType.FLOAT32) {
                backwardRows(z.floats(), dz.floats(), scale, from, to, classes);
            } else {
                backwardRows(z.doubles(), dz.doubles(), scale, from, to, classes);
            }
        });
        return List.of(dz);
    }

    private void backwardRows(float[] z, float[] dz, double[] scale, int from, int to, int v) {
        Scratch scratch = SCRATCH.get();
        FloatMath simd = FloatMath.vector();
        double[] block = scratch.block;
        for (int r = from; r < to; r++) {
            int o = r * v;
            if (targets[r] == ignoreIndex) {
                Arrays.fill(dz, o, o + v, 0f);
                continue;
            }
            int target = targets[r];
            double s = scale[r];
            double l = lse[r];
            double pTarget = 0;
            for (int b = 0; b < v; b += BLOCK) {
                int len = Math.min(BLOCK, v - b);
                for (int a = 0; a < len; a++) {
                    block[a] = (double) z[o + b + a] - l;
                }
                if (simd != null) { // p = e^(z − lse)
                    simd.expSum(block, len);
                } else {
                    FloatExp.expInPlace(block, len, scratch.bits);
                }
                if (target >= b && target < b + len) {
                    pTarget = block[target - b];
                }
                for (int a = 0; a < len; a++) { // g · p / N, rounded to float once
                    dz[o + b + a] = (float) (s * block[a]);
                }
            }
            dz[o + target] = (float) (s * (pTarget - 1)); // g · (p_t − 1) / N, rounded once
        }
    }

    private void backwardRows(double[] z, double[] dz, double[] scale, int from, int to, int v) {
        for (int r = from; r < to; r++) {
            int o = r * v;
            if (targets[r] == ignoreIndex) {
                Arrays.fill(dz, o, o + v, 0.0);
                continue;
            }
            double s = scale[r];
            double l = lse[r];
            for (int a = 0; a < v; a++) {
                dz[o + a] = s * Math.exp(z[o + a] - l);
            }
            int i = o + targets[r];
            dz[i] = s * (Math.exp(z[i] - l) - 1);
        }
    }

    /**
     * max_{a &lt; v} z[o + a], NaNs skipped (a NaN still makes Σ exp NaN), over four interleaved partial maxima
     * so that the CPU overlaps four chains of comparisons; max does not depend on the order.
     */
    private static float max(float[] z, int o, int v) {
        float m0 = Float.NEGATIVE_INFINITY, m1 = m0, m2 = m0, m3 = m0;
        int a = 0;
        for (; a + 3 < v; a += 4) {
            m0 = z[o + a] > m0 ? z[o + a] : m0;
            m1 = z[o + a + 1] > m1 ? z[o + a + 1] : m1;
            m2 = z[o + a + 2] > m2 ? z[o + a + 2] : m2;
            m3 = z[o + a + 3] > m3 ? z[o + a + 3] : m3;
        }
        for (; a < v; a++) {
            m0 = z[o + a] > m0 ? z[o + a] : m0;
        }
        float m01 = m1 > m0 ? m1 : m0;
        float m23 = m3 > m2 ? m3 : m2;
        return m23 > m01 ? m23 : m01;
    }

    /** x ← e^x in FloatExp's loops; Σ of the new values. */
    private static double plainExpSum(double[] x, int n, long[] bits) {
        FloatExp.expInPlace(x, n, bits);
        return sum(x, n);
    }

    /** Σ_{a &lt; n} x[a] as (s₀ + s₁) + (s₂ + s₃), s_j summing a ≡ j (mod 4) in increasing a: a fixed order. */
    private static double sum(double[] x, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int a = 0;
        for (; a + 3 < n; a += 4) {
            s0 += x[a];
            s1 += x[a + 1];
            s2 += x[a + 2];
            s3 += x[a + 3];
        }
        for (; a < n; a++) {
            s0 += x[a];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static int grain(int classes) {
        return Math.max(1, GRAIN_ELEMENTS / classes);
    }

    /** " at row 3" or " at position [1, 2]" for flat index {@code r} of the targets' shape. */
    private static String position(Shape lead, int r) {
        if (lead.rank() == 0) {
            return "";
        }
        if (lead.rank() == 1) {
            return " at row " + r;
        }
        int[] index = new int[lead.rank()];
        for (int i = lead.rank() - 1, rest = r; i >= 0; i--) {
            index[i] = rest % lead.dim(i);
            rest /= lead.dim(i);
        }
        return " at position " + Arrays.toString(index);
    }
}
