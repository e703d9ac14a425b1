package dev.jgrad.nn.sampling;

import java.util.Arrays;
import java.util.Random;

/**
 * Draws the next token from a row of logits with temperature and nucleus (top-p) sampling.
 *
 * <pre>
 *   p_i = softmax(z / τ)_i                      (τ = 0: always the arg-max, "greedy")
 *   keep the smallest set of most likely tokens whose probabilities sum to ≥ top-p, renormalize, draw
 * </pre>
 *
 * Ties in probability are broken by the lower token id, so a seed fixes the draw exactly.
 */
public final class Sampler {
    private final double temperature;
    private final double topP;
    private final Random random;

    public Sampler(double temperature, double topP, long seed) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("sampler: temperature must be ≥ 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("sampler: top-p must be in (0, 1], got " + topP);
        }
        this.temperature = temperature;
        this.topP = topP;
        this.random = new Random(seed);
    }

    /** The next token id for {@code logits[from, from + vocab)}. */
    public int sample(float[] logits, int from, int vocab) {
        if (vocab <= 0) {
            throw new IllegalArgumentException("sampler: empty vocabulary");
        }
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (logits[from + i] > logits[from + best]) {
                    best = i;
                }
            }
            return best;
        }
        double[] p = new double[vocab];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[from + i] / temperature);
        }
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp(logits[from + i] / temperature - max);
            total += p[i];
        }
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        int keep = 0;
        double kept = 0;
        while (keep < vocab && (keep == 0 || kept < topP * total)) {
            kept += p[order[keep++]];
        }
        double u = random.nextDouble() * kept;
        for (int k = 0; k < keep; k++) {
            u -= p[order[k]];
            if (u < 0) {
                return order[k];
            }
        }
        return order[keep - 1];
    }
}
