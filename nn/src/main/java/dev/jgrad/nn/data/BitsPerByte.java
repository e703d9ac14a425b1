package dev.jgrad.nn.data;

import java.util.Locale;

/**
 * Bits per byte: a model's loss in units that do not depend on its tokenizer, so a byte-level model, a BPE model and
 * a corpus's entropy floor ({@link SyntheticCorpus#entropyRateBitsPerByte()}) can be compared.
 * <pre>
 *   bpb = (mean loss in nats per token) · tokens / (bytes · ln 2)
 * </pre>
 * The numerator is the total loss of the text in nats; dividing by ln 2 turns nats into bits, and by bytes spreads
 * them over the text's UTF-8 bytes. For a byte-level tokenizer tokens = bytes and bpb = loss / ln 2.
 */
public final class BitsPerByte {
    private BitsPerByte() {}

    /** Converts a mean cross-entropy over {@code tokens} tokens that encode {@code bytes} bytes into bits per byte. */
    public static double bitsPerByte(double meanNatsPerToken, long tokens, long bytes) {
        if (tokens <= 0 || bytes <= 0)
            throw new IllegalArgumentException(
                    "bitsPerByte: tokens and bytes must be positive, got tokens " + tokens + ", bytes " + bytes);
        return meanNatsPerToken * tokens / (bytes * Math.log(2));
    }

    /**
     * The quality line {@code val 0.912 bpb, floor 0.874 bpb, gap 4.3%}, where gap = (val − floor) / floor; it is
     * negative when validation noise puts val below the floor.
     */
    public static String format(double valBpb, double floorBpb) {
        if (!(floorBpb > 0))
            throw new IllegalArgumentException("bitsPerByte.format: floor must be positive, got " + floorBpb);
        return String.format(
                Locale.ROOT,
                "val %.3f bpb, floor %.3f bpb, gap %.1f%%",
                valBpb,
                floorBpb,
                100 * (valBpb - floorBpb) / floorBpb);
    }
}
