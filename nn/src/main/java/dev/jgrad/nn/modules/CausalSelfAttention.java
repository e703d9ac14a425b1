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
 *   forward      q, k, v = q_proj(x), k_proj(x), v_proj(x), each holding h heads side by side [..., seq, h·d_k]
 *                q, k    = rope(q, pos), rope(k, pos)        (same rotation for every head; skipped without RoPE)
 *                s       = q · kᵀ / sqrt(d_k) per head,  s[i, j] = −∞ for j &gt; i   (a query sees only itself and the past)
 *                y       = output_proj(merge heads(softmax(s) · v))
 * </pre>
 * Head i owns rows i·d_k … (i+1)·d_k − 1 of each projection's output, as PyTorch's {@code view(…, h, d_k)}.
 * The heads are never split into a separate [..., h, seq, d_k] copy: RoPE rotates the view [..., seq, h, d_k]
 * and {@link F#causalAttention} reads each head's columns in place.
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
        if (positions != null && (positions.rank() == 0 || positions.dim(-1) != seq)) {
            throw new IllegalArgumentException("CausalSelfAttention: positions " + positions.shape() + " must be [..., "
                    + seq + "] or [" + seq + "] for input " + x.shape());
        }
        Tensor q = qProj.forward(x);
        Tensor k = kProj.forward(x);
        Tensor v = vProj.forward(x);
        if (rope != null) {
            // [..., seq] → [..., seq, 1]: one position per token, the same for each of its heads
            Tensor pos = positions == null ? Tensor.ofInts(range(seq), seq, 1) : positions.unsqueeze(-1);
            q = rotate(q, pos);
            k = rotate(k, pos);
        }
        return outputProj.forward(F.causalAttention(q, k, v, numHeads));
    }

    /** RoPE on the heads view [..., seq, h, d_k] of t [..., seq, d_model]. */
    private Tensor rotate(Tensor t, Tensor pos) {
        int r = t.rank();
        int[] heads = Arrays.copyOf(t.shape().dims(), r + 1);
        heads[r - 1] = numHeads;
        heads[r] = dModel / numHeads;
        return rope.forward(t.reshape(heads), pos).reshape(t.shape().dims());
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        Arrays.setAll(r, i -> i);
        return r;
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
