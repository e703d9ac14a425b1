package dev.jgrad.nn.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Random damage to valid files, from one seed: byte-level (bit flips, interesting bytes, deletions,
 * duplications, truncation, garbage appended) and text-level for JSON and line formats (tokens
 * replaced by edge-case numbers, strings and structures, brackets dropped, deep nesting injected,
 * invalid UTF-8). Deterministic: the same seed damages the same way.
 */
final class Mutator {
    static final List<String> NUMBERS = List.of(
            "0",
            "-0",
            "-1",
            "1",
            "2",
            "7",
            "255",
            "256",
            "65535",
            "65536",
            "2147483647",
            "2147483648",
            "-2147483649",
            "4294967296",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "18446744073709551615",
            "123456789012345678901234567890",
            "1.5",
            "-1.5",
            "1e308",
            "1e309",
            "-1e309",
            "1e-400",
            "0.0",
            "1E2",
            "100000000000000000000");

    static final List<String> VALUES = List.of(
            "null",
            "true",
            "false",
            "\"\"",
            "\"F32\"",
            "\"F16\"",
            "\"BF16\"",
            "\"I64\"",
            "\"U8\"",
            "\"f32\"",
            "\"\\u0000\"",
            "\"\\ud800\"",
            "\"☃\"",
            "[]",
            "{}",
            "[1]",
            "[-1]",
            "[0]",
            "[0, 0]",
            "[2147483648]",
            "[4611686018427387904, 4]",
            "[3037000500, 3037000500]",
            "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
            "[[1]]",
            "{\"a\": 1}",
            "\"data_offsets\"",
            "\"__metadata__\"");

    /** A JSON string literal, written so that the regex engine does not recurse once per character. */
    private static final String STRING = "\"[^\"\\\\]*+(?:\\\\.[^\"\\\\]*+)*+\"";

    private static final String SYMBOLS = "{}[],:\"\\-+.eE0123456789 \n\tnultrfase☃\u0000\u007f\u2028\ud800\udc00";

    private final Random rnd;

    Mutator(long seed) {
        this.rnd = new Random(seed);
    }

    Random random() {
        return rnd;
    }

    // ---- bytes ----------------------------------------------------------------------------------

