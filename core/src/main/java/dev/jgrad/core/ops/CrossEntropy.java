package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

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
 * Contracting the two, {@code ∂loss/∂z_a = −(1/p_t) · p_t([a = t] − p_a) = p_a − [a = t]}.
 *
 * <p>Why subtract {@code m}: {@code log Σ exp(z − m) + m = log Σ exp(z)} exactly, but the shifted
 * exponents are all ≤ 0, so nothing overflows (logits of 1e4 would make {@code exp} infinite) and the
 * largest term is exactly 1, so the sum is never 0 and its log is finite.
 *
 * <p>Only {@code lse} (one number per row) is kept for backward; the probabilities are recomputed row
 * by row straight into the gradient, never stored as a second N×V array. Rows whose target equals
 * {@code ignoreIndex} contribute 0 and are left out of N; if every row is ignored, MEAN gives 0.
 */
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

    /** Mean cross-entropy, no ignored index. */
    public static Tensor apply(Tensor logits, Tensor targets) {
        return apply(logits, targets, Reduction.MEAN, DEFAULT_IGNORE_INDEX);
    }

    public static Tensor apply(Tensor logits, Tensor targets, Reduction reduction, int ignoreIndex) {
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
        int[] t = targets.value().ints();
        int classes = logits.dim(-1);
        int count = 0;
        for (int r = 0; r < t.length; r++) {
            if (t[r] == ignoreIndex) {
                continue;
            }
            if (t[r] < 0 || t[r] >= classes) {
                throw new IllegalArgumentException("crossEntropy: target " + t[r] + " at row " + r + " is outside [0, "
                        + classes + ") for logits " + logits.shape());
            }
            count++;
        }
        NdArray z = logits.value();
        double[] lse = new double[t.length];
        NdArray losses = NdArray.zeros(z.dtype(), lead);
        double total = 0;
        for (int r = 0; r < t.length; r++) {
            if (t[r] != ignoreIndex) {
                lse[r] = logSumExp(z, r * classes, classes);
                double loss = lse[r] - z.get(r * classes + t[r]);
                losses.set(r, loss);
                total += loss;
            }
        }
        NdArray out;
        switch (reduction) {
            case NONE:
                out = losses;
                break;
            case SUM:
                out = NdArray.scalar(z.dtype(), total);
                break;
            default:
                out = NdArray.scalar(z.dtype(), count == 0 ? 0 : total / count);
        }
        return Tensor.result(out, new CrossEntropy(logits, t.clone(), lse, reduction, ignoreIndex, count));
    }

    /** {@code m + log Σ exp(z − m)} over one row, in double. */
    private static double logSumExp(NdArray z, int from, int n) {
        double m = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < n; a++) {
            m = Math.max(m, z.get(from + a));
        }
        double s = 0;
        for (int a = 0; a < n; a++) {
            s += Math.exp(z.get(from + a) - m);
        }
        return m + Math.log(s);
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(logits);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray z = logits.value();
        NdArray dz = z.zerosLike();
        int classes = z.shape().dim(-1);
        for (int r = 0; r < targets.length; r++) {
            if (targets[r] == ignoreIndex) {
                continue;
            }
            double scale = reduction == Reduction.NONE ? g.get(r) : g.item();
            if (reduction == Reduction.MEAN) {
                scale /= count;
            }
            int o = r * classes;
            for (int a = 0; a < classes; a++) {
                dz.set(o + a, scale * Math.exp(z.get(o + a) - lse[r])); // g · p / N
            }
            dz.set(o + targets[r], dz.get(o + targets[r]) - scale); // − g · onehot / N
        }
        return List.of(dz);
    }
}
