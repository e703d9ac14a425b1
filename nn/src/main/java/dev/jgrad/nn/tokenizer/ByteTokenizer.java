package dev.jgrad.nn.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;

/**
 * The simplest tokenizer: one token per byte.
 *
 * <pre>
 *   ids     byte value b  →  id b            (0 ≤ b &lt; 256)
 *           special token k  →  id 256 + k   (in the order given)
 *   vocab   256 + number of special tokens
 * </pre>
 *
 * Special tokens are matched as described in {@link Tokenizer}; every other byte, valid UTF-8 or not, is its own
 * token, so encoding never fails and {@code decodeBytes(encodeBytes(b))} is {@code b}.
 */
public final class ByteTokenizer implements Tokenizer {
    private static final int[] BYTE_IDS = new int[256];

    static {
        for (int b = 0; b < 256; b++) BYTE_IDS[b] = b;
    }

    private final SpecialTokens specials;
    private final byte[][] specialBytes;

    /** A byte tokenizer with no special tokens: vocabulary 256. */
    public ByteTokenizer() {
        this(List.of());
    }

    /** A byte tokenizer whose special token k gets id 256 + k. */
    public ByteTokenizer(List<String> specialTokens) {
        List<String> tokens = SpecialTokens.check("ByteTokenizer", specialTokens);
        int[] ids = new int[tokens.size()];
        specialBytes = new byte[tokens.size()][];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = 256 + k;
            specialBytes[k] = tokens.get(k).getBytes(StandardCharsets.UTF_8);
        }
        specials = new SpecialTokens(tokens, ids);
    }

    @Override
    public int[] encode(String text) {
        return specials.encode(text, ByteTokenizer::encodeOrdinary);
    }

    @Override
    public int[] encodeBytes(byte[] bytes) {
        if (specialBytes.length == 0) {
            int[] ids = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xFF;
            return ids;
        }
        return specials.encodeBytes(bytes, ByteTokenizer::encodeOrdinary, BYTE_IDS);
    }

    private static void encodeOrdinary(String text, IntList out) {
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) out.add(b & 0xFF);
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            checkId("decode", id, i);
            if (id < 256) out.write(id);
            else out.writeBytes(specialBytes[id - 256]);
        }
        return out.toByteArray();
    }

    @Override
    public int vocabSize() {
        return 256 + specialBytes.length;
    }

    @Override
    public byte[] tokenBytes(int id) {
        checkId("tokenBytes", id, -1);
        return id < 256 ? new byte[] {(byte) id} : specialBytes[id - 256].clone();
    }

    @Override
    public List<String> specialTokens() {
        return specials.tokens();
    }

    @Override
    public OptionalInt specialTokenId(String token) {
        return specials.id(token);
    }

    private void checkId(String op, int id, int position) {
        if (id < 0 || id >= vocabSize())
            throw new IllegalArgumentException(op + ": id " + id + (position >= 0 ? " at position " + position : "")
                    + " is outside [0, " + vocabSize() + ")");
    }

    @Override
    public String toString() {
        return "ByteTokenizer(vocab " + vocabSize() + ", special " + specials.tokens() + ")";
    }
}
