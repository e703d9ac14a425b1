package dev.jgrad.nn.tokenizer;

import dev.jgrad.nn.io.AtomicFiles;
import dev.jgrad.nn.io.Json;
import dev.jgrad.nn.io.JsonException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Byte-level byte-pair encoding (BPE), as in GPT-2 and Stanford CS336 assignment 1.
 *
 * <p>A tokenizer is a vocabulary (id → byte string) and a ranked list of merges (left, right) → result, where
 * {@code bytes(result) = bytes(left) ‖ bytes(right)}. Every one of the 256 single bytes has a token, so any input can
 * be encoded and {@code decodeBytes(encodeBytes(b)) = b} for every byte array.
 *
 * <p><b>Encoding</b> ({@link #encodeBytes}):
 *
 * <pre>
 *   1. split the bytes into maximal well-formed UTF-8 runs; a byte outside any well-formed sequence
 *      (a stray continuation byte, a truncated or overlong sequence, an encoded surrogate) becomes its single-byte token
 *   2. in each run, cut out the special tokens (leftmost, then longest); each becomes its own id
 *   3. split the remaining text into pre-tokens with {@link #GPT2_PRE_TOKENIZER}
 *   4. in each pre-token, start from its bytes as single-byte tokens and, while some adjacent pair is a merge,
 *      merge every occurrence (left to right) of the pair of lowest rank
 * </pre>
 *
 * Merges never cross a pre-token, so step 4 is cached per pre-token string; it runs in O(n log n) for a pre-token
 * of n bytes (see {@link #bpe}), so even a long run of letters encodes quickly. {@link #encode} encodes the UTF-8
 * bytes of a string (unpaired surrogates read as U+FFFD), which are one well-formed run. A tokenizer is immutable
 * apart from its cache, which is concurrent: one instance can encode on several threads.
 *
 * <p><b>Files</b> use GPT-2's format, with bytes written as characters by {@link ByteUnicode}: {@code vocab.json}
 * maps each token's written form to its id, and {@code merges.txt} lists one merge per line as {@code "left right"},
 * rank 0 first, after an optional first line starting with {@code #version}. Special tokens are ordinary entries of
 * {@code vocab.json}; which of them are special is passed to {@link #load}.
 *
 * <p><b>Training</b> ({@link #train(String, int, List)}) is described in {@link BpeTrainer}.
 */
public final class BpeTokenizer implements Tokenizer {

    /**
     * GPT-2's pre-tokenizer: contractions, runs of letters, of digits and of other symbols (each optionally after one
     * space), and runs of whitespace, where a run followed by a non-space leaves its last whitespace character to the
     * next pre-token (so " world" keeps its space). {@code \s} is Unicode's White_Space property, as in the {@code regex} module GPT-2 used.
     */
    public static final Pattern GPT2_PRE_TOKENIZER = Pattern.compile(
            "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Merge number {@code rank}: adjacent tokens {@code left}, {@code right} become token {@code result}. */
    public record Merge(int left, int right, int result) {}

    private static final int CACHE_LIMIT = 1 << 16;

    private final byte[][] vocab; // id → bytes
    private final Map<String, Integer> idOfBytes = new HashMap<>(); // key(bytes) → id
    private final int[] byteIds = new int[256]; // byte value → id of its single-byte token
    private final List<Merge> merges;
    private final Map<Long, Integer> ranks = new HashMap<>(); // pair(left, right) → rank
    private final SpecialTokens specials;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>(); // pre-token → ids

    /**
     * Trusts its input, which {@link #load} and {@link BpeTrainer} have checked: all 256 single bytes are in
     * {@code vocab}, byte strings are distinct, each merge's result is the concatenation of its parts.
     */
    BpeTokenizer(byte[][] vocab, List<Merge> merges, List<String> specialTokens, int[] specialIds) {
        this.vocab = vocab;
        this.merges = List.copyOf(merges);
        Arrays.fill(byteIds, -1);
        for (int id = 0; id < vocab.length; id++) {
            idOfBytes.put(key(vocab[id]), id);
            if (vocab[id].length == 1) byteIds[vocab[id][0] & 0xFF] = id;
        }
        for (int r = 0; r < this.merges.size(); r++)
            ranks.putIfAbsent(pair(merges.get(r).left, merges.get(r).right), r);
        specials = new SpecialTokens(specialTokens, specialIds);
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** The bytes of {@code s} as a string of chars 0..255, one per byte: a hashable key for a byte string. */
    static String key(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Training

    /**
     * Learns merges from {@code text} until the vocabulary holds {@code vocabSize} tokens (or no adjacent pair is
     * left). Ids: the special tokens first (0, 1, …), then the 256 bytes in the order of their {@link ByteUnicode}
     * characters, then one id per new merged token, in merge order. This is the layout of CS336's reference
     * vocabulary; GPT-2's own file differs only in putting its special token last.
     */
    public static BpeTokenizer train(String text, int vocabSize, List<String> specialTokens) {
        return BpeTrainer.train(text, vocabSize, specialTokens);
    }

    /**
     * {@link #train(String, int, List)} on arbitrary bytes: each maximal well-formed UTF-8 run is text; a byte
     * outside any well-formed sequence stands alone and so takes part in no merge.
     */
    public static BpeTokenizer train(byte[] corpus, int vocabSize, List<String> specialTokens) {
        return BpeTrainer.train(corpus, vocabSize, specialTokens);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Encoding and decoding

    @Override
    public int[] encode(String text) {
        return specials.encode(text, this::encodeOrdinary);
    }

    @Override
    public int[] encodeBytes(byte[] bytes) {
        return specials.encodeBytes(bytes, this::encodeOrdinary, byteIds);
    }

    /** Steps 3 and 4 of the class comment, on well-formed text without special tokens. */
    private void encodeOrdinary(String text, IntList out) {
        Matcher m = GPT2_PRE_TOKENIZER.matcher(text);
        int from = 0;
        while (m.find()) {
            if (m.start() > from) out.addAll(encodePreToken(text.substring(from, m.start()))); // the pattern skips none
            out.addAll(encodePreToken(m.group()));
            from = m.end();
        }
        if (from < text.length()) out.addAll(encodePreToken(text.substring(from)));
    }

    private int[] encodePreToken(String preToken) {
        int[] ids = cache.get(preToken);
        if (ids == null) {
            ids = bpe(preToken.getBytes(StandardCharsets.UTF_8));
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(preToken, ids);
        }
        return ids;
    }

    /**
     * Step 4: while some adjacent pair is a merge, take the pair of lowest rank and merge all its occurrences, left
     * to right (GPT-2's rule). Done in rounds over a min-heap of (rank, position), so a piece of n bytes costs
     * O(n log n) rather than a rescan of the piece per merge:
     *
     * <pre>
     *   heap ← (rank(t_i, t_{i+1}), i) for each adjacent pair that is a merge
     *   repeat: pop the lowest rank R; pop every other entry of rank R too, in order of position; merge each that
     *           is still current (t_i ← result, unlink its right neighbour); then push the pairs the round created
     * </pre>
     *
     * Symbols live in a linked list over their first byte's position, so positions keep their left-to-right order.
     * An entry is current when its position is alive, has a right neighbour, and the two tokens there still have
     * rank R (each rank names one pair). Pushing new pairs only after the round keeps GPT-2's order even for a merges
     * file that uses a token before the merge that makes it.
     */
    int[] bpe(byte[] piece) {
        int n = piece.length;
        int[] token = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] alive = new boolean[n];
        for (int i = 0; i < n; i++) {
            token[i] = byteIds[piece[i] & 0xFF];
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            alive[i] = true;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) push(heap, token, i, i + 1);
        IntList touched = new IntList(8);
        while (heap.size() > 0) {
            int rank = (int) (heap.peek() >>> 32);
            while (heap.size() > 0 && (int) (heap.peek() >>> 32) == rank) {
                int i = (int) heap.pop();
                if (!alive[i] || next[i] < 0 || rankOf(token[i], token[next[i]]) != rank) continue; // stale
                int j = next[i];
                token[i] = merges.get(rank).result;
                alive[j] = false;
                next[i] = next[j];
                if (next[j] >= 0) prev[next[j]] = i;
                touched.add(i);
            }
            for (int k = 0; k < touched.size(); k++) {
                int i = touched.get(k);
                if (!alive[i]) continue;
                if (prev[i] >= 0) push(heap, token, prev[i], i);
                if (next[i] >= 0) push(heap, token, i, next[i]);
            }
            touched.clear();
        }
        IntList out = new IntList(n);
        for (int i = 0; i >= 0 && i < n; i = next[i]) out.add(token[i]); // position 0 is never unlinked
        return out.toArray();
    }

    private void push(LongHeap heap, int[] token, int i, int j) {
        int r = rankOf(token[i], token[j]);
        if (r >= 0) heap.push(((long) r << 32) | i);
    }

    private int rankOf(int left, int right) {
        Integer r = ranks.get(pair(left, right));
        return r == null ? -1 : r;
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(capacity, 4)];
        }

        int size() {
            return size;
        }

        long peek() {
            return a[0];
        }

        void push(long x) {
            if (size == a.length) a = Arrays.copyOf(a, 2 * size);
            int i = size++;
            while (i > 0 && a[(i - 1) / 2] > x) {
                a[i] = a[(i - 1) / 2];
                i = (i - 1) / 2;
            }
            a[i] = x;
        }

        long pop() {
            long top = a[0];
            long x = a[--size];
            int i = 0;
            while (2 * i + 1 < size) {
                int c = 2 * i + 1;
                if (c + 1 < size && a[c + 1] < a[c]) c++;
                if (a[c] >= x) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = x;
            return top;
        }
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int i = 0; i < ids.length; i++) {
            checkId("decode", ids[i], i);
            out.writeBytes(vocab[ids[i]]);
        }
        return out.toByteArray();
    }

    @Override
    public int vocabSize() {
        return vocab.length;
    }

    @Override
    public byte[] tokenBytes(int id) {
        checkId("tokenBytes", id, -1);
        return vocab[id].clone();
    }

    /** The id of the token whose bytes are {@code bytes}, or empty when there is none. */
    public OptionalInt tokenId(byte[] bytes) {
        Integer id = idOfBytes.get(key(bytes));
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The merges, rank 0 first. */
    public List<Merge> merges() {
        return merges;
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
        if (id < 0 || id >= vocab.length)
            throw new IllegalArgumentException(op + ": id " + id + (position >= 0 ? " at position " + position : "")
                    + " is outside [0, " + vocab.length + ")");
    }

    @Override
    public String toString() {
        return "BpeTokenizer(vocab " + vocab.length + ", merges " + merges.size() + ", special " + specials.tokens()
                + ")";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // GPT-2 files

    /**
     * Writes {@code dir/vocab.json} (tokens in id order) and {@code dir/merges.txt} (with a {@code #version: 0.2}
     * header), each atomically; creates {@code dir} if needed. {@link #load} with the same special tokens gives a
     * tokenizer with the same ids.
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> json = new LinkedHashMap<>();
        for (int id = 0; id < vocab.length; id++) json.put(ByteUnicode.toUnicode(vocab[id]), (long) id);
        AtomicFiles.write(dir.resolve("vocab.json"), (Json.writePretty(json) + "\n").getBytes(StandardCharsets.UTF_8));
        StringBuilder lines = new StringBuilder("#version: 0.2\n");
        for (Merge m : merges)
            lines.append(ByteUnicode.toUnicode(vocab[m.left]))
                    .append(' ')
                    .append(ByteUnicode.toUnicode(vocab[m.right]))
                    .append('\n');
        AtomicFiles.write(dir.resolve("merges.txt"), lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads GPT-2 format files: {@code vocabJson} as written by {@link #save} or GPT-2's {@code encoder.json}, and
     * {@code mergesTxt} as GPT-2's {@code vocab.bpe}. A special token whose bytes are already in the vocabulary keeps
     * that id (so {@code <|endoftext|>} is 50256 for GPT-2); any other gets the next free id, in list order.
     *
     * <p>Checks, each failing with an {@link IllegalArgumentException} that names the file (and line for merges):
     * both files UTF-8 text; a valid JSON object of integer ids; every token written in GPT-2's byte alphabet; ids distinct and numbering
     * the tokens {@code 0..n−1}; all 256 single bytes present; each merge line {@code "left right"} with both parts
     * and their concatenation in the vocabulary, and no merge listed twice.
     */
    public static BpeTokenizer load(Path vocabJson, Path mergesTxt, List<String> specialTokens) throws IOException {
        List<String> specialList = SpecialTokens.check("BpeTokenizer.load", specialTokens);
        Map<String, Integer> idOf = new HashMap<>(); // written form → id
        byte[][] vocab = readVocab(vocabJson, idOf);
        List<Merge> merges = readMerges(mergesTxt, idOf);

        Map<String, Integer> idOfBytes = new HashMap<>();
        for (int id = 0; id < vocab.length; id++) idOfBytes.put(key(vocab[id]), id);
        List<byte[]> extended = new ArrayList<>(Arrays.asList(vocab));
        int[] specialIds = new int[specialList.size()];
        for (int k = 0; k < specialIds.length; k++) {
            byte[] bytes = specialList.get(k).getBytes(StandardCharsets.UTF_8);
            Integer id = idOfBytes.get(key(bytes));
            if (id == null) {
                id = extended.size();
                extended.add(bytes);
                idOfBytes.put(key(bytes), id);
            }
            specialIds[k] = id;
        }
        return new BpeTokenizer(extended.toArray(new byte[0][]), merges, specialList, specialIds);
    }

    private static byte[][] readVocab(Path file, Map<String, Integer> idOf) throws IOException {
        Map<String, Object> json;
        try {
            json = Json.object(Json.parse(readUtf8(file, "vocab")), "the top-level value");
        } catch (JsonException e) {
            throw new IllegalArgumentException("vocab " + file + ": " + e.getMessage(), e);
        }
        int n = json.size();
        byte[][] vocab = new byte[n][];
        String[] written = new String[n];
        for (Map.Entry<String, Object> e : json.entrySet()) {
            String token = e.getKey();
            String where = "vocab " + file + ": token " + SpecialTokens.quote(token);
            if (!(e.getValue() instanceof Long))
                throw new IllegalArgumentException(
                        where + " has id " + Json.write(e.getValue()) + "; ids must be integers");
            long id = (Long) e.getValue();
            if (id < 0 || id >= n)
                throw new IllegalArgumentException(where + " has id " + id + ", outside [0, " + n + "): the ids of " + n
                        + " tokens must be 0.." + (n - 1));
            if (written[(int) id] != null)
                throw new IllegalArgumentException(
                        "vocab " + file + ": tokens " + SpecialTokens.quote(written[(int) id]) + " and "
                                + SpecialTokens.quote(token) + " both have id " + id);
            if (token.isEmpty()) throw new IllegalArgumentException(where + " is empty");
            try {
                vocab[(int) id] = ByteUnicode.toBytes(token);
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("vocab " + file + ": " + bad.getMessage(), bad);
            }
            written[(int) id] = token;
            idOf.put(token, (int) id);
        }
        for (int b = 0; b < 256; b++)
            if (!idOf.containsKey(String.valueOf(ByteUnicode.charOf(b))))
                throw new IllegalArgumentException("vocab " + file + ": no token for byte "
                        + String.format("0x%02X", b) + " (written "
                        + SpecialTokens.quote(String.valueOf(ByteUnicode.charOf(b)))
                        + "); a byte-level vocabulary needs all 256 single bytes");
        return vocab;
    }

    private static List<Merge> readMerges(Path file, Map<String, Integer> idOf) throws IOException {
        List<String> lines = readUtf8(file, "merges").lines().collect(Collectors.toList());
        List<Merge> merges = new ArrayList<>();
        Map<Long, Integer> lineOf = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String where = "merges " + file + " line " + (i + 1);
            if (i == 0 && line.startsWith("#version")) continue;
            if (line.isEmpty()) continue;
            int space = line.indexOf(' ');
            if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0)
                throw new IllegalArgumentException(
                        where + ": expected two tokens separated by one space, got " + SpecialTokens.quote(line));
            String left = line.substring(0, space);
            String right = line.substring(space + 1);
            int l = idIn(idOf, left, where);
            int r = idIn(idOf, right, where);
            Integer result = idOf.get(left + right);
            if (result == null)
                throw new IllegalArgumentException(
                        where + ": merged token " + SpecialTokens.quote(left + right) + " is not in the vocabulary");
            Integer earlier = lineOf.putIfAbsent(pair(l, r), i + 1);
            if (earlier != null)
                throw new IllegalArgumentException(
                        where + ": merge " + SpecialTokens.quote(line) + " repeats line " + earlier);
            merges.add(new Merge(l, r, result));
        }
        return merges;
    }

    /** The file as UTF-8 text; malformed bytes are an {@link IllegalArgumentException} naming their offset. */
    private static String readUtf8(Path file, String what) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            throw new IllegalArgumentException(what + " " + file + ": not valid UTF-8: " + r.length()
                    + " malformed byte(s) at offset " + in.position());
        }
        return out.flip().toString();
    }

    private static int idIn(Map<String, Integer> idOf, String token, String where) {
        Integer id = idOf.get(token);
        if (id == null)
            throw new IllegalArgumentException(
                    where + ": token " + SpecialTokens.quote(token) + " is not in the vocabulary");
        return id;
    }
}
