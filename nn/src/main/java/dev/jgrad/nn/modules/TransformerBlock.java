package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import java.util.Random;

/**
 * A pre-norm Transformer block, as CS336's.
 * <pre>
 *   sub-modules  attn: CausalSelfAttention,  ln1: RMSNorm,  ffn: SwiGLU,  ln2: RMSNorm   (in this order)
 *   shapes       x [..., seq, d_model]  →  y [..., seq, d_model]
 *   forward      h = x + attn(ln1(x))
 *                y = h + ffn(ln2(h))
 * </pre>
 * Normalizing each sub-layer's input, not the residual stream, leaves a clean identity path from the
 * embeddings to the output, which keeps deep stacks trainable.
 */
public final class TransformerBlock extends Module {
    private final CausalSelfAttention attn;
    private final RMSNorm ln1;
    private final SwiGLU ffn;
    private final RMSNorm ln2;

    public TransformerBlock(int dModel, int numHeads, int dFf, RotaryEmbedding rope, Random rnd) {
        this(dModel, numHeads, dFf, rope, DType.FLOAT32, rnd);
    }

    public TransformerBlock(int dModel, int numHeads, int dFf, RotaryEmbedding rope, DType dtype, Random rnd) {
        attn = registerModule("attn", new CausalSelfAttention(dModel, numHeads, rope, false, dtype, rnd));
        ln1 = registerModule("ln1", new RMSNorm(dModel, 1e-5, dtype));
        ffn = registerModule("ffn", new SwiGLU(dModel, dFf, dtype, rnd));
        ln2 = registerModule("ln2", new RMSNorm(dModel, 1e-5, dtype));
    }

    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /** As {@link #forward(Tensor)} with token positions for RoPE (null means 0 … seq − 1). */
    public Tensor forward(Tensor x, Tensor positions) {
        Tensor h = x.add(attn.forward(ln1.forward(x), positions));
        return h.add(ffn.forward(ln2.forward(h)));
    }

    public CausalSelfAttention attn() {
        return attn;
    }

    public RMSNorm ln1() {
        return ln1;
    }

    public SwiGLU ffn() {
        return ffn;
    }

    public RMSNorm ln2() {
        return ln2;
    }
}
