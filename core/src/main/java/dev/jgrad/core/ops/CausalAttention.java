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
 *   backward  with G the head's columns of g:
 *             ∂L/∂V = Pᵀ · G,    ∂L/∂P = G · Vᵀ
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
 * threads, a few pairs per chunk; each gathers its head's columns into contiguous [T, d_k] scratch and
 * runs its products through {@link Gemm} with transpose flags. Each output element is computed by one
 * thread in a fixed order, so results do not depend on the thread count.
 */
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
            Scratch s = new Scratch(q.dtype(), at);
            for (int item = from; item < to; item++) {
                int base = at.base(item);
                int po = item * at.t * at.t;
                at.gather(q.value(), base, s.q);
                at.gather(k.value(), base, s.k);
                at.gather(v.value(), base, s.v);
                at.gemm(false, true, at.t, at.t, at.dk, s.q, 0, s.k, 0, p, po); // S = Q Kᵀ
                at.causalSoftmax(p, po);
                at.gemm(false, false, at.t, at.dk, at.t, p, po, s.v, 0, s.out, 0); // Y = P V
                at.scatter(s.out, y, base);
            }
        });
        return Tensor.result(y, new CausalAttention(q, k, v, heads, p));
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
            Scratch s = new Scratch(q.dtype(), at);
            for (int item = from; item < to; item++) {
                int base = at.base(item);
                int po = item * at.t * at.t;
                at.gather(q.value(), base, s.q);
                at.gather(k.value(), base, s.k);
                at.gather(v.value(), base, s.v);
                at.gather(g, base, s.g);
                at.gemm(true, false, at.t, at.dk, at.t, p, po, s.g, 0, s.out, 0); // ∂V = Pᵀ G
                at.scatter(s.out, dv, base);
                at.gemm(false, true, at.t, at.t, at.dk, s.g, 0, s.v, 0, s.ds, 0); // ∂P = G Vᵀ
                at.softmaxBackward(p, po, s.ds); // ∂P → ∂S / √d_k, in place
                at.gemm(false, false, at.t, at.dk, at.t, s.ds, 0, s.k, 0, s.out, 0); // ∂Q = ∂S K / √d_k
                at.scatter(s.out, dq, base);
                at.gemm(true, false, at.t, at.dk, at.t, s.ds, 0, s.q, 0, s.out, 0); // ∂K = ∂Sᵀ Q / √d_k
                at.scatter(s.out, dk, base);
            }
        });
        return List.of(dq, dk, dv);
    }

    /** One thread's [T, d_k] head slices and a [T, T] block, in the op's dtype. */
    private static final class Scratch {
        final NdArray q;
        final NdArray k;
        final NdArray v;
        final NdArray g;
        final NdArray out;
        final NdArray ds;

        Scratch(DType dtype, Layout at) {
            Shape head = Shape.of(at.t, at.dk);
            q = NdArray.zeros(dtype, head);
            k = NdArray.zeros(dtype, head);
            v = NdArray.zeros(dtype, head);
            g = NdArray.zeros(dtype, head);
            out = NdArray.zeros(dtype, head);
            ds = NdArray.zeros(dtype, Shape.of(at.t, at.t));
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

        /** dst[base + i·width + c] = src[i, c]. */
        void scatter(NdArray src, NdArray dst, int base) {
            for (int i = 0; i < t; i++) {
                dst.copyRange(src, i * dk, base + i * width, dk);
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

        /** Rows of the [T, T] block at {@code po}: raw Q·Kᵀ in, causal softmax of it / √d_k out. */
        void causalSoftmax(NdArray p, int po) {
            if (p.dtype() == DType.FLOAT32) {
                float[] x = p.floats();
                for (int i = 0; i < t; i++) {
                    int o = po + i * t;
                    float m = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) m = Math.max(m, x[o + j]);
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        float e = (float) Math.exp((x[o + j] - m) * scale);
                        x[o + j] = e;
                        sum += e;
                    }
                    float inv = (float) (1 / sum);
                    for (int j = 0; j <= i; j++) x[o + j] *= inv;
                    Arrays.fill(x, o + i + 1, o + t, 0f);
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

        /** ds ← P ⊙ (ds − rowsum(ds ⊙ P)) / √d_k on the causal triangle, 0 above it. */
        void softmaxBackward(NdArray p, int po, NdArray ds) {
            if (p.dtype() == DType.FLOAT32) {
                float[] pr = p.floats();
                float[] d = ds.floats();
                for (int i = 0; i < t; i++) {
                    int o = i * t;
                    double dot = 0;
                    for (int j = 0; j <= i; j++) dot += d[o + j] * pr[po + o + j];
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
