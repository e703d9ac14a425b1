package dev.jgrad.nn.io;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A small, strict JSON reader and writer (RFC 8259) with no dependencies.
 *
 * <p>{@link #parse} maps JSON values to Java as follows:
 *
 * <pre>
 *   object  →  Map&lt;String, Object&gt;  (a LinkedHashMap in document order; a duplicate key is an error)
 *   array   →  List&lt;Object&gt;         (an ArrayList)
 *   string  →  String
 *   number  →  Long    when written without fraction or exponent and within [−2⁶³, 2⁶³ − 1]
 *              Double  otherwise (a magnitude beyond Double.MAX_VALUE is an error)
 *   true, false  →  Boolean
 *   null    →  Java null   (use Map.containsKey to tell a null member from a missing one)
 * </pre>
 *
 * <p>Strictness: exactly one value, surrounded only by space, tab, CR and LF (no byte order mark, no trailing
 * text); no leading zeros ({@code 01}), no {@code +1}, {@code .5}, {@code 1.}, {@code NaN} or {@code Infinity};
 * no raw control characters (U+0000–U+001F) in strings; escapes limited to the RFC's {@code \" \\ \/ \b \f \n \r
 * \t \}uXXXX, where a surrogate must be part of a high–low pair (escaped or raw). Containers nest at most
 * {@link #MAX_DEPTH} deep, so the recursive parser stays far from the thread's stack limit, and every allocation is
 * bounded by the length of the input.
 *
 * <p>Every failure throws {@link JsonException} with a message such as {@code json: expected ',' or '}' at line 3
 * column 5}; lines and columns count from 1, columns in UTF-16 chars.
 */
public final class Json {
    /** The deepest nesting of arrays and objects that {@link #parse} and {@link #write} accept. */
    public static final int MAX_DEPTH = 512;

    private static final int SHOWN = 40; // chars of a bad value quoted in a message

    private Json() {}

    /** Parses one JSON value; see the class comment for the mapping and the rules. */
    public static Object parse(String text) {
        Objects.requireNonNull(text, "text");
        Parser p = new Parser(text);
        p.skipWhitespace();
        Object value = p.value(0);
        p.skipWhitespace();
        if (p.pos < text.length()) throw p.error("unexpected " + p.describeChar() + " after the value", p.pos);
        return value;
    }

    /** Compact JSON for {@code value}: no whitespace at all. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        writeValue(out, value, null, 0);
        return out.toString();
    }

    /** Indented JSON for {@code value}: two spaces per level, {@code "key": value}, no trailing newline. */
    public static String writePretty(Object value) {
        StringBuilder out = new StringBuilder();
        writeValue(out, value, "\n", 0);
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Typed getters: each names the value, e.g. what = "config: \"d_model\"" gives
    // config: "d_model" must be an integer, got "abc"

    /** {@code v} as a JSON object, or a {@link JsonException} naming {@code what}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object v, String what) {
        if (v instanceof Map) return (Map<String, Object>) v;
        throw mismatch(what, "an object", v);
    }

    /** {@code v} as a JSON array, or a {@link JsonException} naming {@code what}. */
    @SuppressWarnings("unchecked")
    public static List<Object> array(Object v, String what) {
        if (v instanceof List) return (List<Object>) v;
        throw mismatch(what, "an array", v);
    }

    /** {@code v} as a string, or a {@link JsonException} naming {@code what}. */
    public static String string(Object v, String what) {
        if (v instanceof String) return (String) v;
        throw mismatch(what, "a string", v);
    }

    /** {@code v} as a boolean, or a {@link JsonException} naming {@code what}. */
    public static boolean bool(Object v, String what) {
        if (v instanceof Boolean) return (Boolean) v;
        throw mismatch(what, "a boolean", v);
    }

    /** {@code v} as an integer (a JSON number without fraction or exponent), or a {@link JsonException}. */
    public static long integer(Object v, String what) {
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte)
            return ((Number) v).longValue();
        throw mismatch(what, "an integer", v);
    }

    /** {@code v} as an integer in {@code [min, max]}, or a {@link JsonException} naming the range. */
    public static long integer(Object v, String what, long min, long max) {
        long x = integer(v, what);
        if (x < min || x > max) throw new JsonException(what + " must be in [" + min + ", " + max + "], got " + x);
        return x;
    }

    /** {@code v} as a number, integer or not, or a {@link JsonException} naming {@code what}. */
    public static double number(Object v, String what) {
        if (v instanceof Number) return ((Number) v).doubleValue();
        throw mismatch(what, "a number", v);
    }

    /**
     * The member {@code key} of {@code obj}, which must be present (it may be JSON null); otherwise a
     * {@link JsonException} such as {@code config: missing "d_model"}.
     */
    public static Object member(Map<String, ?> obj, String key, String what) {
        if (!obj.containsKey(key)) throw new JsonException(what + ": missing " + quote(key));
        return obj.get(key);
    }

    private static JsonException mismatch(String what, String expected, Object got) {
        return new JsonException(what + " must be " + expected + ", got " + show(got));
    }

    /** A short JSON rendering of {@code v} for messages; never throws. */
    static String show(Object v) {
        String s;
        try {
            s = write(v);
        } catch (JsonException e) {
            s = "a " + v.getClass().getSimpleName();
        }
        return s.length() <= SHOWN ? s : s.substring(0, SHOWN) + "…";
    }

    /**
     * {@code s} as a JSON string literal for error messages: cut to 40 chars (marked by …), with unpaired
     * surrogates escaped instead of rejected, so it never throws.
     */
    public static String quote(String s) {
        String cut = s.length() <= SHOWN ? s : s.substring(0, SHOWN);
        StringBuilder out = new StringBuilder();
        writeString(out, cut, true);
        if (cut.length() < s.length()) out.insert(out.length() - 1, '…');
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reading

    private static final class Parser {
        final String text;
        int pos;

        Parser(String text) {
            this.text = text;
        }

        Object value(int depth) {
            if (pos >= text.length()) throw error("unexpected end of input, expected a value", pos);
            char c = text.charAt(pos);
            switch (c) {
                case '{':
                    return object(depth + 1);
                case '[':
                    return array(depth + 1);
                case '"':
                    return string();
                case 't':
                    return literal("true", Boolean.TRUE);
                case 'f':
                    return literal("false", Boolean.FALSE);
                case 'n':
                    return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw error("unexpected " + describeChar() + ", expected a value", pos);
            }
        }

        Map<String, Object> object(int depth) {
            checkDepth(depth);
            pos++; // '{'
            Map<String, Object> map = new LinkedHashMap<>();
            skipWhitespace();
            if (peek() == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') throw error("expected a string key, found " + describeChar(), pos);
                int keyAt = pos;
                String key = string();
                if (map.containsKey(key)) throw error("duplicate key " + quote(key), keyAt);
                skipWhitespace();
                if (peek() != ':')
                    throw error("expected ':' after key " + quote(key) + ", found " + describeChar(), pos);
                pos++;
                skipWhitespace();
                map.put(key, value(depth));
                skipWhitespace();
                char c = peek();
                pos++;
                if (c == '}') return map;
                if (c != ',') throw error("expected ',' or '}' in object, found " + describeChar(pos - 1), pos - 1);
            }
        }

        List<Object> array(int depth) {
            checkDepth(depth);
            pos++; // '['
            List<Object> list = new ArrayList<>();
            skipWhitespace();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                skipWhitespace();
                list.add(value(depth));
                skipWhitespace();
                char c = peek();
                pos++;
                if (c == ']') return list;
                if (c != ',') throw error("expected ',' or ']' in array, found " + describeChar(pos - 1), pos - 1);
            }
        }

        String string() {
            int start = pos++; // '"'
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= text.length()) throw error("unterminated string", start);
                char c = text.charAt(pos);
                if (c == '"') {
                    pos++;
                    return sb.toString();
                } else if (c == '\\') {
                    escape(sb);
                } else if (c < 0x20) {
                    throw error("unescaped control character " + codePoint(c) + " in string", pos);
                } else if (Character.isHighSurrogate(c)) {
                    if (pos + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(pos + 1)))
                        throw error("unpaired surrogate " + codePoint(c) + " in string", pos);
                    sb.append(c).append(text.charAt(pos + 1));
                    pos += 2;
                } else if (Character.isLowSurrogate(c)) {
                    throw error("unpaired surrogate " + codePoint(c) + " in string", pos);
                } else {
                    sb.append(c);
                    pos++;
                }
            }
        }

        private void escape(StringBuilder sb) {
            int at = pos;
            if (pos + 1 >= text.length()) throw error("unterminated escape", at);
            char e = text.charAt(pos + 1);
            pos += 2;
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    sb.append(e);
                    return;
                case 'b':
                    sb.append('\b');
                    return;
                case 'f':
                    sb.append('\f');
                    return;
                case 'n':
                    sb.append('\n');
                    return;
                case 'r':
                    sb.append('\r');
                    return;
                case 't':
                    sb.append('\t');
                    return;
                case 'u':
                    break;
                default:
                    throw error("invalid escape '\\" + (e >= 0x20 && e < 0x7f ? e : codePoint(e)) + "'", at);
            }
            char u = hex4(at);
            if (Character.isHighSurrogate(u)) {
                if (!text.startsWith("\\u", pos)) throw error("unpaired surrogate " + codePoint(u) + " in escape", at);
                char low = hex4(pos);
                if (!Character.isLowSurrogate(low))
                    throw error("unpaired surrogate " + codePoint(u) + " in escape", at);
                sb.append(u).append(low);
            } else if (Character.isLowSurrogate(u)) {
                throw error("unpaired surrogate " + codePoint(u) + " in escape", at);
            } else {
                sb.append(u);
            }
        }

        /** Reads the 4 hex digits after the "\\u" at {@code at}; leaves pos after them. */
        private char hex4(int at) {
            pos = at + 2;
            if (pos + 4 > text.length()) throw error("truncated \\u escape", at);
            int v = 0;
            for (int i = 0; i < 4; i++) {
                int d = Character.digit(text.charAt(pos + i), 16);
                if (d < 0 || text.charAt(pos + i) > 'f') throw error("invalid hex digit in \\u escape", pos + i);
                v = v * 16 + d;
            }
            pos += 4;
            return (char) v;
        }

        Object number() {
            int start = pos;
            if (peek() == '-') pos++;
            char c = peek();
            if (c == '0') {
                pos++;
                if (isDigit(peek())) throw error("leading zero in number", start);
            } else if (isDigit(c)) {
                digits();
            } else {
                throw error("expected a digit in number, found " + describeChar(), pos);
            }
            boolean integral = true;
            if (peek() == '.') {
                integral = false;
                pos++;
                if (!isDigit(peek())) throw error("expected a digit after '.', found " + describeChar(), pos);
                digits();
            }
            if (peek() == 'e' || peek() == 'E') {
                integral = false;
                pos++;
                if (peek() == '+' || peek() == '-') pos++;
                if (!isDigit(peek())) throw error("expected a digit in exponent, found " + describeChar(), pos);
                digits();
            }
            String s = text.substring(start, pos);
            if (integral && s.length() <= 20) {
                try {
                    return Long.parseLong(s);
                } catch (NumberFormatException tooBig) {
                    // beyond a long: read it as a double below
                }
            }
            double d;
            try {
                d = Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw error("unreadable number " + abbreviate(s), start);
            }
            if (Double.isInfinite(d)) throw error("number " + abbreviate(s) + " is out of double range", start);
            return d;
        }

        private void digits() {
            while (isDigit(peek())) pos++;
        }

        private Object literal(String word, Object value) {
            if (!text.startsWith(word, pos)) throw error("invalid literal, expected '" + word + "'", pos);
            pos += word.length();
            return value;
        }

        void skipWhitespace() {
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
                pos++;
            }
        }

        private void checkDepth(int depth) {
            if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH, pos);
        }

        /** The char at pos, or 0 at the end (0 is never valid where peek is used). */
        private char peek() {
            return pos < text.length() ? text.charAt(pos) : 0;
        }

        String describeChar() {
            return describeChar(pos);
        }

        String describeChar(int at) {
            if (at >= text.length()) return "end of input";
            char c = text.charAt(at);
            return c >= 0x20 && c < 0x7f ? "'" + c + "'" : codePoint(c);
        }

        JsonException error(String what, int at) {
            int line = 1, column = 1;
            for (int i = 0; i < at && i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                    column = 1;
                } else {
                    column++;
                }
            }
            return new JsonException("json: " + what + " at line " + line + " column " + column);
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String codePoint(char c) {
        return String.format("U+%04X", (int) c);
    }

    private static String abbreviate(String s) {
        return s.length() <= SHOWN ? s : s.substring(0, SHOWN) + "…";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Writing

    /** Appends {@code v}; {@code newline} is null for compact output, else "\n" plus the current indent. */
    private static void writeValue(StringBuilder out, Object v, String newline, int depth) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof String) {
            writeString(out, (String) v, false);
        } else if (v instanceof Boolean) {
            out.append(v);
        } else if (v instanceof Number) {
            writeNumber(out, (Number) v);
        } else if (v instanceof Map) {
            if (depth >= MAX_DEPTH) throw new JsonException("json: cannot write nesting deeper than " + MAX_DEPTH);
            Map<?, ?> map = (Map<?, ?>) v;
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            String inner = newline == null ? null : newline + "  ";
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String))
                    throw new JsonException("json: cannot write a map key of type "
                            + (e.getKey() == null
                                    ? "null"
                                    : e.getKey().getClass().getSimpleName())
                            + "; keys must be strings");
                if (!first) out.append(',');
                first = false;
                if (inner != null) out.append(inner);
                writeString(out, (String) e.getKey(), false);
                out.append(inner == null ? ":" : ": ");
                writeValue(out, e.getValue(), inner, depth + 1);
            }
            if (newline != null) out.append(newline);
            out.append('}');
        } else if (v instanceof Collection) {
            if (depth >= MAX_DEPTH) throw new JsonException("json: cannot write nesting deeper than " + MAX_DEPTH);
            Collection<?> list = (Collection<?>) v;
            if (list.isEmpty()) {
                out.append("[]");
                return;
            }
            String inner = newline == null ? null : newline + "  ";
            out.append('[');
            boolean first = true;
            for (Object x : list) {
                if (!first) out.append(',');
                first = false;
                if (inner != null) out.append(inner);
                writeValue(out, x, inner, depth + 1);
            }
            if (newline != null) out.append(newline);
            out.append(']');
        } else {
            throw new JsonException(
                    "json: cannot write a value of type " + v.getClass().getName());
        }
    }

    private static void writeNumber(StringBuilder out, Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (!Double.isFinite(d))
                throw new JsonException("json: cannot write " + d + ": JSON numbers must be finite");
            out.append(n instanceof Float ? Float.toString(n.floatValue()) : Double.toString(d));
        } else if (n instanceof Long
                || n instanceof Integer
                || n instanceof Short
                || n instanceof Byte
                || n instanceof BigInteger
                || n instanceof BigDecimal) {
            out.append(n);
        } else {
            throw new JsonException(
                    "json: cannot write a number of type " + n.getClass().getName());
        }
    }

    /**
     * Appends {@code s} quoted; escapes '"', '\\', C0 and C1 controls, DEL, U+2028/U+2029. An unpaired surrogate is
     * an error ({@code lenient}: written as \\uXXXX instead, for messages).
     */
    private static void writeString(StringBuilder out, String s, boolean lenient) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                case '\b':
                    out.append("\\b");
                    break;
                case '\f':
                    out.append("\\f");
                    break;
                default:
                    if (Character.isSurrogate(c)) {
                        boolean paired = Character.isHighSurrogate(c)
                                && i + 1 < s.length()
                                && Character.isLowSurrogate(s.charAt(i + 1));
                        if (paired) {
                            out.append(c).append(s.charAt(++i));
                        } else if (lenient) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            throw new JsonException("json: cannot write unpaired surrogate " + codePoint(c)
                                    + " at index " + i + " of a string");
                        }
                    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
