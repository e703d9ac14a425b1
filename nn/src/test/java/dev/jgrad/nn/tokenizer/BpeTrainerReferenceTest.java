package dev.jgrad.nn.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.nn.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Training on CS336's {@code corpus.en} with vocabulary 500 and special token {@code <|endoftext|>} reproduces the
 * assignment's reference merges (in order) and vocabulary. Skipped when shared/data is absent.
 */
class BpeTrainerReferenceTest {

    /** Byte strings as Latin-1 strings, so lists and sets of them compare by content. */
    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void corpusEnReproducesTheReferenceMergesAndVocabulary() throws IOException {
        String corpus = Files.readString(SharedData.file("corpus.en"));
        List<String> refMerges = Files.readAllLines(SharedData.file("train-bpe-reference-merges.txt"));
        Map<String, Object> refVocab = Json.object(
                Json.parse(Files.readString(SharedData.file("train-bpe-reference-vocab.json"))), "reference vocab");

        long start = System.nanoTime();
        BpeTokenizer t = BpeTokenizer.train(corpus, 500, List.of("<|endoftext|>"));
        System.out.printf(
                "corpus.en (%d bytes), vocab 500: trained in %.0f ms%n",
                corpus.getBytes(StandardCharsets.UTF_8).length, (System.nanoTime() - start) / 1e6);

        List<String> expected = new ArrayList<>();
        for (String line : refMerges) {
            String[] parts = line.split(" ");
            expected.add(latin1(ByteUnicode.toBytes(parts[0])) + " " + latin1(ByteUnicode.toBytes(parts[1])));
        }
        List<String> actual = new ArrayList<>();
        for (BpeTokenizer.Merge m : t.merges())
            actual.add(latin1(t.tokenBytes(m.left())) + " " + latin1(t.tokenBytes(m.right())));
        assertEquals(expected, actual);

        // Only the set of byte strings is meaningful, but our ids follow the reference layout, so compare both.
        Set<String> expectedTokens = new HashSet<>();
        Map<String, Integer> expectedIds = new HashMap<>();
        for (Map.Entry<String, Object> e : refVocab.entrySet()) {
            String bytes = latin1(ByteUnicode.toBytes(e.getKey()));
            expectedTokens.add(bytes);
            expectedIds.put(bytes, (int) Json.integer(e.getValue(), "id"));
        }
        Set<String> actualTokens = new HashSet<>();
        Map<String, Integer> actualIds = new HashMap<>();
        for (int id = 0; id < t.vocabSize(); id++) {
            actualTokens.add(latin1(t.tokenBytes(id)));
            actualIds.put(latin1(t.tokenBytes(id)), id);
        }
        assertEquals(expectedTokens, actualTokens);
        assertEquals(expectedIds, actualIds);
    }
}
