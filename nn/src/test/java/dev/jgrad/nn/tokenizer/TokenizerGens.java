package dev.jgrad.nn.tokenizer;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.quicktheories.core.Gen;

/** Generators for tokenizer properties, and the expected reading of strings with unpaired surrogates. */
final class TokenizerGens {
    private TokenizerGens() {}

    /** Pieces that exercise pre-tokenization, multi-byte UTF-8 and special tokens. */
    private static final List<String> FRAGMENTS = List.of(
            " the",
            "the",
            " a",
            "ing",
            "'s",
            "'ll",
            " 123",
            "4",
            "!!",
            " ",
            "  ",
            "\n",
            "\n\n",
            "\t",
            "é",
            "ß",
            "€",
            "語",
            "😀",
            "\u00a0",
            "<|endoftext|>",
            "<|endoftext|><|endoftext|>",
            "<|",
            "|>",
            "endoftext");

    /**
     * Byte arrays: each element is a raw byte (any of 256, so often invalid UTF-8: stray continuation bytes,
     * truncated or overlong sequences) or the UTF-8 of a fragment; shrinks toward short arrays.
     */
    static Gen<byte[]> mixedBytes() {
        return lists().of(integers().between(0, 255 + FRAGMENTS.size()))
                .ofSizeBetween(0, 40)
                .map(TokenizerGens::toBytes);
    }

    /** Byte arrays of uniformly random bytes. */
    static Gen<byte[]> rawBytes() {
        return lists().of(integers().between(0, 255)).ofSizeBetween(0, 64).map(TokenizerGens::toBytes);
    }

    /** Strings of arbitrary code points, unpaired surrogates included. */
    static Gen<String> anyStrings() {
        return strings().allPossible().ofLengthBetween(0, 30);
    }

    private static byte[] toBytes(List<Integer> xs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int x : xs) {
            if (x < 256) out.write(x);
            else out.writeBytes(FRAGMENTS.get(x - 256).getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** {@code s} with each unpaired surrogate read as U+FFFD: what a UTF-8 round trip should give. */
    static String withReplacement(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(c -> out.appendCodePoint(c >= 0xD800 && c <= 0xDFFF ? 0xFFFD : c));
        return out.toString();
    }
}
