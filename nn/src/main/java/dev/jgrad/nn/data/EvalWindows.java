package dev.jgrad.nn.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The whole sequence cut into consecutive non-overlapping windows, for evaluation: every token is scored once, in
 * order, with no randomness.
 * <pre>
 *   window i:  x = tokens[iT .. iT + T)    y = tokens[iT + 1 .. iT + T + 1)    for 0 ≤ i &lt; ⌊(n − 1) / T⌋
 * </pre>
 * Only full windows are used; up to T − 1 trailing targets are left out. Each window starts with an empty context,
 * so its first predictions see little history (the usual price of non-overlapping evaluation).
 */
public final class EvalWindows {
    private final TokenSequence tokens;
    private final int contextLength;

    /** @throws IllegalArgumentException if contextLength is not positive or tokens.size() ≤ contextLength */
    public EvalWindows(TokenSequence tokens, int contextLength) {
        Batch.checkSizes("evalWindows", tokens.size(), 1, contextLength);
        this.tokens = tokens;
        this.contextLength = contextLength;
    }

    /** ⌊(n − 1) / T⌋ full windows. */
    public int count() {
        return (tokens.size() - 1) / contextLength;
    }

    /** Windows first, first + 1, …, first + rows − 1 as one batch of {@code rows} rows. */
    public Batch batch(int first, int rows) {
        if (rows <= 0 || first < 0 || first + rows > count())
            throw new IllegalArgumentException("evalWindows: windows [" + first + ", " + (first + rows)
                    + ") are not a non-empty part of [0, " + count() + ")");
        int[] x = new int[rows * contextLength], y = new int[rows * contextLength];
        for (int b = 0; b < rows; b++) Batch.copyWindow(tokens, (first + b) * contextLength, b, contextLength, x, y);
        return new Batch(rows, contextLength, x, y);
    }

    /** All windows in order, {@code batchSize} per batch; the last batch holds the remainder. */
    public List<Batch> batches(int batchSize) {
        if (batchSize <= 0)
            throw new IllegalArgumentException("evalWindows: batchSize must be positive, got " + batchSize);
        List<Batch> out = new ArrayList<>();
        for (int first = 0; first < count(); first += batchSize)
            out.add(batch(first, Math.min(batchSize, count() - first)));
        return out;
    }

    public int contextLength() {
        return contextLength;
    }
}
