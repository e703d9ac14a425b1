package dev.jgrad.nn.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.jgrad.nn.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTokenizerTest {
    private static final String EOT = "<|endoftext|>";

    /** A small corpus with repetition (so merges form), numbers, contractions, whitespace runs and non-ASCII. */
    static String corpus() {
        StringBuilder sb = new StringBuilder();
        String[] lines = {
            "The quick brown fox jumps over the lazy dog.",
            "It's the dog's day; they'll see 1234 foxes and 56 dogs.",
            "  Indented   text\twith\ttabs and trailing spaces   ",
            "Grüße aus Köln, naïve café — 東京 and 😀 emoji!",
            "the the the then there these those thing things"
        };
        for (int i = 0; i < 40; i++) {
            sb.append(lines[i % lines.length]).append(i % 7 == 0 ? "\n\n" : "\n");
            if (i % 10 == 9) sb.append(EOT);
        }
        return sb.toString();
    }

    static final BpeTokenizer TRAINED = BpeTokenizer.train(corpus(), 350, List.of(EOT));

    @Test
    void trainingFillsTheVocabulary() {
        assertEquals(350, TRAINED.vocabSize());
        assertEquals(350 - 257, TRAINED.merges().size());
        for (BpeTokenizer.Merge m : TRAINED.merges()) {
            byte[] left = TRAINED.tokenBytes(m.left());
            byte[] right = TRAINED.tokenBytes(m.right());
            byte[] both = TRAINED.tokenBytes(m.result());
            assertEquals(latin1(left) + latin1(right), latin1(both));
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int id(BpeTokenizer t, String text) {
        return t.tokenId(utf8(text)).orElseThrow(() -> new AssertionError("no token " + text));
    }

    private static int byteId(BpeTokenizer t, int b) {
        return t.tokenId(new byte[] {(byte) b}).orElseThrow();
    }

    // -----------------------------------------------------------------------------------------------------------
    // Training

    @Test
    void tiesGoToTheGreatestPairOfByteStrings() {
        // "abc" is one pre-token: count(a,b) = count(b,c) = 1; (b, c) > (a, b) since "b" > "a", so bc first,
        // then (a, bc) is the only pair left.
        BpeTokenizer t = BpeTokenizer.train("abc", 258, List.of());
        assertEquals(2, t.merges().size());
        assertEquals(
                new BpeTokenizer.Merge(id(t, "b"), id(t, "c"), id(t, "bc")),
                t.merges().get(0));
        assertEquals(
                new BpeTokenizer.Merge(id(t, "a"), id(t, "bc"), id(t, "abc")),
                t.merges().get(1));
        assertArrayEquals(new int[] {id(t, "abc")}, t.encode("abc"));
    }

    @Test
    void idsAreSpecialsThenBytesInGpt2CharOrderThenMerges() {
        BpeTokenizer t = BpeTokenizer.train("abc", 259, List.of("<s>", "</s>"));
        assertEquals(OptionalInt.of(0), t.specialTokenId("<s>"));
        assertEquals(OptionalInt.of(1), t.specialTokenId("</s>"));
        assertEquals(2, byteId(t, '!')); // '!' is the first char of GPT-2's byte alphabet
        assertEquals(2 + 'a' - '!', byteId(t, 'a'));
        assertEquals(2 + 188, byteId(t, 0x00)); // after the 188 printable bytes come the others: 0x00 first
        assertEquals(2 + 188 + 0x20, byteId(t, ' '));
        // 2 + 256 = 258 tokens before any merge, so vocabulary 259 leaves room for one: (b, c), by the tie rule
        assertEquals(259, t.vocabSize());
        assertEquals(258, id(t, "bc"));
        assertEquals(OptionalInt.empty(), t.tokenId(utf8("abc")));
    }

    @Test
    void specialTokensAreNeverMergedAcross() {
        // x and y only ever meet across the special token, so there is nothing to merge.
        BpeTokenizer none = BpeTokenizer.train(("x" + EOT + "y" + EOT).repeat(100), 300, List.of(EOT));
        assertEquals(List.of(), none.merges());
        assertEquals(257, none.vocabSize());
        // "ab" is the only pair outside the special tokens
        BpeTokenizer ab = BpeTokenizer.train(("ab" + EOT).repeat(50), 300, List.of(EOT));
        assertEquals(List.of(new BpeTokenizer.Merge(id(ab, "a"), id(ab, "b"), id(ab, "ab"))), ab.merges());
        assertArrayEquals(new int[] {id(ab, "ab"), 0, id(ab, "ab")}, ab.encode("ab" + EOT + "ab"));
        for (int i = 0; i < TRAINED.vocabSize(); i++) {
            String token = new String(TRAINED.tokenBytes(i), StandardCharsets.ISO_8859_1);
            assertTrue(i == 0 || !token.contains("<|endoftext") && !token.contains("endoftext|>"), token);
        }
    }

    @Test
    void incrementalTrainingMatchesRecountingEveryPair() {
        List<String> pieces = List.of("a", "b", "c", "ab", " ", "  ", "\n", "é", "1", "'s", EOT);
        qt().withExamples(150)
                .forAll(
                        lists().of(integers().between(0, pieces.size() - 1)).ofSizeBetween(0, 60),
                        integers().between(0, 40))
                .checkAssert((xs, extra) -> {
                    StringBuilder sb = new StringBuilder();
                    for (int x : xs) sb.append(pieces.get(x));
                    String text = sb.toString();
                    int vocabSize = 257 + extra;
                    BpeTokenizer t = BpeTokenizer.train(text, vocabSize, List.of(EOT));
                    List<String> actual = new ArrayList<>();
                    for (BpeTokenizer.Merge m : t.merges())
                        actual.add(latin1(t.tokenBytes(m.left())) + " " + latin1(t.tokenBytes(m.right())));
                    assertEquals(naiveMerges(text, vocabSize), actual, "text " + Json.write(text));
                });
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /**
     * The training rule written as plainly as possible: recount every pair after every merge. Tokens are byte
     * strings held as Latin-1 strings, whose String order is unsigned byte order. Merges are "left right".
     */
    private static List<String> naiveMerges(String text, int vocabSize) {
        Map<List<String>, Long> words = new HashMap<>();
        for (String chunk : text.split(Pattern.quote(EOT), -1)) {
            Matcher m = BpeTokenizer.GPT2_PRE_TOKENIZER.matcher(chunk);
            while (m.find()) {
                List<String> symbols = new ArrayList<>();
                for (byte b : utf8(m.group())) symbols.add(latin1(new byte[] {b}));
                words.merge(symbols, 1L, Long::sum);
            }
        }
        Set<String> tokens = new HashSet<>();
        for (int b = 0; b < 256; b++) tokens.add(latin1(new byte[] {(byte) b}));
        tokens.add(EOT);
        List<String> merges = new ArrayList<>();
        while (tokens.size() < vocabSize) {
            Map<List<String>, Long> pairs = new HashMap<>();
            words.forEach((w, f) -> {
                for (int i = 0; i + 1 < w.size(); i++) pairs.merge(List.of(w.get(i), w.get(i + 1)), f, Long::sum);
            });
            List<String> best = null;
            long bestCount = 0;
            for (Map.Entry<List<String>, Long> e : pairs.entrySet()) {
                List<String> p = e.getKey();
                long c = e.getValue();
                int cmp = best == null ? 1 : Long.compare(c, bestCount);
                if (cmp == 0) cmp = p.get(0).compareTo(best.get(0));
                if (cmp == 0) cmp = p.get(1).compareTo(best.get(1));
                if (cmp > 0) {
                    best = p;
                    bestCount = c;
                }
            }
            if (best == null) break;
            merges.add(best.get(0) + " " + best.get(1));
            tokens.add(best.get(0) + best.get(1));
            Map<List<String>, Long> next = new HashMap<>();
            for (Map.Entry<List<String>, Long> e : words.entrySet()) {
                List<String> w = e.getKey();
                List<String> out = new ArrayList<>();
                for (int i = 0; i < w.size(); i++) {
                    if (i + 1 < w.size()
                            && w.get(i).equals(best.get(0))
                            && w.get(i + 1).equals(best.get(1))) {
                        out.add(best.get(0) + best.get(1));
                        i++;
                    } else out.add(w.get(i));
                }
                next.merge(out, e.getValue(), Long::sum);
            }
            words = next;
        }
        return merges;
    }

    @Test
    void trainRejectsATooSmallVocabularyAndSingleByteSpecials() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> BpeTokenizer.train("abc", 256, List.of(EOT)));
        assertEquals(
                "BpeTokenizer.train: vocabSize 256 is less than 256 byte tokens + 1 special tokens", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BpeTokenizer.train("abc", 300, List.of("\n")));
    }

    @Test
    void trainingOnBytesLeavesInvalidBytesAlone() {
        // 0xFF between the a's is not UTF-8: it stands alone, so "aa" is never counted across it, only within "aa"
        byte[] corpus = {'a', (byte) 0xFF, 'a', 'a'};
        BpeTokenizer t = BpeTokenizer.train(corpus, 300, List.of());
        assertEquals(List.of(new BpeTokenizer.Merge(id(t, "a"), id(t, "a"), id(t, "aa"))), t.merges());
    }

    // -----------------------------------------------------------------------------------------------------------
    // Encoding

    @Test
    void bytesRoundTripIncludingInvalidUtf8() {
        qt().forAll(TokenizerGens.mixedBytes())
                .checkAssert(b -> assertArrayEquals(b, TRAINED.decodeBytes(TRAINED.encodeBytes(b))));
        qt().forAll(TokenizerGens.rawBytes())
                .checkAssert(b -> assertArrayEquals(b, TRAINED.decodeBytes(TRAINED.encodeBytes(b))));
    }

    @Test
    void stringsRoundTripWithUnpairedSurrogatesReadAsReplacement() {
        qt().forAll(TokenizerGens.anyStrings()).checkAssert(s -> {
            String expected = TokenizerGens.withReplacement(s);
            assertEquals(expected, TRAINED.decode(TRAINED.encode(s)));
            assertArrayEquals(TRAINED.encodeBytes(utf8(expected)), TRAINED.encode(s));
        });
    }

    @Test
    void invalidBytesBecomeSingleByteTokensBetweenEncodedRuns() {
        BpeTokenizer t = TRAINED;
        int[] the = t.encode("the");
        assertEquals(1, the.length, "\"the\" is a token of the trained vocabulary");
        // the ... 0xFF ... the: the stray byte splits the text into two runs, each encoded as text
        assertArrayEquals(
                new int[] {the[0], byteId(t, 0xFF), the[0]},
                t.encodeBytes(new byte[] {'t', 'h', 'e', (byte) 0xFF, 't', 'h', 'e'}));
        // overlong E0 80 80, encoded surrogate ED A0 80, truncated E2 82: every byte alone
        for (byte[] bad : new byte[][] {
            {(byte) 0xE0, (byte) 0x80, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}
        }) {
            int[] expected = new int[bad.length];
            for (int i = 0; i < bad.length; i++) expected[i] = byteId(t, bad[i] & 0xFF);
            assertArrayEquals(expected, t.encodeBytes(bad));
        }
        // a well-formed sequence is text: € (E2 82 AC) encodes as encode("€") does
        assertArrayEquals(t.encode("€"), t.encodeBytes(utf8("€")));
    }

    /**
     * GPT-2's merge rule as its encoder writes it: find the adjacent pair of lowest rank, rebuild the piece merging
     * every occurrence left to right, repeat. A rescan per merge: the plain reference for the heap in bpe().
     */
    private static int[] scanBpe(BpeTokenizer t, byte[] piece) {
        Map<List<Integer>, Integer> rank = new HashMap<>();
        for (int r = 0; r < t.merges().size(); r++)
            rank.putIfAbsent(List.of(t.merges().get(r).left(), t.merges().get(r).right()), r);
        List<Integer> w = new ArrayList<>();
        for (byte b : piece) w.add(byteId(t, b & 0xFF));
        while (true) {
            int best = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < w.size(); i++)
                best = Math.min(best, rank.getOrDefault(List.of(w.get(i), w.get(i + 1)), Integer.MAX_VALUE));
            if (best == Integer.MAX_VALUE) break;
            BpeTokenizer.Merge m = t.merges().get(best);
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < w.size(); i++) {
                if (i + 1 < w.size() && w.get(i) == m.left() && w.get(i + 1) == m.right()) {
                    out.add(m.result());
                    i++;
                } else out.add(w.get(i));
            }
            w = out;
        }
        return w.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void mergingByHeapMatchesMergingByRescan() {
        byte[] text = utf8(corpus().replace(EOT, ""));
        qt().withExamples(150)
                .forAll(integers().between(0, text.length - 1), integers().between(0, 300))
                .checkAssert((from, length) -> {
                    byte[] piece = java.util.Arrays.copyOfRange(text, from, Math.min(text.length, from + length));
                    assertArrayEquals(scanBpe(TRAINED, piece), TRAINED.bpe(piece));
                });
        qt().forAll(TokenizerGens.rawBytes())
                .checkAssert(piece -> assertArrayEquals(scanBpe(TRAINED, piece), TRAINED.bpe(piece)));
    }

    @Test
    void eachRoundMergesEveryOccurrenceBeforeLaterPairsAreConsidered(@TempDir Path dir) throws IOException {
        // rank 0 merges "ab a", whose "ab" only rank 1 makes. "abab": (a, b) is the only pair of any rank, so
        // all of its occurrences merge first → [ab, ab]; "ab ab" is no merge, so that is the result.
        Files.writeString(dir.resolve("vocab.json"), Json.write(byteVocab("ab", "aba")));
        Files.writeString(dir.resolve("merges.txt"), "ab a\na b\n");
        BpeTokenizer t = BpeTokenizer.load(dir.resolve("vocab.json"), dir.resolve("merges.txt"), List.of());
        assertArrayEquals(new int[] {256, 256}, t.encode("abab"));
        assertArrayEquals(scanBpe(t, utf8("abab")), t.encode("abab"));
        // "aba" → [ab, a] (rank 1) → [aba] (rank 0, next round)
        assertArrayEquals(new int[] {257}, t.encode("aba"));
    }

    @Test
    void aLongPreTokenEncodesLikeItsRescan() {
        StringBuilder sb = new StringBuilder();
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < 20_000; i++) sb.append("thequickbrownfox".charAt(rnd.nextInt(16)));
        byte[] piece = utf8(sb.toString());
        assertArrayEquals(scanBpe(TRAINED, piece), TRAINED.encode(sb.toString()));
    }

    @Test
    void overlappingSpecialTokensPreferTheLongest() throws IOException {
        BpeTokenizer t = BpeTokenizer.train(corpus(), 300, List.of(EOT, EOT + EOT));
        int single = t.specialTokenId(EOT).getAsInt();
        int dbl = t.specialTokenId(EOT + EOT).getAsInt();
        int[] ids = t.encode("the" + EOT + EOT + EOT + "the");
        int[] the = t.encode("the");
        int[] expected = new int[2 * the.length + 2];
        System.arraycopy(the, 0, expected, 0, the.length);
        expected[the.length] = dbl;
        expected[the.length + 1] = single;
        System.arraycopy(the, 0, expected, the.length + 2, the.length);
        assertArrayEquals(expected, ids);
        // a partial special token is ordinary text
        assertFalse(contains(t.encode("<|endoftext|"), single));
    }

    private static boolean contains(int[] xs, int x) {
        for (int y : xs) if (y == x) return true;
        return false;
    }

    @Test
    void decodeReplacesMalformedUtf8AndRejectsUnknownIds() {
        int ff = byteId(TRAINED, 0xFF);
        assertEquals("a\uFFFDb", TRAINED.decode(new int[] {byteId(TRAINED, 'a'), ff, byteId(TRAINED, 'b')}));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TRAINED.decodeBytes(new int[] {0, 350}));
        assertEquals("decode: id 350 at position 1 is outside [0, 350)", e.getMessage());
    }

    // -----------------------------------------------------------------------------------------------------------
    // Files

    @Test
    void saveThenLoadGivesTheSameTokenizer(@TempDir Path dir) throws IOException {
        TRAINED.save(dir);
        assertEquals(
                "#version: 0.2", Files.readAllLines(dir.resolve("merges.txt")).get(0));
        BpeTokenizer loaded = BpeTokenizer.load(dir.resolve("vocab.json"), dir.resolve("merges.txt"), List.of(EOT));
        assertEquals(TRAINED.vocabSize(), loaded.vocabSize());
        assertEquals(TRAINED.merges(), loaded.merges());
        for (int i = 0; i < TRAINED.vocabSize(); i++) assertArrayEquals(TRAINED.tokenBytes(i), loaded.tokenBytes(i));
        assertEquals(TRAINED.specialTokenId(EOT), loaded.specialTokenId(EOT));
        qt().forAll(TokenizerGens.mixedBytes())
                .checkAssert(b -> assertArrayEquals(TRAINED.encodeBytes(b), loaded.encodeBytes(b)));
        assertArrayEquals(TRAINED.encode(corpus()), loaded.encode(corpus()));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary files are left behind");
        }
    }

    @Test
    void aSpecialTokenMissingFromTheVocabularyGetsTheNextId(@TempDir Path dir) throws IOException {
        TRAINED.save(dir);
        BpeTokenizer t = BpeTokenizer.load(dir.resolve("vocab.json"), dir.resolve("merges.txt"), List.of(EOT, "<pad>"));
        assertEquals(351, t.vocabSize());
        assertEquals(OptionalInt.of(350), t.specialTokenId("<pad>"));
        assertArrayEquals(new int[] {350, 0}, t.encode("<pad>" + EOT));
    }

    /** Writes vocab.json and merges.txt as given, loads them, and returns the error message. */
    private static String loadError(Path dir, Map<String, Object> vocab, String merges) throws IOException {
        return loadError(dir, Json.write(vocab), merges);
    }

    private static String loadError(Path dir, String vocabJson, String merges) throws IOException {
        Path v = dir.resolve("vocab.json");
        Path m = dir.resolve("merges.txt");
        Files.writeString(v, vocabJson);
        Files.writeString(m, merges);
        return assertThrows(IllegalArgumentException.class, () -> BpeTokenizer.load(v, m, List.of()))
                .getMessage();
    }

    /** The 256 byte tokens with ids 0..255, then {@code extra} tokens with ids 256.. */
    private static Map<String, Object> byteVocab(String... extra) {
        Map<String, Object> v = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) v.put(String.valueOf(ByteUnicode.charOf(b)), (long) b);
        for (String e : extra) v.put(e, (long) v.size());
        return v;
    }

    @Test
    void aHandWrittenVocabularyLoadsAndMerges(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("vocab.json"), Json.write(byteVocab("Ġt", "he", "Ġthe")));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nĠ t\nh e\nĠt he\n\n");
        BpeTokenizer t = BpeTokenizer.load(dir.resolve("vocab.json"), dir.resolve("merges.txt"), List.of());
        // " the" → Ġ t h e → Ġt h e (rank 0) → Ġt he (rank 1) → Ġthe (rank 2); "hex" → he x
        assertArrayEquals(new int[] {258}, t.encode(" the"));
        assertArrayEquals(new int[] {257, 'x'}, t.encode("hex"));
    }

    @Test
    void malformedMergesNameTheFileAndLine(@TempDir Path dir) throws IOException {
        Map<String, Object> v = byteVocab("ab");
        String msg = loadError(dir, v, "a b\nab\n");
        assertTrue(
                msg.matches("merges .*merges\\.txt line 2: expected two tokens separated by one space, got \"ab\""),
                msg);
        msg = loadError(dir, v, "#version: 0.2\na  b\n");
        assertTrue(msg.endsWith("merges.txt line 2: expected two tokens separated by one space, got \"a  b\""), msg);
        msg = loadError(dir, v, "a b\nab zz\n");
        assertTrue(msg.endsWith("merges.txt line 2: token \"zz\" is not in the vocabulary"), msg);
        msg = loadError(dir, v, "b a\n");
        assertTrue(msg.endsWith("merges.txt line 1: merged token \"ba\" is not in the vocabulary"), msg);
        msg = loadError(dir, v, "a b\na b\n");
        assertTrue(msg.endsWith("merges.txt line 2: merge \"a b\" repeats line 1"), msg);
    }

    @Test
    void malformedVocabulariesNameTheFileAndToken(@TempDir Path dir) throws IOException {
        String msg = loadError(dir, "{\"a\": 0,", "");
        assertTrue(msg.startsWith("vocab " + dir.resolve("vocab.json") + ": json: "), msg);
        msg = loadError(dir, "[1, 2]", "");
        assertTrue(msg.contains("vocab.json: the top-level value must be an object"), msg);

        Map<String, Object> v = byteVocab("ab");
        v.put("ab", 1.5);
        msg = loadError(dir, v, "");
        assertTrue(msg.endsWith("vocab.json: token \"ab\" has id 1.5; ids must be integers"), msg);
        v.put("ab", 300L);
        msg = loadError(dir, v, "");
        assertTrue(
                msg.endsWith("token \"ab\" has id 300, outside [0, 257): the ids of 257 tokens must be 0..256"), msg);
        v.put("ab", 7L); // byte 7 is written ć (U+0107)
        msg = loadError(dir, v, "");
        assertTrue(msg.endsWith("vocab.json: tokens \"ć\" and \"ab\" both have id 7"), msg);
        v.remove("ab");
        v.put("a b", 256L);
        msg = loadError(dir, v, "");
        assertTrue(msg.contains("character U+0020 at index 1 is not one of GPT-2's 256 byte characters"), msg);

        Map<String, Object> missing = new LinkedHashMap<>();
        for (int b = 1; b < 256; b++) missing.put(String.valueOf(ByteUnicode.charOf(b)), (long) b - 1);
        msg = loadError(dir, missing, "");
        assertTrue(
                msg.endsWith("vocab.json: no token for byte 0x00 (written \"Ā\"); a byte-level vocabulary needs"
                        + " all 256 single bytes"),
                msg);
    }
}
