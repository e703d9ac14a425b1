package dev.jgrad.nn.data;

import java.util.Objects;

/** A read-only sequence of token ids: an {@code int[]}, a memory-mapped {@link TokenFile}, or a slice of either. */
public interface TokenSequence {
    int size();

    /** The token at position {@code i}, 0 ≤ i &lt; size(). */
    int get(int i);

    /** Tokens [from, to) of this sequence, as a view. */
    default TokenSequence slice(int from, int to) {
        Objects.checkFromToIndex(from, to, size());
        TokenSequence whole = this;
        return new TokenSequence() {
            @Override
            public int size() {
                return to - from;
            }

            @Override
            public int get(int i) {
                return whole.get(from + Objects.checkIndex(i, to - from));
            }
        };
    }

    /** Copies the tokens into a new array. */
    default int[] toArray() {
        int[] out = new int[size()];
        for (int i = 0; i < out.length; i++) out[i] = get(i);
        return out;
    }

    /** A view of {@code tokens} (not copied). */
    static TokenSequence of(int... tokens) {
        return new TokenSequence() {
            @Override
            public int size() {
                return tokens.length;
            }

            @Override
            public int get(int i) {
                return tokens[i];
            }
        };
    }
}
