package dev.jgrad.nn.tokenizer;

/**
 * The UTF-8 rules the tokenizers share: which bytes form a well-formed sequence, and how a Java string with an
 * unpaired surrogate is read.
 */
final class Utf8 {
    private Utf8() {}

    /**
     * Length (1 to 4) of the well-formed UTF-8 sequence starting at {@code b[i]}, or 0 when none starts there. The
     * well-formed sequences are those of Unicode's Table 3-7:
     *
     * <pre>
     *   00..7F
     *   C2..DF  80..BF
     *   E0      A0..BF  80..BF          (no overlong 3-byte forms)
     *   E1..EC  80..BF  80..BF
     *   ED      80..9F  80..BF          (no surrogates D800..DFFF)
     *   EE..EF  80..BF  80..BF
     *   F0      90..BF  80..BF  80..BF  (no overlong 4-byte forms)
     *   F1..F3  80..BF  80..BF  80..BF
     *   F4      80..8F  80..BF  80..BF  (nothing above U+10FFFF)
     * </pre>
     */
    static int wellFormedLength(byte[] b, int i) {
        int b0 = b[i] & 0xFF;
        if (b0 < 0x80) return 1;
        int n;
        int lo = 0x80, hi = 0xBF; // allowed range of the second byte
        if (b0 >= 0xC2 && b0 <= 0xDF) n = 2;
        else if (b0 >= 0xE0 && b0 <= 0xEF) {
            n = 3;
            if (b0 == 0xE0) lo = 0xA0;
            if (b0 == 0xED) hi = 0x9F;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            n = 4;
            if (b0 == 0xF0) lo = 0x90;
            if (b0 == 0xF4) hi = 0x8F;
        } else return 0;
        if (i + n > b.length) return 0;
        int b1 = b[i + 1] & 0xFF;
        if (b1 < lo || b1 > hi) return 0;
        for (int k = 2; k < n; k++) {
            int bk = b[i + k] & 0xFF;
            if (bk < 0x80 || bk > 0xBF) return 0;
        }
        return n;
    }

    /** {@code s} with every unpaired surrogate replaced by U+FFFD; {@code s} itself when it has none. */
    static String withoutLoneSurrogates(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean lone;
            if (Character.isHighSurrogate(c)) {
                lone = i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
                if (!lone) {
                    if (out != null) out.append(c).append(s.charAt(i + 1));
                    i++;
                    continue;
                }
            } else lone = Character.isLowSurrogate(c);
            if (lone && out == null) out = new StringBuilder(s.length()).append(s, 0, i);
            if (out != null) out.append(lone ? '\uFFFD' : c);
        }
        return out == null ? s : out.toString();
    }

    /** Whether {@code s} has no unpaired surrogate, so that its UTF-8 encoding decodes back to {@code s}. */
    static boolean isWellFormed(String s) {
        return withoutLoneSurrogates(s) == s;
    }
}
