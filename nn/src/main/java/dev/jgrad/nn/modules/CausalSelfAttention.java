package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.functional.F;
import java.util.Arrays;
import java.util.Random;

/**
 * Multi-head causal self-attention (Vaswani et al., 2017), laid out as CS336's so its weights load unchanged.
 * <pre>
 *   sub-modules  q_proj, k_proj, v_proj, output_proj: Linear d_model → d_model (no bias unless asked for)
 *   shapes       x [..., seq, d_model]  →  y [..., seq, d_model];   h heads of d_k = d_model / h
 *   forward      q, k, v = q_proj(x), k_proj(x), v_proj(x), each split into heads [..., h, seq, d_k]
 *                q, k    = rope(q, pos), rope(k, pos)        (same rotation for every head; skipped without RoPE)
 *                s       = q · kᵀ / sqrt(d_k),  s[i, j] = −∞ for j &gt; i     (a query sees only itself and the past)
 *                y       = output_proj(merge heads(softmax(s) · v))
 * </pre>
 * Head i owns rows i·d_k … (i+1)·d_k − 1 of each projection's output, as PyTorch's {@code view(…, h, d_k)}.
 */
public final class CausalSelfAttention extends Module {
    private final int dModel;
    private final int numHeads;
    private final RotaryEmbedding rope;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outputProj;

    /** float32, no biases; {@code rope} may be null for none. */
    public CausalSelfAttention(int dModel, int numHeads, RotaryEmbedding rope, Random rnd) {
        this(dModel, numHeads, rope, false, DType.FLOAT32, rnd);
    }

    public CausalSelfAttention(int dModel, int numHeads, RotaryEmbedding rope, boolean bias, DType dtype, Random rnd) {
        if (dModel <= 0 || numHeads <= 0 || dModel % numHeads != 0) {
            throw new IllegalArgumentException(
                    "CausalSelfAttention: num_heads " + numHeads + " must be positive and divide d_model " + dModel);
        }
        if (rope != null && rope.dK() != dModel / numHeads) {
            throw new IllegalArgumentException("CausalSelfAttention: rope rotates d_k = " + rope.dK() + " but d_model "
                    + dModel + " / num_heads " + numHeads + " = " + dModel / numHeads);
        }
        this.dModel = dModel;
        this.numHeads = numHeads;
        this.rope = rope;
        qProj = registerModule("q_proj", new Linear(dModel, dModel, bias, dtype, rnd));
        kProj = registerModule("k_proj", new Linear(dModel, dModel, bias, dtype, rnd));
        vProj = registerModule("v_proj", new Linear(dModel, dModel, bias, dtype, rnd));
        outputProj = registerModule("output_proj", new Linear(dModel, dModel, bias, dtype, rnd));
    }

    /** Attention over x [..., seq, d_model] with token positions 0 … seq − 1. */
    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /**
     * Attention over x [..., seq, d_model]; {@code positions} int32 [..., seq] or [seq] places the tokens for
     * RoPE (null means 0 … seq − 1; ignored without RoPE).
     */
    public Tensor forward(Tensor x, Tensor positions) {
        if (x.rank() < 2 || x.dim(-1) != dModel) {
            throw new IllegalArgumentException(
                    "CausalSelfAttention: input must be [..., seq, " + dModel + "], got " + x.shape());
        }
        int seq = x.dim(-2);
        Tensor q = splitHeads(qProj.forward(x));
        Tensor k = splitHeads(kProj.forward(x));
        Tensor v = splitHeads(vProj.forward(x));
        if (rope != null) {
            Tensor pos = positions;
            if (pos != null && pos.rank() >= 2) {
                pos = pos.unsqueeze(-2); // [..., seq] → [..., 1, seq]: the same positions for every head
            }
            q = pos == null ? rope.forward(q) : rope.forward(q, pos);
            k = pos == null ? rope.forward(k) : rope.forward(k, pos);
        }
        Tensor y = F.scaledDotProductAttention(q, k, v, F.causalMask(seq));
        return outputProj.forward(mergeHeads(y));
    }

    /** [..., seq, d_model] → [..., h, seq, d_k]. */
    private Tensor splitHeads(Tensor t) {
        int r = t.rank();
        int[] dims = Arrays.copyOf(t.shape().dims(), r + 1);
        dims[r - 1] = numHeads;
        dims[r] = dModel / numHeads;
        return t.reshape(dims).transpose(-3, -2);
    }

    /** [..., h, seq, d_k] → [..., seq, d_model]. */
    private Tensor mergeHeads(Tensor t) {
        Tensor u = t.transpose(-3, -2);
        int[] dims = Arrays.copyOf(u.shape().dims(), u.rank() - 1);
        dims[dims.length - 1] = dModel;
        return u.reshape(dims);
    }

    public int dModel() {
        return dModel;
    }

    public int numHeads() {
        return numHeads;
    }

    /** The shared rotary embedding, or null. */
    public RotaryEmbedding rope() {
        return rope;
    }

    public Linear qProj() {
        return qProj;
    }

    public Linear kProj() {
        return kProj;
    }

    public Linear vProj() {
        return vProj;
    }

    public Linear outputProj() {
        return outputProj;
    }
}
