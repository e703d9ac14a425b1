package dev.jgrad.nn.sampling;

import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.autograd.GradScope;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.modules.TransformerLM;
import java.util.Arrays;

/**
 * Autoregressive generation: feed the last {@code context_length} tokens, sample the next one from
 * the logits at the last position, append, repeat. No graph is recorded.
 */
public final class Generator {
    private Generator() {}

    /**
     * The prompt followed by up to {@code maxNewTokens} sampled tokens; stops early after emitting
     * {@code stopId} (pass −1 for none).
     */
    @SuppressWarnings("try") // the noGrad scope exists only to be closed
    public static int[] generate(TransformerLM model, int[] prompt, int maxNewTokens, Sampler sampler, int stopId) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("generate: the prompt needs at least one token");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("generate: max new tokens must be ≥ 0, got " + maxNewTokens);
        }
        int vocab = model.config().vocabSize();
        int context = model.config().contextLength();
        int[] ids = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int n = prompt.length;
        try (GradScope ignored = Autograd.noGrad()) {
            while (n < ids.length) {
                int from = Math.max(0, n - context);
                int len = n - from;
                Tensor logits = model.forward(Tensor.ofInts(Arrays.copyOfRange(ids, from, n), 1, len));
                float[] z = logits.value().floats();
                int next = sampler.sample(z, (len - 1) * vocab, vocab);
                ids[n++] = next;
                if (next == stopId) {
                    break;
                }
            }
        }
        return Arrays.copyOf(ids, n);
    }
}
