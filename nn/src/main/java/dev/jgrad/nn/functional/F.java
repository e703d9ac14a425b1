package dev.jgrad.nn.functional;

import dev.jgrad.core.ops.CausalAttention;
import dev.jgrad.core.ops.Linear;
import dev.jgrad.core.ops.RmsNorm;
import dev.jgrad.core.ops.Rope;
import dev.jgrad.core.ops.SiluMul;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;

/**
 * Stateless layer functions, as {@code torch.nn.functional}: each takes its weights as arguments and is
 * a few differentiable core ops, so autograd gives every backward. The layers a Transformer spends its
 * time in (linear, rmsNorm, rope, the SwiGLU gate, causal attention) are each one fused core op with a
 * hand-written backward; the others are compositions. The modules in {@code dev.jgrad.nn.modules} hold
 * the weights and call these.
 */
public final class F {
    private F() {}

    /**
     * Affine map on the last dim, as {@code F.linear}: one {@link Linear} node.
     * <pre>
     *   shapes   x [..., in],  weight [out, in],  bias [out] or null  →  y [..., out]
     *   forward  y = x · weightᵀ (+ bias)
     * </pre>
     * The leading dims are flattened into rows, so the product is a single matrix multiply that reads the
     * weight in place (no transposed copy).
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return Linear.apply(x, weight, bias);
    }

    /**
     * Row lookup, as {@code F.embedding}: {@code y[..., :] = weight[ids[...], :]}.
     * <pre>
     *   shapes    ids int32 [...] with 0 ≤ id &lt; num,  weight [num, dim]  →  y [..., dim]
     *   backward  ∂L/∂weight[r] = Σ over positions p with ids[p] = r of g[p]   (repeated ids add up)
     * </pre>
     */
    public static Tensor embedding(Tensor ids, Tensor weight) {
        if (ids.dtype() != DType.INT32) {
            throw new IllegalArgumentException("embedding: ids must be int32, got " + ids.dtype() + " " + ids.shape());
        }
        if (weight.rank() != 2) {
            throw new IllegalArgumentException("embedding: weight must be [num, dim], got " + weight.shape());
        }
        int[] v = ids.value().ints();
        for (int p = 0; p < v.length; p++) {
            if (v[p] < 0 || v[p] >= weight.dim(0)) {
                throw new IllegalArgumentException("embedding: id " + v[p] + " at flat position " + p + " of ids "
                        + ids.shape() + " is outside [0, " + weight.dim(0) + ") for weight " + weight.shape());
            }
        }
        return weight.embedding(ids);
    }