    /** One to four byte-level mutations. */
    byte[] bytes(byte[] in) {
        byte[] out = in;
        int n = 1 + rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            out = byteOnce(out);
        }
        return out;
    }

    private byte[] byteOnce(byte[] in) {
        if (in.length == 0) {
            return new byte[] {(byte) rnd.nextInt(256)};
        }
        byte[] out = in.clone();
        switch (rnd.nextInt(8)) {
            case 0: { // flip a bit
                int i = rnd.nextInt(out.length);
                out[i] ^= (byte) (1 << rnd.nextInt(8));
                return out;
            }
            case 1: { // an interesting byte
                byte[] v = {0, (byte) 0xff, 0x7f, (byte) 0x80, '{', '"', '[', ' ', (byte) 0xc0, (byte) 0xed};
                out[rnd.nextInt(out.length)] = v[rnd.nextInt(v.length)];
                return out;
            }
            case 2: // truncate
                return Arrays.copyOf(in, rnd.nextInt(in.length));
            case 3: { // delete a range
                int from = rnd.nextInt(in.length);
                int to = Math.min(in.length, from + 1 + rnd.nextInt(16));
                return concat(Arrays.copyOfRange(in, 0, from), Arrays.copyOfRange(in, to, in.length));
            }
            case 4: { // duplicate a range
                int from = rnd.nextInt(in.length);
                int to = Math.min(in.length, from + 1 + rnd.nextInt(16));
                return concat(
                        Arrays.copyOfRange(in, 0, to),
                        Arrays.copyOfRange(in, from, to),
                        Arrays.copyOfRange(in, to, in.length));
            }
            case 5: { // append garbage
                byte[] junk = new byte[1 + rnd.nextInt(64)];
                rnd.nextBytes(junk);
                return concat(in, junk);
            }
            case 6: { // random bytes over a range
                int from = rnd.nextInt(in.length);
                int len = Math.min(in.length - from, 1 + rnd.nextInt(8));
                for (int i = 0; i < len; i++) {
                    out[from + i] = (byte) rnd.nextInt(256);
                }
                return out;
            }
            default: { // an interesting little-endian integer written over 2, 4 or 8 bytes
                long[] v = {0, 1, -1, 255, 65535, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, 1L << 32
                };
                int width = new int[] {2, 4, 8}[rnd.nextInt(3)];
                if (in.length < width) {
                    return out;
                }
                int at = rnd.nextInt(in.length - width + 1);
                ByteBuffer b =
                        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v[rnd.nextInt(v.length)]);
                System.arraycopy(b.array(), 0, out, at, width);
                return out;
            }
        }
    }

    // ---- text -----------------------------------------------------------------------------------

    /** One to three text-level mutations of JSON (or any text). */
    String json(String in) {
        String out = in;
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            out = jsonOnce(out);
        }
        return out;
    }

    private String jsonOnce(String in) {
        if (in.isEmpty()) {
            return pick(VALUES);
        }
        switch (rnd.nextInt(9)) {
            case 0: // replace a number
                return replaceToken(in, "-?[0-9][0-9.eE+-]*+", pick(NUMBERS));
            case 1: // replace a string or literal
                return replaceToken(in, STRING + "|true|false|null", pick(VALUES));
            case 2: // replace any value after a colon
                return replaceToken(
                        in, "(?<=: ?)(?:" + STRING + "|\\[[^\\[\\]]*+\\]|-?[0-9][0-9.eE+-]*+)", pick(VALUES));
            case 3: { // delete a range
                int from = rnd.nextInt(in.length());
                int to = Math.min(in.length(), from + 1 + rnd.nextInt(8));
                return in.substring(0, from) + in.substring(to);
            }
            case 4: { // insert symbols
                int at = rnd.nextInt(in.length() + 1);
                StringBuilder sb = new StringBuilder();
                int len = 1 + rnd.nextInt(4);
                for (int i = 0; i < len; i++) {
                    sb.append(SYMBOLS.charAt(rnd.nextInt(SYMBOLS.length())));
                }
                return in.substring(0, at) + sb + in.substring(at);
            }
            case 5: { // duplicate a range (a duplicate key, an extra element)
                int from = rnd.nextInt(in.length());
                int to = Math.min(in.length(), from + 1 + rnd.nextInt(40));
                return in.substring(0, to) + in.substring(from, to) + in.substring(to);
            }
            case 6: // truncate
                return in.substring(0, rnd.nextInt(in.length()));
            case 7: { // nest deeply
                int depth = rnd.nextBoolean() ? 600 : 100_000;
                String open = rnd.nextBoolean() ? "[" : "{\"a\":";
                String close = open.equals("[") ? "]" : "}";
                int at = rnd.nextInt(in.length() + 1);
                String nest = open.repeat(depth) + "1" + (rnd.nextBoolean() ? close.repeat(depth) : "");
                return in.substring(0, at) + nest + in.substring(at);
            }
            default: { // swap two characters
                char[] c = in.toCharArray();
                int i = rnd.nextInt(c.length);
                int j = rnd.nextInt(c.length);
                char t = c[i];
                c[i] = c[j];
                c[j] = t;
                return new String(c);
            }
        }
    }

    /** One to three line-level mutations (for merges.txt): drop, repeat, swap or garble lines. */
    String lines(String in) {
        List<String> lines = new java.util.ArrayList<>(Arrays.asList(in.split("\n", -1)));
        int n = 1 + rnd.nextInt(3);
        for (int k = 0; k < n && !lines.isEmpty(); k++) {
            int i = rnd.nextInt(lines.size());
            switch (rnd.nextInt(6)) {
                case 0:
                    lines.remove(i);
                    break;
                case 1:
                    lines.add(rnd.nextInt(lines.size() + 1), lines.get(i));
                    break;
                case 2:
                    lines.set(i, lines.get(rnd.nextInt(lines.size())));
                    break;
                case 3: {
                    String[] parts = lines.get(i).split(" ", -1);
                    if (parts.length == 2) {
                        lines.set(i, parts[1] + " " + parts[0]);
                    }
                    break;
                }
                case 4:
                    lines.set(i, json(lines.get(i)));
                    break;
                default:
                    lines.add(i, pick(List.of("", " ", "a", "a b c", " a", "a ", "#version: 0.2", "Ġ Ġ", "\t\t")));
            }
        }
        return String.join("\n", lines);
    }

    /** {@code text} as UTF-8, sometimes with an invalid byte sequence spliced in. */
    byte[] utf8(String text) {
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (rnd.nextInt(8) != 0) {
            return b;
        }
        byte[][] bad = {
            {(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xe2}
        };
        int at = rnd.nextInt(b.length + 1);
        return concat(Arrays.copyOfRange(b, 0, at), bad[rnd.nextInt(bad.length)], Arrays.copyOfRange(b, at, b.length));
    }

    private String replaceToken(String in, String regex, String with) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(in);
        List<int[]> spans = new java.util.ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return in + with;
        }
        int[] s = spans.get(rnd.nextInt(spans.size()));
        return in.substring(0, s[0]) + with + in.substring(s[1]);
    }

    <T> T pick(List<T> list) {
        return list.get(rnd.nextInt(list.size()));
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
