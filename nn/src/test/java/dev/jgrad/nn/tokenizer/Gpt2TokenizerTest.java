package dev.jgrad.nn.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.quicktheories.QuickTheory.qt;

import dev.jgrad.nn.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * GPT-2's own vocabulary and merges (shared/data) must give exactly GPT-2's ids. The expected ids in
 * {@code gpt2-expected-ids.json} were computed by tiktoken, an independent implementation; the script beside that
 * file regenerates them. Skipped when shared/data is absent.
 */
class Gpt2TokenizerTest {
    private static final String EOT = "<|endoftext|>";
    private static BpeTokenizer plain; // no special tokens: <|endoftext|> is ordinary text
    private static BpeTokenizer special; // <|endoftext|> registered

    private static synchronized BpeTokenizer gpt2(boolean withSpecial) {
        try {
            if (plain == null) {
                plain = BpeTokenizer.load(
                        SharedData.file("gpt2_vocab.json"), SharedData.file("gpt2_merges.txt"), List.of());
                special = BpeTokenizer.load(
                        SharedData.file("gpt2_vocab.json"), SharedData.file("gpt2_merges.txt"), List.of(EOT));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return withSpecial ? special : plain;
    }

    private static int[] ints(Object jsonArray) {
        List<Object> xs = Json.array(jsonArray, "ids");
        int[] out = new int[xs.size()];
        for (int i = 0; i < out.length; i++) out[i] = (int) Json.integer(xs.get(i), "id");
        return out;
    }

    private static Map<String, Object> expected() throws IOException {
        try (InputStream in = Gpt2TokenizerTest.class.getResourceAsStream("gpt2-expected-ids.json")) {
            assertNotNull(in, "gpt2-expected-ids.json on the test class path");
            return Json.object(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)), "expected ids");
        }
    }

    @Test
    void factsReadOffTheVocabularyFile() {
        BpeTokenizer t = gpt2(true);
        assertEquals(50257, t.vocabSize());
        assertEquals(50000, t.merges().size());
        assertArrayEquals(new int[] {15496}, t.encode("Hello")); // "Hello": 15496 in gpt2_vocab.json
        assertArrayEquals(new int[] {995}, t.encode(" world")); // "Ġworld": 995
        assertArrayEquals(new int[] {15496, 995}, t.encode("Hello world"));
        assertArrayEquals(new int[] {50256}, t.encode(EOT));
        assertEquals(OptionalInt.of(50256), t.specialTokenId(EOT));
        assertEquals(OptionalInt.empty(), gpt2(false).specialTokenId(EOT));
    }

    @Test
    void textsEncodeToTiktokensIds() throws IOException {
        List<String> failures = new ArrayList<>();
        for (Object c : Json.array(expected().get("texts"), "texts")) {
            Map<String, Object> kase = Json.object(c, "case");
            String text = Json.string(kase.get("text"), "text");
            BpeTokenizer t = gpt2(Json.bool(kase.get("special"), "special"));
            int[] want = ints(kase.get("ids"));
            int[] got = t.encode(text);
            if (!Arrays.equals(want, got))
                failures.add(
                        Json.write(text) + ": expected " + Arrays.toString(want) + ", got " + Arrays.toString(got));
            assertEquals(text, t.decode(got));
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void sharedDataFilesEncodeToTiktokensIds() throws IOException {
        for (Object c : Json.array(expected().get("files"), "files")) {
            Map<String, Object> kase = Json.object(c, "case");
            String name = Json.string(kase.get("file"), "file");
            byte[] bytes = Files.readAllBytes(SharedData.file(name));
            BpeTokenizer t = gpt2(Json.bool(kase.get("special"), "special"));
            int[] got = t.encodeBytes(bytes);
            assertArrayEquals(ints(kase.get("ids")), got, name);
            assertArrayEquals(bytes, t.decodeBytes(got), name);
        }
    }

    @Test
    void specialTokenFixturesKeepTheirNewlines() throws IOException {
        BpeTokenizer t = gpt2(true);
        // "<|endoftext|>\n\n": the special token, then "\n\n" as one whitespace pre-token (id of "ĊĊ")
        Map<String, Object> vocab =
                Json.object(Json.parse(Files.readString(SharedData.file("gpt2_vocab.json"))), "vocab");
        int newlines = (int) Json.integer(vocab.get("ĊĊ"), "id of ĊĊ");
        assertArrayEquals(
                new int[] {50256, newlines},
                t.encode(Files.readString(SharedData.file("special_token_trailing_newlines.txt"))));
        // "<|endoftext|>\n\ntesting!": before "testing" the run "\n\n" leaves its last char as its own pre-token
        int[] ids = t.encode(Files.readString(SharedData.file("special_token_double_newlines_non_whitespace.txt")));
        assertEquals(50256, ids[0]);
        assertEquals("\n", t.decode(new int[] {ids[1]}));
        assertEquals("\n", t.decode(new int[] {ids[2]}));
        assertEquals("testing!", t.decode(Arrays.copyOfRange(ids, 3, ids.length)));
    }

    @Test
    void withoutRegistrationTheSpecialTokenIsOrdinaryText() {
        BpeTokenizer t = gpt2(false);
        int[] ids = t.encode(EOT);
        assertEquals(EOT, t.decode(ids));
        for (int id : ids) assertNotEquals(50256, id, "50256 only comes from the registered special token");
    }

    @Test
    void arbitraryBytesRoundTrip() {
        BpeTokenizer t = gpt2(true);
        qt().forAll(TokenizerGens.mixedBytes()).checkAssert(b -> assertArrayEquals(b, t.decodeBytes(t.encodeBytes(b))));
        qt().forAll(TokenizerGens.anyStrings())
                .checkAssert(s -> assertEquals(TokenizerGens.withReplacement(s), t.decode(t.encode(s))));
    }
}