    /**
     * Root-mean-square normalization over the last dim (Zhang and Sennrich, 2019), as CS336's RMSNorm.
     * <pre>
     *   shapes   x [..., d],  weight [d]  →  y [..., d]
     *   forward  y = x / sqrt(mean(x², last dim) + eps) ⊙ weight
     * </pre>
     * Computed in x's dtype (CS336 upcasts to float32; float32 is our smallest float type), with each row's
     * sum of squares taken in double. One {@link RmsNorm} node.
     */
    public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        return RmsNorm.apply(x, weight, eps);
    }

    /**
     * Layer normalization over the last dim, as {@code F.layer_norm} with one normalized dim.
     * <pre>
     *   shapes   x [..., d],  weight [d],  bias [d]  →  y [..., d]
     *   forward  μ = mean(x),  σ² = mean((x − μ)²)   (biased, dividing by d)
     *            y = (x − μ) / sqrt(σ² + eps) ⊙ weight + bias
     * </pre>
     */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        checkNormWeight("layerNorm", x, weight);
        if (bias != null) {
            checkNormWeight("layerNorm", x, bias);
        }
        Tensor centered = x.sub(x.mean(-1, true));
        Tensor std = centered.mul(centered).mean(-1, true).add(eps).sqrt();
        Tensor y = centered.div(std).mul(weight);
        return bias == null ? y : y.add(bias);
    }

    private static void checkNormWeight(String op, Tensor x, Tensor w) {
        if (x.rank() == 0 || !w.shape().equals(Shape.of(x.dim(-1)))) {
            throw new IllegalArgumentException(op + ": input " + x.shape() + " and weight " + w.shape()
                    + " disagree; the weight must be [d] for an input [..., d]");
        }
    }

    /**
     * The gated feed-forward network of Shazeer (2020), as CS336's SwiGLU.
     * <pre>
     *   shapes   x [..., d_model],  w1, w3 [d_ff, d_model],  w2 [d_model, d_ff]  →  y [..., d_model]
     *   forward  y = w2 · (silu(w1 · x) ⊙ (w3 · x)),   silu(a) = a · σ(a)
     * </pre>
     * Three {@link Linear} nodes and one {@link SiluMul} node for the gate.
     */
    public static Tensor swiglu(Tensor x, Tensor w1, Tensor w2, Tensor w3) {
        return linear(SiluMul.apply(linear(x, w1, null), linear(x, w3, null)), w2, null);
    }

    /** The SwiGLU gate {@code silu(a) ⊙ b} for a and b of one shape, as one {@link SiluMul} node. */
    public static Tensor siluMul(Tensor a, Tensor b) {
        return SiluMul.apply(a, b);
    }

    /**
     * Rotary position embedding (Su et al., 2021) on interleaved pairs, given the angles' cosines and sines.
     * <pre>
     *   shapes   x [..., d],  cos, sin [..., d/2] whose leading dims broadcast to x's  →  y [..., d]
     *   forward  (y[2j], y[2j+1]) = (x[2j]·cos_j − x[2j+1]·sin_j,  x[2j]·sin_j + x[2j+1]·cos_j)
     * </pre>
     * One {@link Rope} node. cos and sin are constants: no gradient flows to them.
     */
    public static Tensor rope(Tensor x, Tensor cos, Tensor sin) {
        int d = x.rank() == 0 ? 0 : x.dim(-1);
        if (x.rank() == 0 || d % 2 != 0) {
            throw new IllegalArgumentException("rope: input must be [..., d] with d even, got " + x.shape());
        }
        if (!cos.shape().equals(sin.shape()) || cos.rank() == 0 || cos.dim(-1) != d / 2) {
            throw new IllegalArgumentException("rope: cos " + cos.shape() + " and sin " + sin.shape()
                    + " must both be [..., " + d / 2 + "] for input " + x.shape());
        }
        Shape lead = Shape.of(Arrays.copyOf(x.shape().dims(), x.rank() - 1));
        Shape tableLead = Shape.of(Arrays.copyOf(cos.shape().dims(), cos.rank() - 1));
        if (!lead.equals(Shape.broadcast(tableLead, lead))) {
            throw new IllegalArgumentException("rope: the leading dims of cos " + cos.shape()
                    + " do not broadcast to those of input " + x.shape());
        }
        Shape table = Shape.of(tableLead.size(), d / 2);
        return Rope.apply(
                x, cos.value().reshape(table), sin.value().reshape(table), Rope.broadcastRows(tableLead, lead));
    }

    /** An int32 [t, t] mask, 1 where key j lies after query i (j &gt; i): the entries causal attention hides. */
    public static Tensor causalMask(int t) {
        int[] m = new int[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                m[i * t + j] = 1;
            }
        }
        return Tensor.of(NdArray.wrap(m, Shape.of(t, t)));
    }

    /**
     * Softmax attention, as {@code F.scaled_dot_product_attention}.
     * <pre>
     *   shapes   q [..., n, d_k],  k [..., m, d_k],  v [..., m, d_v],  mask int32 broadcasting to [..., n, m]
     *            or null  →  y [..., n, d_v]
     *   forward  s = q · kᵀ / sqrt(d_k),   s[i, j] = −∞ where mask[i, j] ≠ 0
     *            y = softmax(s, over j) · v
     * </pre>
     * A row whose keys are all masked would divide 0 by 0; a causal mask always leaves the diagonal open.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask) {
        if (q.rank() < 2 || k.rank() < 2 || v.rank() < 2 || q.dim(-1) != k.dim(-1) || k.dim(-2) != v.dim(-2)) {
            throw new IllegalArgumentException("scaledDotProductAttention: q " + q.shape() + ", k " + k.shape() + ", v "
                    + v.shape() + " must be [..., n, d_k], [..., m, d_k], [..., m, d_v]");
        }
        Tensor scores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(q.dim(-1)));
        if (mask != null) {
            scores = scores.maskedFill(mask, Double.NEGATIVE_INFINITY);
        }
        return scores.softmax(-1).matmul(v);
    }

    /**
     * Causal self-attention of {@code numHeads} heads on inputs whose last dim holds the heads side by side
     * (head e owns columns e·d_k … (e+1)·d_k − 1), as one {@link CausalAttention} node.
     * <pre>
     *   shapes   q, k, v [..., T, h·d_k]  →  y [..., T, h·d_k]
     *   forward  per head: y = softmax(q · kᵀ / sqrt(d_k) with s[i, j] = −∞ for j &gt; i) · v
     * </pre>
     * Equal to splitting each input into [..., h, T, d_k], {@link #scaledDotProductAttention} with
     * {@link #causalMask}, and merging the heads back, without the copies. With numHeads = 1 it takes
     * inputs already split, [..., h, T, d_k].
     */
    public static Tensor causalAttention(Tensor q, Tensor k, Tensor v, int numHeads) {
        return CausalAttention.apply(q, k, v, numHeads);
    }

    /** {@code max(x, 0)}. */
    public static Tensor relu(Tensor x) {
        return x.relu();
    }

    /** {@code x · σ(x)}. */
    public static Tensor silu(Tensor x) {
        return x.silu();
    }

    /** GELU, exact form {@code x · Φ(x)}. */
    public static Tensor gelu(Tensor x) {
        return x.gelu();
    }

    /** GELU, tanh approximation, as {@code F.gelu(x, approximate="tanh")} and GPT-2. */
    public static Tensor geluTanh(Tensor x) {
        return x.geluTanh();
    }

    public static Tensor softmax(Tensor x, int dim) {
        return x.softmax(dim);
    }

    public static Tensor logSoftmax(Tensor x, int dim) {
        return x.logSoftmax(dim);
    }

    /** Mean cross-entropy of logits [..., V] against int32 targets [...]. */
    public static Tensor crossEntropy(Tensor logits, Tensor targets) {
        return logits.crossEntropy(targets);
    }
}
