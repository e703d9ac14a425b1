package dev.jgrad.nn.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The special tokens of a tokenizer, and the one encoding pipeline both tokenizers share:
 *
 * <pre>
 *   bytes ─┬─ maximal well-formed UTF-8 runs ─┬─ special tokens (leftmost, then longest)  → their ids
 *          │                                  └─ ordinary text between them               → the tokenizer's own rule
 *          └─ each byte outside a well-formed sequence                                    → its single-byte token
 * </pre>
 *
 * A special token is well-formed UTF-8, so an occurrence of it always lies inside one well-formed run.
 */
final class SpecialTokens {

    /** How a tokenizer encodes well-formed text that holds no special token. */
    interface Ordinary {
        void encode(String text, IntList out);
    }

    private final List<String> tokens;
    private final Map<String, Integer> ids = new HashMap<>();
    private final Pattern pattern; // alternation, longest first; null when there are no special tokens

    /** {@code tokens.get(k)} gets id {@code ids[k]}; the tokens must have passed {@link #check}. */
    SpecialTokens(List<String> tokens, int[] ids) {
        this.tokens = List.copyOf(tokens);
        for (int k = 0; k < tokens.size(); k++) this.ids.put(tokens.get(k), ids[k]);
        List<String> longestFirst = new ArrayList<>(tokens);
        longestFirst.sort(Comparator.comparingInt(String::length).reversed());
        StringBuilder alternation = new StringBuilder();
        for (String t : longestFirst) {
            if (alternation.length() > 0) alternation.append('|');
            alternation.append(Pattern.quote(t));
        }
        pattern = tokens.isEmpty() ? null : Pattern.compile(alternation.toString());
    }

    /** Rejects null, empty, duplicate and ill-formed (unpaired surrogate) special tokens, naming {@code op}. */
    static List<String> check(String op, List<String> tokens) {
        if (tokens == null) throw new IllegalArgumentException(op + ": special tokens list is null");
        List<String> seen = new ArrayList<>();
        for (String t : tokens) {
            if (t == null || t.isEmpty())
                throw new IllegalArgumentException(op + ": special tokens must be non-empty strings, got " + tokens);
            if (!Utf8.isWellFormed(t))
                throw new IllegalArgumentException(op + ": special token " + quote(t) + " has an unpaired surrogate");
            if (seen.contains(t))
                throw new IllegalArgumentException(op + ": special token " + quote(t) + " is listed twice");
            seen.add(t);
        }
        return List.copyOf(tokens);
    }

    List<String> tokens() {
        return tokens;
    }

    OptionalInt id(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * Walks well-formed {@code text} from left to right, handing each stretch of ordinary text to {@code ordinary}
     * and the id of each special token to {@code special}.
     */
    void split(String text, Consumer<String> ordinary, IntConsumer special) {
        if (pattern == null) {
            if (!text.isEmpty()) ordinary.accept(text);
            return;
        }
        Matcher m = pattern.matcher(text);
        int from = 0;
        while (m.find()) {
            if (m.start() > from) ordinary.accept(text.substring(from, m.start()));
            special.accept(ids.get(m.group()));
            from = m.end();
        }
        if (from < text.length()) ordinary.accept(text.substring(from));
    }

    /** Ids for {@code text}, whose unpaired surrogates count as U+FFFD. */
    int[] encode(String text, Ordinary ordinary) {
        IntList out = new IntList(text.length() / 3 + 4);
        split(Utf8.withoutLoneSurrogates(text), s -> ordinary.encode(s, out), out::add);
        return out.toArray();
    }

    /** Ids for arbitrary {@code bytes}; {@code byteIds[b]} is the id of the single-byte token for byte value b. */
    int[] encodeBytes(byte[] bytes, Ordinary ordinary, int[] byteIds) {
        IntList out = new IntList(bytes.length / 3 + 4);
        int runStart = 0;
        int i = 0;
        while (i < bytes.length) {
            int n = Utf8.wellFormedLength(bytes, i);
            if (n > 0) {
                i += n;
                continue;
            }
            encodeRun(bytes, runStart, i, ordinary, out);
            out.add(byteIds[bytes[i] & 0xFF]); // a byte outside any well-formed sequence stands alone
            runStart = ++i;
        }
        encodeRun(bytes, runStart, bytes.length, ordinary, out);
        return out.toArray();
    }

    private void encodeRun(byte[] bytes, int from, int to, Ordinary ordinary, IntList out) {
        if (from < to)
            split(new String(bytes, from, to - from, StandardCharsets.UTF_8), s -> ordinary.encode(s, out), out::add);
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') out.append('\\').appendCodePoint(c);
            else if (c < 0x20 || c == 0x7F || Character.isSurrogate((char) c)) out.append(String.format("\\u%04X", c));
            else out.appendCodePoint(c);
        });
        return out.append('"').toString();
    }
}
