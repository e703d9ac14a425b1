package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.functional.F;
import java.util.Random;

/**
 * A GPT-2-style language model assembled from the same parts as {@link TransformerLM}, with no new engine
 * code: learned position embeddings instead of RoPE, LayerNorm instead of RMSNorm, a GELU MLP with biases
 * instead of SwiGLU, biased attention projections, and the output layer tied to the token embeddings.
 * <pre>
 *   x      = wte(ids) + wpe(0 … T−1)
 *   block  h = x + attn(ln_1(x));  y = h + mlp(ln_2(h)),  mlp(x) = c_proj(geluTanh(c_fc(x))), c_fc: d → 4d
 *   logits = ln_f(x) · wteᵀ                         (tied: no lm_head.weight of its own)
 * </pre>
 * Test-only: it shows the layers compose, not a loader for OpenAI's checkpoints (those fuse q, k, v into one
 * {@code c_attn} and store Conv1D weights transposed).
 */
final class Gpt2StyleLM extends Module {
    static final class Mlp extends Module {
        private final Linear cFc;
        private final Linear cProj;

        Mlp(int d, DType dtype, Random rnd) {
            cFc = registerModule("c_fc", new Linear(d, 4 * d, true, dtype, rnd));
            cProj = registerModule("c_proj", new Linear(4 * d, d, true, dtype, rnd));
        }

        Tensor forward(Tensor x) {
            return cProj.forward(F.geluTanh(cFc.forward(x)));
        }
    }

    static final class Block extends Module {
        private final LayerNorm ln1;
        private final CausalSelfAttention attn;
        private final LayerNorm ln2;
        private final Mlp mlp;

        Block(int d, int heads, DType dtype, Random rnd) {
            ln1 = registerModule("ln_1", new LayerNorm(d, 1e-5, dtype));
            attn = registerModule("attn", new CausalSelfAttention(d, heads, null, true, dtype, rnd));
            ln2 = registerModule("ln_2", new LayerNorm(d, 1e-5, dtype));
            mlp = registerModule("mlp", new Mlp(d, dtype, rnd));
        }

        Tensor forward(Tensor x) {
            Tensor h = x.add(attn.forward(ln1.forward(x)));
            return h.add(mlp.forward(ln2.forward(h)));
        }
    }

    private final int contextLength;
    private final Embedding wte;
    private final Embedding wpe;
    private final ModuleList<Block> h;
    private final LayerNorm lnF;

    Gpt2StyleLM(int vocab, int contextLength, int d, int layers, int heads, DType dtype, Random rnd) {
        this.contextLength = contextLength;
        wte = registerModule("wte", new Embedding(vocab, d, dtype, rnd));
        wpe = registerModule("wpe", new Embedding(contextLength, d, dtype, rnd));
        h = registerModule("h", new ModuleList<>());
        for (int i = 0; i < layers; i++) {
            h.add(new Block(d, heads, dtype, rnd));
        }
        lnF = registerModule("ln_f", new LayerNorm(d, 1e-5, dtype));
    }

    Embedding wpe() {
        return wpe;
    }

    /** int32 ids [B, T] or [T], T ≤ context length → logits [B, T, vocab] or [T, vocab]. */
    Tensor forward(Tensor ids) {
        int t = ids.dim(-1);
        if (t > contextLength) {
            throw new IllegalArgumentException(
                    "Gpt2StyleLM: sequence length " + t + " exceeds the context length " + contextLength);
        }
        int[] positions = new int[t];
        for (int i = 0; i < t; i++) {
            positions[i] = i;
        }
        Tensor x = wte.forward(ids).add(wpe.forward(Tensor.ofInts(positions))); // [T, d] broadcasts over B
        for (Block block : h) {
            x = block.forward(x);
        }
        return F.linear(lnF.forward(x), wte.weight(), null); // tied output layer
    }
}
