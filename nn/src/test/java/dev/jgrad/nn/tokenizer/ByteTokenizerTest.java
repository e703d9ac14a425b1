package dev.jgrad.nn.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ByteTokenizerTest {
    private static final List<String> SPECIALS = List.of("<|endoftext|>", "<|endoftext|><|endoftext|>");

    @Test
    void idIsTheByteValue() {
        ByteTokenizer t = new ByteTokenizer();
        assertEquals(256, t.vocabSize());
        // "é" is C3 A9 in UTF-8; "\n" is 0A
        assertArrayEquals(new int[] {'h', 'i', 0xC3, 0xA9, 0x0A}, t.encode("hié\n"));
        assertArrayEquals(new int[] {0xFF, 0x00, 0x80}, t.encodeBytes(new byte[] {(byte) 0xFF, 0, (byte) 0x80}));
        assertEquals("hié\n", t.decode(new int[] {'h', 'i', 0xC3, 0xA9, 0x0A}));
        assertEquals(OptionalInt.empty(), t.specialTokenId("<|endoftext|>"));
    }

    @Test
    void specialTokensFollowTheBytesAndTheLongestMatchWins() {
        ByteTokenizer t = new ByteTokenizer(SPECIALS);
        assertEquals(258, t.vocabSize());
        assertEquals(OptionalInt.of(256), t.specialTokenId("<|endoftext|>"));
        assertEquals(OptionalInt.of(257), t.specialTokenId("<|endoftext|><|endoftext|>"));
        // three in a row: the double one first (longest at the leftmost place), then the single one
        assertArrayEquals(new int[] {'a', 257, 256, 'b'}, t.encode("a<|endoftext|><|endoftext|><|endoftext|>b"));
        assertArrayEquals(new int[] {'<', '|', 'x'}, t.encode("<|x"));
        assertEquals("<|endoftext|>", new String(t.tokenBytes(256), StandardCharsets.UTF_8));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        ByteTokenizer t = new ByteTokenizer(List.of("<|endoftext|>"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> t.decodeBytes(new int[] {1, 257}));
        assertEquals("decode: id 257 at position 1 is outside [0, 257)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.decodeBytes(new int[] {-1}));
    }

    @Test
    void badSpecialTokensAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ByteTokenizer(List.of("")));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new ByteTokenizer(List.of("<s>", "<s>")));
        assertTrue(e.getMessage().contains("\"<s>\" is listed twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ByteTokenizer(List.of("a\uD800")));
    }

    @Test
    void bytesRoundTripWithAndWithoutSpecialTokens() {
        ByteTokenizer plain = new ByteTokenizer();
        ByteTokenizer special = new ByteTokenizer(SPECIALS);
        qt().forAll(TokenizerGens.mixedBytes()).checkAssert(b -> {
            assertArrayEquals(b, plain.decodeBytes(plain.encodeBytes(b)));
            assertArrayEquals(b, special.decodeBytes(special.encodeBytes(b)));
        });
        qt().forAll(TokenizerGens.rawBytes()).checkAssert(b -> {
            assertArrayEquals(b, special.decodeBytes(special.encodeBytes(b)));
        });
    }

    @Test
    void stringsRoundTripWithUnpairedSurrogatesReadAsReplacement() {
        ByteTokenizer t = new ByteTokenizer(SPECIALS);
        qt().forAll(TokenizerGens.anyStrings()).checkAssert(s -> {
            assertEquals(TokenizerGens.withReplacement(s), t.decode(t.encode(s)));
            assertArrayEquals(
                    t.encodeBytes(TokenizerGens.withReplacement(s).getBytes(StandardCharsets.UTF_8)), t.encode(s));
        });
    }
}
