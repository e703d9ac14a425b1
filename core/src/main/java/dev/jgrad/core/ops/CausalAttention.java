package dev.jgrad.core.ops;

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
 * are exactly 0. Forward keeps P [..., h, T, T] for backward. With h = 1 the op also serves inputs
 * already split into heads, [..., h, T, d_k].
 *
 * <p>Kernel: the (batch item, head) pairs are independent and are split over {@link Parallel}'s
 * threads, a few pairs per chunk; each gathers its head's columns into contiguous scratch and runs its
 * products through {@link Gemm}. The products with a d_k-wide result are computed transposed (Yᵀ = Vᵀ·Pᵀ,
 * and so on), with the heads gathered as [d_k, T]: then every GEMM has T columns rather than d_k (whole
 * register tiles at T = 64, d_k = 24) and none has to pack a transposed A. Each output element is
 * computed by one thread in a fixed order, so results do not depend on the thread count.
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
        NdArray p = NdArray.zeros(q.dtype(), Shape.of(pDims));
        NdArray y = q.value().zerosLike();
        Parallel.forRange(at.items(), at.grain(), (from, to) -> {
            Scratch s = Scratch.of(q.dtype(), at);
            for (int item = from; item < to; item++) {
                int base = at.base(item);
                int po = item * at.t * at.t;
                at.gather(q.value(), base, s.q);
                at.gather(k.value(), base, s.k);
                at.gatherT(v.value(), base, s.vt);
                at.gemm(false, true, at.t, at.t, at.dk, s.q, 0, s.k, 0, p, po); // S = Q Kᵀ
                at.causalSoftmax(p, po, s.bits);
                at.gemm(false, true, at.dk, at.t, at.t, s.vt, 0, p, po, s.outT, 0); // Yᵀ = Vᵀ Pᵀ
                at.scatterT(s.outT, y, base);
            }
        });
        return Tensor.result(y, new CausalAttention(q, k, v, heads, p));
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
        NdArray dq = q.value().zerosLike();
        NdArray dk = k.value().zerosLike();
        NdArray dv = v.value().zerosLike();
        Parallel.forRange(at.items(), at.grain(), (from, to) -> {
            Scratch s = Scratch.of(q.dtype(), at);
            for (int item = from; item < to; item++) {
                int base = at.base(item);
                int po = item * at.t * at.t;
                at.gather(g, base, s.g);
                at.gather(v.value(), base, s.v);
                at.gatherT(g, base, s.gt);
                at.gatherT(q.value(), base, s.qt);
                at.gatherT(k.value(), base, s.kt);
                at.gemm(false, false, at.dk, at.t, at.t, s.gt, 0, p, po, s.outT, 0); // ∂Vᵀ = Gᵀ P
                at.scatterT(s.outT, dv, base);
                at.gemm(false, true, at.t, at.t, at.dk, s.g, 0, s.v, 0, s.ds, 0); // ∂P = G Vᵀ
                at.softmaxBackward(p, po, s.ds); // ∂P → ∂S / √d_k, in place
                at.gemm(false, true, at.dk, at.t, at.t, s.kt, 0, s.ds, 0, s.outT, 0); // ∂Qᵀ = Kᵀ ∂Sᵀ / √d_k
                at.scatterT(s.outT, dq, base);
                at.gemm(false, false, at.dk, at.t, at.t, s.qt, 0, s.ds, 0, s.outT, 0); // ∂Kᵀ = Qᵀ ∂S / √d_k
                at.scatterT(s.outT, dk, base);
            }
        });
        return List.of(dq, dk, dv);
    }

    /**
     * One thread's head slices, [T, d_k] and transposed [d_k, T], and a [T, T] block, in the op's dtype. Every
     * loop above writes a buffer in full before reading it, so a thread keeps its last scratch and reuses it for
     * the next chunk of the same sizes (forward and backward, every layer, every step) instead of allocating one.
     */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> LAST = new ThreadLocal<>();

        final DType dtype;
        final int t;
        final int dk;
        final NdArray q;
        final NdArray k;
        final NdArray v;
        final NdArray g;
        final NdArray qt;
        final NdArray kt;
        final NdArray vt;
        final NdArray gt;
        final NdArray outT;
        final NdArray ds;
        final int[] bits;

        /** This thread's scratch for {@code dtype} and the layout's T and d_k, allocated when they change. */
        static Scratch of(DType dtype, Layout at) {
            Scratch s = LAST.get();
            if (s == null || s.dtype != dtype || s.t != at.t || s.dk != at.dk) {
                s = new Scratch(dtype, at);
                LAST.set(s);
            }
            return s;
        }

        private Scratch(DType dtype, Layout at) {
            this.dtype = dtype;
            this.t = at.t;
            this.dk = at.dk;
            Shape head = Shape.of(at.t, at.dk);
            Shape headT = Shape.of(at.dk, at.t);
            q = NdArray.zeros(dtype, head);
            k = NdArray.zeros(dtype, head);
            v = NdArray.zeros(dtype, head);
            g = NdArray.zeros(dtype, head);
            qt = NdArray.zeros(dtype, headT);
            kt = NdArray.zeros(dtype, headT);
            vt = NdArray.zeros(dtype, headT);
            gt = NdArray.zeros(dtype, headT);
            outT = NdArray.zeros(dtype, headT);
            ds = NdArray.zeros(dtype, Shape.of(at.t, at.t));
            bits = new int[at.t * at.t];
        }
    }

    /** Where each head lives in a [..., T, h·d_k] array, and the loops over one head. */
    private static final class Layout {
        final int batch;
        final int heads;
        final int t;
        final int dk;
        final int width;
        final double scale;

        Layout(Shape s, int heads) {
            this.batch = s.sizeOf(0, s.rank() - 2);
            this.heads = heads;
            this.t = s.dim(-2);
            this.width = s.dim(-1);
            this.dk = width / heads;
            this.scale = 1 / Math.sqrt(dk);
        }

        int items() {
            return batch * heads;
        }

        /** Items per chunk: about 8 chunks, each allocating its scratch once, but at most 64 items. */
        int grain() {
            return Math.max(1, Math.min(64, items() / 8));
        }

        /** Flat offset of element [b, 0, e·d_k] for item = b·h + e. */
        int base(int item) {
            return (item / heads) * t * width + (item % heads) * dk;
        }

        /** dst[i, c] = src[base + i·width + c]: one head's columns into a contiguous [T, d_k] block. */
        void gather(NdArray src, int base, NdArray dst) {
            for (int i = 0; i < t; i++) {
                dst.copyRange(src, base + i * width, i * dk, dk);
            }
        }

        /** dst[c, i] = src[base + i·width + c]: one head's columns, transposed into a [d_k, T] block. */
        void gatherT(NdArray src, int base, NdArray dst) {
            if (src.dtype() == DType.FLOAT32) {
                float[] from = src.floats();
                float[] to = dst.floats();
                for (int i = 0; i < t; i++) {
                    for (int c = 0; c < dk; c++) to[c * t + i] = from[base + i * width + c];
                }
            } else {
                double[] from = src.doubles();
                double[] to = dst.doubles();
                for (int i = 0; i < t; i++) {
                    for (int c = 0; c < dk; c++) to[c * t + i] = from[base + i * width + c];
                }
            }
        }

        /** dst[base + i·width + c] = src[c, i]: a [d_k, T] block back into the head's columns. */
        void scatterT(NdArray src, NdArray dst, int base) {
            if (src.dtype() == DType.FLOAT32) {
                float[] from = src.floats();
                float[] to = dst.floats();
                for (int i = 0; i < t; i++) {
                    for (int c = 0; c < dk; c++) to[base + i * width + c] = from[c * t + i];
                }
            } else {
                double[] from = src.doubles();
                double[] to = dst.doubles();
                for (int i = 0; i < t; i++) {
                    for (int c = 0; c < dk; c++) to[base + i * width + c] = from[c * t + i];
                }
            }
        }

        /** c[cOff…] = op(a) · op(b), one thread (these products are small). */
        void gemm(
                boolean ta,
                boolean tb,
                int m,
                int n,
                int kk,
                NdArray a,
                int aOff,
                NdArray b,
                int bOff,
                NdArray c,
                int cOff) {
            if (a.dtype() == DType.FLOAT32) {
                Gemm.sgemm(ta, tb, m, n, kk, a.floats(), aOff, b.floats(), bOff, c.floats(), cOff, false);
            } else {
                Gemm.dgemm(ta, tb, m, n, kk, a.doubles(), aOff, b.doubles(), bOff, c.doubles(), cOff, false);
            }
        }

        /**
         * Rows of the [T, T] block at {@code po}: raw Q·Kᵀ in, causal softmax of it / √d_k out; float32 takes
         * its exp from {@link FloatExp} ({@code bits} is its scratch), float64 from {@code Math.exp}.
         */
        void causalSoftmax(NdArray p, int po, int[] bits) {
            if (p.dtype() == DType.FLOAT32) {
                float[] x = p.floats();
                float scaleF = (float) scale;
                for (int i = 0; i < t; i++) { // shift and scale the triangle; the exp below makes the rest ≈ 0
                    int o = po + i * t;
                    float m = max(x, o, i + 1);
                    for (int j = 0; j <= i; j++) x[o + j] = (x[o + j] - m) * scaleF;
                    for (int j = i + 1; j < t; j++) x[o + j] = Float.NEGATIVE_INFINITY;
                }
                FloatExp.expInPlace(x, po, t * t, bits); // one long run: SIMD loops pay off
                for (int i = 0; i < t; i++) {
                    int o = po + i * t;
                    float inv = (float) (1 / sum(x, o, i + 1));
                    for (int j = 0; j <= i; j++) x[o + j] *= inv;
                    for (int j = i + 1; j < t; j++) x[o + j] = 0f;
                }
            } else {
                double[] x = p.doubles();
                for (int i = 0; i < t; i++) {
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

        /** ds ← P ⊙ (ds − rowsum(ds ⊙ P)) / √d_k on the causal triangle, 0 above it. */
        void softmaxBackward(NdArray p, int po, NdArray ds) {
            if (p.dtype() == DType.FLOAT32) {
                float[] pr = p.floats();
                float[] d = ds.floats();
                for (int i = 0; i < t; i++) {
                    int o = i * t;
                    double dot = dot(d, o, pr, po + o, i + 1);
                    for (int j = 0; j <= i; j++) d[o + j] = (float) (pr[po + o + j] * (d[o + j] - dot) * scale);
                    Arrays.fill(d, o + i + 1, o + t, 0f);
                }
            } else {
                double[] pr = p.doubles();
                double[] d = ds.doubles();
                for (int i = 0; i < t; i++) {
                    int o = i * t;
                    double dot = 0;
                    for (int j = 0; j <= i; j++) dot += d[o + j] * pr[po + o + j];
                    for (int j = 0; j <= i; j++) d[o + j] = pr[po + o + j] * (d[o + j] - dot) * scale;
                    Arrays.fill(d, o + i + 1, o + t, 0.0);
                }
            }
        }
    }
}
