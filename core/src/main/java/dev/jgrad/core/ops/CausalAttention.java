package dev.jgrad.core.ops;

import dev.jgrad.core.kernels.FloatMath;
import dev.jgrad.core.kernels.Gemm;
import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Causal scaled dot-product attention over h heads, as one node: each query sees itself and the
 * earlier positions only.
 * <pre>
 *   shapes    q, k, v [..., T, h·d_k]  →  y [..., T, h·d_k]      head e owns columns e·d_k … (e+1)·d_k − 1
 *   forward   for each batch item and head, Q, K, V, Y being that head's [T, d_k] columns:
 *             S = Q · Kᵀ / √d_k
 *             P[i, j] = exp(S[i, j] − m_i) / Σ_{j' ≤ i} exp(S[i, j'] − m_i)  for j ≤ i,  0 for j &gt; i
 *                       (m_i = max_{j ≤ i} S[i, j])
 *             Y = P · V
 *   backward  ∂L/∂V = Pᵀ · G,    ∂L/∂P = G · Vᵀ                    (G: the head's columns of g)
 *             ∂L/∂S = P ⊙ (∂L/∂P − rowsum(∂L/∂P ⊙ P))          (the softmax backward, row by row)
 *             ∂L/∂Q = ∂L/∂S · K / √d_k,    ∂L/∂K = (∂L/∂S)ᵀ · Q / √d_k
 * </pre>
 * This equals splitting the heads into [..., h, T, d_k], {@code softmax(maskedFill(q·kᵀ/√d_k, j > i,
 * −∞)) · v} and merging them back, without the permute copies, the mask tensor or the −∞ fill: the
 * softmax runs in place, row by row, over the causal triangle j ≤ i only, and the entries above it
 * are exactly 0. Forward keeps P [..., h, T, T] for backward, which hands its storage back for reuse
 * ({@link #releaseSaved}). With h = 1 the op also serves inputs
 * already split into heads, [..., h, T, d_k].
 *
 * <p>Kernel: the (batch item, head) pairs are independent and are split over {@link Parallel}'s
 * threads, a few pairs per chunk. Each runs its products through {@link Gemm} on the head's columns
 * where they lie, rows h·d_k apart, except K and V, which it first transposes into a [d_k, T] scratch
 * (Kᵀ for S, Vᵀ for ∂P: a small B that the GEMM reads in place, where Kᵀ as a transposed operand would
 * be packed again for every block), in blocks of R query rows (R a multiple of the GEMM's
 * 6-row tile, about T/4): the block [i₀, i₁) needs keys 0 … i₁ − 1 only, so the products skip the
 * blocks above the diagonal, which hold only zeros of P, and do about 5/8 of the T²-sized work:
 * <pre>
 *   S[i₀:i₁, :i₁] = Q[i₀:i₁] · K[:i₁]ᵀ          Y[i₀:i₁] = P[i₀:i₁, :i₁] · V[:i₁]
 *   ∂V[j₀:j₁] = P[j₀:, j₀:j₁]ᵀ · G[j₀:]           ∂P[i₀:i₁, :i₁] = G[i₀:i₁] · V[:i₁]ᵀ
 *   ∂Q[i₀:i₁] = ∂S[i₀:i₁, :i₁] · K[:i₁]          ∂K[j₀:j₁] = ∂S[j₀:, j₀:j₁]ᵀ · Q[j₀:]
 * </pre>
 * Each output element is computed by one thread in a fixed order, so results do not depend on the
 * thread count.
 */
@GradientRule({
    "∂L/∂V = Pᵀ · G,    ∂L/∂P = G · Vᵀ                    (G: the head's columns of g)",
    "∂L/∂S = P ⊙ (∂L/∂P − rowsum(∂L/∂P ⊙ P))          (the softmax backward, row by row)",
    "∂L/∂Q = ∂L/∂S · K / √d_k,    ∂L/∂K = (∂L/∂S)ᵀ · Q / √d_k"
})
public record CausalAttention(Tensor q, Tensor k, Tensor v, int heads, NdArray p) implements Op {
    /** Attention of {@code heads} heads over q, k, v [..., T, heads·d_k]. */
    public static Tensor apply(Tensor q, Tensor k, Tensor v, int heads) {
        Checks.sameFloatDtype("causalAttention", q, k);
        Checks.sameFloatDtype("causalAttention", q, v);
        if (q.rank() < 2 || !q.shape().equals(k.shape()) || !q.shape().equals(v.shape())) {
            throw new IllegalArgumentException("causalAttention: q " + q.shape() + ", k " + k.shape() + " and v "
                    + v.shape() + " must share one shape [..., T, h·d_k]");
        }
        if (heads <= 0 || q.dim(-1) == 0 || q.dim(-1) % heads != 0) {
            throw new IllegalArgumentException("causalAttention: " + heads + " heads must be positive and divide the "
                    + "last dim of q " + q.shape());
        }
        Layout at = new Layout(q.shape(), heads);
        int[] pDims = Arrays.copyOf(q.shape().dims(), q.rank() + 1);
        pDims[q.rank() - 2] = heads;
        pDims[q.rank() - 1] = at.t;
        pDims[q.rank()] = at.t;
        NdArray p = NdArray.empty(q.dtype(), Shape.of(pDims)); // every row written, 0 right of the diagonal
        NdArray y = q.value().emptyLike(); // y, ∂q, ∂k, ∂v: every head's rows written by a product
        Parallel.forRange(at.items(), at.grain(), (from, to) -> {
            Scratch scratch = Scratch.of(q.dtype(), at);
            int[] bits = scratch.bits;
            NdArray kt = scratch.transposed;
            for (int item = from; item < to; item++) {
                int base = at.base(item);
                int po = item * at.t * at.t;
                at.transposeHead(k.value(), base, kt); // Kᵀ [d_k, T]: S = Q · Kᵀ then reads it in place
                for (int i0 = 0; i0 < at.t; i0 += at.block) {
                    int i1 = Math.min(at.t, i0 + at.block);
                    int rows = i1 - i0;
                    int qi = base + i0 * at.width;
                    int pi = po + i0 * at.t;
                    int w = at.width;
                    gemm(false, false, rows, i1, at.dk, q.value(), qi, w, kt, 0, at.t, p, pi, at.t); // S = Q Kᵀ
                    at.causalSoftmax(p, po, i0, i1, bits);
                    gemm(false, false, rows, at.dk, i1, p, pi, at.t, v.value(), base, w, y, qi, w); // Y = P V
                }
            }
        });
        return Tensor.result(y, new CausalAttention(q, k, v, heads, p));
    }

    /** P is read by backward only, and no one else holds it. */
    @Override
    public void releaseSaved() {
        p.recycle();
    }

    /** True: ∂q, ∂k and ∂v are new arrays. */
    @Override
    public boolean backwardReturnsFreshArrays() {
        return true;
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(q, k, v);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        Layout at = new Layout(q.shape(), heads);
        NdArray dq = q.value().emptyLike();
        NdArray dk = k.value().emptyLike();
        NdArray dv = v.value().emptyLike();
        Parallel.forRange(at.items(), at.grain(), (from, to) -> {
            Scratch scratch = Scratch.of(q.dtype(), at);
            NdArray ds = scratch.ds;
            NdArray vt = scratch.transposed;
            for (int item = from; item < to; item++) {
                int base = at.base(item);
                at.transposeHead(v.value(), base, vt); // Vᵀ [d_k, T]: ∂P = G · Vᵀ then reads it in place
                int po = item * at.t * at.t;
                int t = at.t;
                int w = at.width;
                for (int j0 = 0; j0 < t; j0 += at.block) { // ∂V = Pᵀ G; rows i < j₀ of P are 0 in columns ≥ j₀
                    int rows = Math.min(t, j0 + at.block) - j0;
                    int vj = base + j0 * w;
                    gemm(true, false, rows, at.dk, t - j0, p, po + j0 * t + j0, t, g, vj, w, dv, vj, w);
                }
                for (int i0 = 0; i0 < t; i0 += at.block) {
                    int i1 = Math.min(t, i0 + at.block);
                    int rows = i1 - i0;
                    int gi = base + i0 * w;
                    gemm(false, false, rows, i1, at.dk, g, gi, w, vt, 0, t, ds, i0 * t, t); // ∂P = G Vᵀ
                    at.softmaxBackward(p, po, ds, i0, i1); // ∂P → ∂S / √d_k, in place
                    gemm(false, false, rows, at.dk, i1, ds, i0 * t, t, k.value(), base, w, dq, gi, w); // ∂Q = ∂S K
                }
                for (int j0 = 0; j0 < t; j0 += at.block) { // ∂K = ∂Sᵀ Q; rows i < j₀ of ∂S are 0 in columns ≥ j₀
                    int rows = Math.min(t, j0 + at.block) - j0;
                    int kj = base + j0 * w;
                    gemm(true, false, rows, at.dk, t - j0, ds, j0 * t + j0, t, q.value(), kj, w, dk, kj, w);
                }
            }
        });
        return List.of(dq, dk, dv);
    }

    /**
     * c = op(a) · op(b) on one thread (these products are small), in a's dtype. A head's [T, d_k] slice has its
     * rows h·d_k apart; a block of P or ∂S has its rows T apart.
     */
    private static void gemm(
            boolean ta,
            boolean tb,
            int m,
            int n,
            int kk,
            NdArray a,
            int aOff,
            int lda,
            NdArray b,
            int bOff,
            int ldb,
            NdArray c,
            int cOff,
            int ldc) {
        if (a.dtype() == DType.FLOAT32) {
            Gemm.sgemm(ta, tb, m, n, kk, a.floats(), aOff, lda, b.floats(), bOff, ldb, c.floats(), cOff, ldc, false);
        } else {
            Gemm.dgemm(ta, tb, m, n, kk, a.doubles(), aOff, lda, b.doubles(), bOff, ldb, c.doubles(), cOff, ldc, false);
        }
    }

    /**
     * One thread's [T, T] block for ∂S and the exp scratch, in the op's dtype. Every loop writes the part of a
     * buffer it reads first, so a thread keeps its last scratch and reuses it for the next chunk of the same sizes
     * (forward and backward, every layer, every step) instead of allocating one.
     */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> LAST = new ThreadLocal<>();

        final DType dtype;
        final int t;
        final int dk;
        final NdArray ds;
        final NdArray transposed;
        final int[] bits;

        /** This thread's scratch for {@code dtype} and the layout's T and d_k, allocated when they change. */
        static Scratch of(DType dtype, Layout at) {
            Scratch s = LAST.get();
            if (s == null || s.dtype != dtype || s.t != at.t || s.dk != at.dk) {
                s = new Scratch(dtype, at.t, at.dk);
                LAST.set(s);
            }
            return s;
        }

        private Scratch(DType dtype, int t, int dk) {
            this.dtype = dtype;
            this.t = t;
            this.dk = dk;
            ds = NdArray.zeros(dtype, Shape.of(t, t));
            transposed = NdArray.zeros(dtype, Shape.of(dk, t));
            bits = new int[t];
        }
    }

    /** Where each head lives in a [..., T, h·d_k] array, and the loops over one head. */
    private static final class Layout {
        final int batch;
        final int heads;
        final int t;
        final int dk;
        final int width;
        final int block;
        final double scale;

        Layout(Shape s, int heads) {
            this.batch = s.sizeOf(0, s.rank() - 2);
            this.heads = heads;
            this.t = s.dim(-2);
            this.width = s.dim(-1);
            this.dk = width / heads;
            this.block = 6 * Math.max(1, (t + 23) / 24); // ⌈T/4⌉ rounded up to a multiple of 6
            this.scale = 1 / Math.sqrt(dk);
        }

        int items() {
            return batch * heads;
        }

        /** {@code dst[e, j] = src[base + j·width + e]}: the head at {@code base}, [T, d_k], transposed to [d_k, T]. */
        void transposeHead(NdArray src, int base, NdArray dst) {
            if (src.dtype() == DType.FLOAT32) {
                float[] s = src.floats();
                float[] d = dst.floats();
                for (int j = 0; j < t; j++) {
                    for (int e = 0; e < dk; e++) d[e * t + j] = s[base + j * width + e];
                }
            } else {
                double[] s = src.doubles();
                double[] d = dst.doubles();
                for (int j = 0; j < t; j++) {
                    for (int e = 0; e < dk; e++) d[e * t + j] = s[base + j * width + e];
                }
            }
        }

        /** Items per chunk: about 8 chunks, but at most 64 items. */
        int grain() {
            return Math.max(1, Math.min(64, items() / 8));
        }

        /** Flat offset of element [b, 0, e·d_k] for item = b·h + e. */
        int base(int item) {
            return (item / heads) * t * width + (item % heads) * dk;
        }

        /**
         * Rows [i0, i1) of the [T, T] block at {@code po}: raw Q·Kᵀ in columns 0 … i1 − 1, causal softmax of it
         * / √d_k out, 0 right of the diagonal (to the row's end: P's storage may be recycled). float32 runs
         * each row on the Vector API ({@link FloatMath}) when present, else takes its exp from {@link FloatExp}
         * ({@code bits} is its scratch); float64 from {@code Math.exp}.
         */
        void causalSoftmax(NdArray p, int po, int i0, int i1, int[] bits) {
            if (p.dtype() == DType.FLOAT32) {
                float[] x = p.floats();
                float scaleF = (float) scale;
                FloatMath simd = FloatMath.vector();
                for (int i = i0; i < i1; i++) {
                    int o = po + i * t;
                    if (simd != null) {
                        float m = simd.max(x, o, i + 1);
                        simd.scale(x, o, i + 1, (float) (1 / simd.expShiftedSum(x, o, i + 1, m, scaleF)));
                    } else {
                        float m = max(x, o, i + 1);
                        for (int j = 0; j <= i; j++) x[o + j] = (x[o + j] - m) * scaleF;
                        FloatExp.expInPlace(x, o, i + 1, bits);
                        float inv = (float) (1 / sum(x, o, i + 1));
                        for (int j = 0; j <= i; j++) x[o + j] *= inv;
                    }
                    Arrays.fill(x, o + i + 1, o + t, 0f);
                }
            } else {
                double[] x = p.doubles();
                for (int i = i0; i < i1; i++) {
                    int o = po + i * t;
                    double m = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) m = Math.max(m, x[o + j]);
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        x[o + j] = Math.exp((x[o + j] - m) * scale);
                        sum += x[o + j];
                    }
                    for (int j = 0; j <= i; j++) x[o + j] /= sum;
                    Arrays.fill(x, o + i + 1, o + t, 0.0);
                }
            }
        }

        /*
         * The row reductions of the float32 loops, each over four interleaved partial results so that the CPU
         * overlaps four chains of additions instead of waiting on one; the partials are combined in a fixed
         * order, so the result depends on n only, never on the thread.
         */

        /** max_{j &lt; n} x[o + j]; the same value in any order. */
        private static float max(float[] x, int o, int n) {
            float m0 = Float.NEGATIVE_INFINITY, m1 = m0, m2 = m0, m3 = m0;
            int j = 0;
            for (; j + 3 < n; j += 4) {
                m0 = Math.max(m0, x[o + j]);
                m1 = Math.max(m1, x[o + j + 1]);
                m2 = Math.max(m2, x[o + j + 2]);
                m3 = Math.max(m3, x[o + j + 3]);
            }
            for (; j < n; j++) m0 = Math.max(m0, x[o + j]);
            return Math.max(Math.max(m0, m1), Math.max(m2, m3));
        }

        /** Σ_{j &lt; n} x[o + j] in double, as (s₀ + s₁) + (s₂ + s₃): s_r sums j ≡ r (mod 4), s₀ also the last n mod 4. */
        private static double sum(float[] x, int o, int n) {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int j = 0;
            for (; j + 3 < n; j += 4) {
                s0 += x[o + j];
                s1 += x[o + j + 1];
                s2 += x[o + j + 2];
                s3 += x[o + j + 3];
            }
            for (; j < n; j++) s0 += x[o + j];
            return (s0 + s1) + (s2 + s3);
        }

        /** Σ_{j &lt; n} a[ao + j] · b[bo + j], each product rounded to float, summed in double as {@link #sum}. */
        private static double dot(float[] a, int ao, float[] b, int bo, int n) {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int j = 0;
            for (; j + 3 < n; j += 4) {
                s0 += a[ao + j] * b[bo + j];
                s1 += a[ao + j + 1] * b[bo + j + 1];
                s2 += a[ao + j + 2] * b[bo + j + 2];
                s3 += a[ao + j + 3] * b[bo + j + 3];
            }
            for (; j < n; j++) s0 += a[ao + j] * b[bo + j];
            return (s0 + s1) + (s2 + s3);
        }

        /** Rows [i0, i1) of ds ← P ⊙ (ds − rowsum(ds ⊙ P)) / √d_k on the causal triangle, 0 right of it up to i1. */
        void softmaxBackward(NdArray p, int po, NdArray ds, int i0, int i1) {
            if (p.dtype() == DType.FLOAT32) {
                float[] pr = p.floats();
                float[] d = ds.floats();
                for (int i = i0; i < i1; i++) {
                    int o = i * t;
                    double dot = dot(d, o, pr, po + o, i + 1);
                    for (int j = 0; j <= i; j++) d[o + j] = (float) (pr[po + o + j] * (d[o + j] - dot) * scale);
                    Arrays.fill(d, o + i + 1, o + i1, 0f);
                }
            } else {
                double[] pr = p.doubles();
                double[] d = ds.doubles();
                for (int i = i0; i < i1; i++) {
                    int o = i * t;
                    double dot = 0;
                    for (int j = 0; j <= i; j++) dot += d[o + j] * pr[po + o + j];
                    for (int j = 0; j <= i; j++) d[o + j] = pr[po + o + j] * (d[o + j] - dot) * scale;
                    Arrays.fill(d, o + i + 1, o + i1, 0.0);
                }
            }
        }
    }
}
