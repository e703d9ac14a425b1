package dev.jgrad.nn.data;

/**
 * B sequences of T tokens and their next-token targets, row-major: row b is {@code inputs[b·T .. b·T + T)}, and
 * {@code targets[b·T + t]} is the token that follows {@code inputs[b·T + t]} in the corpus.
 *
 * <p>A record compares its arrays by identity; compare batches with {@link java.util.Arrays#equals(int[], int[])} on
 * the components.
 */
public record Batch(int batchSize, int contextLength, int[] inputs, int[] targets) {
    public Batch {
        if (batchSize <= 0 || contextLength <= 0)
            throw new IllegalArgumentException(
                    "batch: batchSize and contextLength must be positive, got " + batchSize + " × " + contextLength);
        int n = batchSize * contextLength;
        if (inputs.length != n || targets.length != n)
            throw new IllegalArgumentException("batch: inputs has " + inputs.length + " and targets " + targets.length
                    + " tokens; " + batchSize + " × " + contextLength + " needs " + n);
    }

    /** inputs[b, t]. */
    public int input(int b, int t) {
        return inputs[b * contextLength + t];
    }

    /** targets[b, t], the token after inputs[b, t]. */
    public int target(int b, int t) {
        return targets[b * contextLength + t];
    }

    /** Fills row b of a batch with the T-token window starting at {@code start}, targets shifted by one. */
    static void copyWindow(TokenSequence tokens, int start, int b, int contextLength, int[] inputs, int[] targets) {
        int row = b * contextLength;
        int prev = tokens.get(start);
        for (int t = 0; t < contextLength; t++) {
            int next = tokens.get(start + t + 1);
            inputs[row + t] = prev;
            targets[row + t] = next;
            prev = next;
        }
    }

    /** The check shared by random and sequential batching: positive sizes and room for one window plus its target. */
    static void checkSizes(String op, int tokens, int batchSize, int contextLength) {
        if (batchSize <= 0) throw new IllegalArgumentException(op + ": batchSize must be positive, got " + batchSize);
        if (contextLength <= 0)
            throw new IllegalArgumentException(op + ": contextLength must be positive, got " + contextLength);
        if (tokens <= contextLength)
            throw new IllegalArgumentException(op + ": " + tokens + " tokens are too few for one window of "
                    + "contextLength " + contextLength + " (needs at least " + (contextLength + 1L)
                    + ": T inputs plus the target after them)");
    }
}
