package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.io.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A decoder-only Transformer language model, as CS336 assignment 1's: token ids in, next-token logits out.
 * <pre>
 *   sub-modules  token_embeddings: Embedding vocab → d_model
 *                layers: ModuleList of num_layers TransformerBlocks (RoPE with θ = rope_theta, d_k = d_model / h)
 *                ln_final: RMSNorm,  lm_head: Linear d_model → vocab (not tied to the embeddings)
 *   shapes       ids int32 [B, T] or [T], T ≤ context_length  →  logits [B, T, vocab] or [T, vocab]
 *   forward      x = token_embeddings(ids);  x = block(x) for each layer;  logits = lm_head(ln_final(x))
 * </pre>
 * Parameter names match CS336's PyTorch module, so its state dicts load unchanged:
 * {@code token_embeddings.weight}, {@code layers.{i}.attn.{q,k,v,output}_proj.weight}, {@code layers.{i}.ln1.weight},
 * {@code layers.{i}.ffn.w{1,2,3}.weight}, {@code layers.{i}.ln2.weight}, {@code ln_final.weight},
 * {@code lm_head.weight}. Logits at position t depend only on tokens 0 … t.
 */
public final class TransformerLM extends Module {
    /**
     * The model's sizes, with CS336's keys in {@link #fromJson}: vocab_size, context_length, d_model,
     * num_layers, num_heads, d_ff, rope_theta.
     */
    public record Config(
            int vocabSize, int contextLength, int dModel, int numLayers, int numHeads, int dFf, double ropeTheta) {
        /** Checks every size is positive, num_heads divides d_model, and d_k = d_model / num_heads is even. */
        public Config {
            if (vocabSize <= 0
                    || contextLength <= 0
                    || dModel <= 0
                    || numLayers <= 0
                    || numHeads <= 0
                    || dFf <= 0
                    || !(ropeTheta > 0)
                    || Double.isInfinite(ropeTheta)) {
                throw new IllegalArgumentException("TransformerLM.Config: every size and rope_theta must be positive,"
                        + " got " + describe(vocabSize, contextLength, dModel, numLayers, numHeads, dFf, ropeTheta));
            }
            if (dModel % numHeads != 0) {
                throw new IllegalArgumentException(
                        "TransformerLM.Config: num_heads " + numHeads + " must divide d_model " + dModel);
            }
            if ((dModel / numHeads) % 2 != 0) {
                throw new IllegalArgumentException("TransformerLM.Config: RoPE needs an even d_k, but d_model " + dModel
                        + " / num_heads " + numHeads + " = " + dModel / numHeads);
            }
        }

        /** d_k = d_model / num_heads, each head's width. */
        public int dK() {
            return dModel / numHeads;
        }

        /**
         * Reads a config from parsed JSON (see {@link Json#parse}) with CS336's keys; other keys are ignored.
         * Each of the seven keys must be present; the sizes must be integers in [1, 2³¹ − 1], rope_theta a number.
         */
        public static Config fromJson(Map<String, ?> json) {
            return new Config(
                    size(json, "vocab_size"),
                    size(json, "context_length"),
                    size(json, "d_model"),
                    size(json, "num_layers"),
                    size(json, "num_heads"),
                    size(json, "d_ff"),
                    Json.number(Json.member(json, "rope_theta", "config"), "config: \"rope_theta\""));
        }

        private static int size(Map<String, ?> json, String key) {
            return (int)
                    Json.integer(Json.member(json, key, "config"), "config: \"" + key + "\"", 1, Integer.MAX_VALUE);
        }

        /** The config as a JSON object with CS336's keys, for {@link Json#write}. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vocab_size", vocabSize);
            m.put("context_length", contextLength);
            m.put("d_model", dModel);
            m.put("num_layers", numLayers);
            m.put("num_heads", numHeads);
            m.put("d_ff", dFf);
            m.put("rope_theta", ropeTheta);
            return m;
        }

        private static String describe(int v, int c, int d, int l, int h, int f, double t) {
            return "vocab_size " + v + ", context_length " + c + ", d_model " + d + ", num_layers " + l + ", num_heads "
                    + h + ", d_ff " + f + ", rope_theta " + t;
        }
    }

    private final Config config;
    private final RotaryEmbedding rope;
    private final Embedding tokenEmbeddings;
    private final ModuleList<TransformerBlock> layers;
    private final RMSNorm lnFinal;
    private final Linear lmHead;

    /** float32. */
    public TransformerLM(Config config, Random rnd) {
        this(config, DType.FLOAT32, rnd);
    }

    public TransformerLM(Config config, DType dtype, Random rnd) {
        this.config = config;
        rope = new RotaryEmbedding(config.ropeTheta(), config.dK(), config.contextLength());
        tokenEmbeddings =
                registerModule("token_embeddings", new Embedding(config.vocabSize(), config.dModel(), dtype, rnd));
        layers = registerModule("layers", new ModuleList<>());
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(new TransformerBlock(config.dModel(), config.numHeads(), config.dFf(), rope, dtype, rnd));
        }
        lnFinal = registerModule("ln_final", new RMSNorm(config.dModel(), 1e-5, dtype));
        lmHead = registerModule("lm_head", new Linear(config.dModel(), config.vocabSize(), false, dtype, rnd));
    }

    /** Next-token logits: int32 ids [B, T] or [T] with T ≤ context_length → [B, T, vocab] or [T, vocab]. */
    public Tensor forward(Tensor ids) {
        if (ids.dtype() != DType.INT32 || ids.rank() < 1 || ids.rank() > 2) {
            throw new IllegalArgumentException(
                    "TransformerLM: ids must be int32 [B, T] or [T], got " + ids.dtype() + " " + ids.shape());
        }
        int t = ids.dim(-1);
        if (t == 0 || t > config.contextLength()) {
            throw new IllegalArgumentException("TransformerLM: sequence length " + t + " of ids " + ids.shape()
                    + " is outside [1, " + config.contextLength() + "] (context_length)");
        }
        Tensor x = tokenEmbeddings.forward(ids);
        for (TransformerBlock block : layers) {
            x = block.forward(x);
        }
        return lmHead.forward(lnFinal.forward(x));
    }

    public Config config() {
        return config;
    }

    /** The rotary embedding shared by every layer. */
    public RotaryEmbedding rope() {
        return rope;
    }

    public Embedding tokenEmbeddings() {
        return tokenEmbeddings;
    }

    public ModuleList<TransformerBlock> layers() {
        return layers;
    }

    public RMSNorm lnFinal() {
        return lnFinal;
    }

    public Linear lmHead() {
        return lmHead;
    }
}
