package dev.jgrad.examples.train;

import dev.jgrad.nn.modules.TransformerLM;
import java.util.Locale;

/**
 * Refuses a model config too large for this JVM before a single weight is allocated, so that a
 * damaged or hostile model.json ends in a sentence instead of an OutOfMemoryError.
 *
 * <pre>
 *   parameters  P = V·d (embeddings) + L·(4·d² + 3·d·d_ff + 2·d) + d + d·V (lm_head)     float32, 4 bytes each
 *   RoPE        8·T·d_k bytes                             (cos and sin tables, float64, T = context_length)
 *   loading     4·P + RoPE bytes                          (the weights)
 *   training    16·P + RoPE + 12·B·T·V bytes              (weights, gradients, two AdamW moments; logits,
 *                                                          their gradient and softmax for one batch)
 * </pre>
 *
 * The training figure leaves out the other activations, so passing the check does not promise the run
 * fits; failing it means it cannot. Limits: {@link Runtime#maxMemory()}, and 2³¹ − 1 elements per tensor.
 */
final class ModelBudget {
    private ModelBudget() {}

    /** The number of parameters of a {@link TransformerLM} with config {@code c}. */
    static long parameters(TransformerLM.Config c) {
        long d = c.dModel();
        long perLayer = 4 * d * d + 3 * d * c.dFf() + 2 * d;
        return 2 * c.vocabSize() * d + c.numLayers() * perLayer + d;
    }

    /** Throws {@link UserError} if the weights of {@code c} cannot be held in this JVM. */
    static void checkLoading(TransformerLM.Config c, String source) {
        check(c, source, 4.0 * parameters(c) + rope(c), "its weights");
    }

    /** Throws {@link UserError} if {@code c} cannot be trained at {@code batchSize} in this JVM. */
    static void checkTraining(TransformerLM.Config c, int batchSize, String source) {
        double logits = 12.0 * batchSize * c.contextLength() * (double) c.vocabSize();
        check(c, source, 16.0 * parameters(c) + rope(c) + logits, "training it");
    }

    private static double rope(TransformerLM.Config c) {
        return 8.0 * c.contextLength() * c.dK();
    }

    private static void check(TransformerLM.Config c, String source, double bytes, String what) {
        long largest = Math.max(
                Math.max((long) c.vocabSize() * c.dModel(), (long) c.dModel() * Math.max(c.dModel(), c.dFf())),
                (long) c.contextLength() * (c.dK() / 2));
        if (largest > Integer.MAX_VALUE) {
            throw new UserError(String.format(
                    Locale.ROOT,
                    "%s: a weight of this model would hold %,d numbers, more than one Java array can (%,d)",
                    source,
                    largest,
                    Integer.MAX_VALUE));
        }
        long max = Runtime.getRuntime().maxMemory();
        if (bytes > max) {
            throw new UserError(String.format(
                    Locale.ROOT,
                    "%s: a model with %,d parameters needs about %.1f GB for %s; this JVM may use %.1f GB"
                            + " (raise -Xmx, or check the file)",
                    source,
                    parameters(c),
                    bytes / 1e9,
                    what,
                    max / 1e9));
        }
    }
}
