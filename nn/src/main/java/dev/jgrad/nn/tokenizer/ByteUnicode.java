package dev.jgrad.nn.tokenizer;

/**
 * GPT-2's way of writing bytes as printable characters, used by {@code vocab.json} and {@code merges.txt}.
 *
 * <pre>
 *   byte b  →  char b                 for the 188 printable bytes  '!'..'~', '¡'..'¬', '®'..'ÿ'
 *   byte b  →  char 256 + n           for the n-th (from 0) of the other 68 bytes, in increasing byte order
 * </pre>
 *
 * So space (0x20) is written {@code Ġ} (U+0120), newline (0x0A) {@code Ċ} (U+010A), and no token string holds a
 * space or a control character. The map is one-to-one, so every byte string has exactly one written form.
 */
public final class ByteUnicode {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[256 + 68];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    private ByteUnicode() {}

    /** The character that stands for byte value {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b];
    }

    /** The byte that character {@code c} stands for, or −1 when {@code c} is outside the 256-character alphabet. */
    public static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The written form of {@code bytes}: one character per byte. */
    public static String toUnicode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /**
     * The bytes written as {@code s}.
     *
     * @throws IllegalArgumentException when {@code s} holds a character outside the alphabet, naming it
     */
    public static byte[] toBytes(String s) {
        byte[] out = new byte[s.length()];
        for (int i = 0; i < s.length(); i++) {
            int b = byteOf(s.charAt(i));
            if (b < 0)
                throw new IllegalArgumentException("byte-level token " + SpecialTokens.quote(s) + ": character "
                        + String.format("U+%04X", (int) s.charAt(i)) + " at index " + i
                        + " is not one of GPT-2's 256 byte characters");
            out[i] = (byte) b;
        }
        return out;
    }
}
