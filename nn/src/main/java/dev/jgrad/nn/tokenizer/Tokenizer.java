package dev.jgrad.nn.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;

/**
 * Turns text into token ids and back.
 *
 * <pre>
 *   encode(text)         String  →  int[]   (the UTF-8 bytes of text; see below for unpaired surrogates)
 *   encodeBytes(bytes)   byte[]  →  int[]   (any bytes, valid UTF-8 or not)
 *   decodeBytes(ids)     int[]   →  byte[]  (concatenation of each token's bytes)
 *   decode(ids)          int[]   →  String  (decodeBytes, then UTF-8 with U+FFFD for malformed bytes)
 * </pre>
 *
 * <p>Every tokenizer here round-trips exactly: {@code decodeBytes(encodeBytes(b))} equals {@code b} for every byte
 * array, and {@code decode(encode(s))} equals {@code s} for every well-formed string. A Java string can hold an
 * unpaired surrogate, which has no UTF-8 form; {@code encode} treats it as U+FFFD, as Python's tokenizers do.
 *
 * <p>Special tokens (such as {@code <|endoftext|>}) are found in the text before anything else, leftmost first and,
 * of those starting at the same place, longest first. Each occurrence becomes its one id, and the text around it is
 * encoded on its own, so ordinary tokens never span a special token.
 */
public interface Tokenizer {

    /** Ids for the UTF-8 bytes of {@code text}, special tokens included. */
    int[] encode(String text);

    /** Ids for arbitrary {@code bytes}; {@code decodeBytes} gives the same bytes back. */
    int[] encodeBytes(byte[] bytes);

    /** The bytes of the tokens {@code ids}, concatenated; an id outside {@code [0, vocabSize())} is an error. */
    byte[] decodeBytes(int[] ids);

    /** {@link #decodeBytes} read as UTF-8, with U+FFFD in place of malformed bytes. */
    default String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /** Number of ids: every id is in {@code [0, vocabSize())}. */
    int vocabSize();

    /** The bytes of token {@code id} (a copy). */
    byte[] tokenBytes(int id);

    /** The registered special tokens, in the order they were given. */
    List<String> specialTokens();

    /** The id of special token {@code token}, or empty when it is not registered. */
    OptionalInt specialTokenId(String token);
}
