package dev.jgrad.nn.data;

/**
 * Random training batches: B windows of T tokens at independent uniform starts, targets shifted by one.
 * <pre>
 *   s_b ~ Uniform{0, …, n − T − 1}                    (n tokens; the last start still has a target for every input)
 *   x[b] = tokens[s_b .. s_b + T)     y[b] = tokens[s_b + 1 .. s_b + T + 1)
 * </pre>
 * Starts come from a {@link SplitMix64} whose whole state is one {@code long}: save {@link #state()} with a
 * checkpoint and {@link #setState(long)} on resume, and the batches continue exactly as if the run had never
 * stopped. Each batch draws exactly B numbers, so the state after k batches does not depend on the tokens.
 */
public final class Batcher {
    private final TokenSequence tokens;
    private final int batchSize;
    private final int contextLength;
    private final SplitMix64 rng;

    /**
     * @throws IllegalArgumentException if batchSize or contextLength is not positive, or tokens.size() ≤
     *     contextLength (no room for one window and its target)
     */
    public Batcher(TokenSequence tokens, int batchSize, int contextLength, long seed) {
        Batch.checkSizes("batcher", tokens.size(), batchSize, contextLength);
        this.tokens = tokens;
        this.batchSize = batchSize;
        this.contextLength = contextLength;
        this.rng = new SplitMix64(seed);
    }

    /** The next random batch. */
    public Batch next() {
        int[] x = new int[batchSize * contextLength], y = new int[batchSize * contextLength];
        for (int b = 0; b < batchSize; b++) {
            int start = rng.nextInt(tokens.size() - contextLength); // in [0, n − T − 1]
            Batch.copyWindow(tokens, start, b, contextLength, x, y);
        }
        return new Batch(batchSize, contextLength, x, y);
    }

    /** The sampler's state, to save with a checkpoint. */
    public long state() {
        return rng.state();
    }

    /** Restores a state from {@link #state()}: the following batches are the ones that came after it. */
    public void setState(long state) {
        rng.setState(state);
    }

    public int batchSize() {
        return batchSize;
    }

    public int contextLength() {
        return contextLength;
    }
}
