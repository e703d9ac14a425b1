package dev.jgrad.nn.data;

/**
 * A corpus split into a training part and a validation part, both contiguous: the last ⌊n·f⌉ tokens (f the
 * validation fraction, rounded to nearest) are validation and the rest, before them, training. Contiguous parts keep
 * windows from straddling the two, and nothing the model trains on is evaluated.
 */
public record TokenDataset(TokenSequence train, TokenSequence val) {
    /** @throws IllegalArgumentException if valFraction is not in [0, 1) or the training part would be empty */
    public static TokenDataset split(TokenSequence tokens, double valFraction) {
        if (!(valFraction >= 0 && valFraction < 1))
            throw new IllegalArgumentException("tokenDataset: valFraction must be in [0, 1), got " + valFraction);
        int n = tokens.size();
        int nVal = (int) Math.round(n * valFraction);
        if (n - nVal <= 0)
            throw new IllegalArgumentException(
                    "tokenDataset: " + n + " tokens leave no training data with valFraction " + valFraction);
        return new TokenDataset(tokens.slice(0, n - nVal), tokens.slice(n - nVal, n));
    }

    /** Random training batches over {@link #train()}. */
    public Batcher trainBatcher(int batchSize, int contextLength, long seed) {
        return new Batcher(train, batchSize, contextLength, seed);
    }

    /** Consecutive windows over {@link #val()}. */
    public EvalWindows valWindows(int contextLength) {
        return new EvalWindows(val, contextLength);
    }
}
