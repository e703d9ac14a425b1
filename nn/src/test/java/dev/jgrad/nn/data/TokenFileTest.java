package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {
    @TempDir
    Path dir;

    @Test
    void uint16RoundTripIsLittleEndianWithNoHeader() throws IOException {
        Path f = dir.resolve("gpt2.bin");
        int[] tokens = {0, 1, 258, 50256};
        TokenFile.write(f, tokens, 50257);
        // 258 = 0x0102 → 02 01;  50256 = 0xC450 → 50 C4
        assertArrayEquals(new byte[] {0, 0, 1, 0, 2, 1, 0x50, (byte) 0xC4}, Files.readAllBytes(f));
        TokenFile read = TokenFile.open(f, 50257);
        assertEquals(TokenFile.Dtype.UINT16, read.dtype());
        assertArrayEquals(tokens, read.toArray());
    }

    @Test
    void int32RoundTripAboveSixteenBits() throws IOException {
        Path f = dir.resolve("big.bin");
        int[] tokens = {65536, 0, 99999, 0x12345678};
        TokenFile.write(f, tokens, Integer.MAX_VALUE);
        byte[] raw = Files.readAllBytes(f);
        assertEquals(16, raw.length);
        // 0x12345678 little-endian → 78 56 34 12
        assertArrayEquals(new byte[] {0x78, 0x56, 0x34, 0x12}, Arrays.copyOfRange(raw, 12, 16));
        assertEquals(TokenFile.Dtype.INT32, TokenFile.Dtype.forVocabSize(65537));
        assertEquals(TokenFile.Dtype.UINT16, TokenFile.Dtype.forVocabSize(65536));
        assertArrayEquals(tokens, TokenFile.open(f, Integer.MAX_VALUE).toArray());
    }

    @Test
    void readsBytesLaidOutAsNumpyTofileWritesThem() throws IOException {
        // np.array([1, 256, 65535], dtype=np.uint16).tofile(f) writes 01 00 | 00 01 | FF FF
        Path u16 = dir.resolve("np.u16");
        Files.write(u16, new byte[] {1, 0, 0, 1, (byte) 0xFF, (byte) 0xFF});
        assertArrayEquals(new int[] {1, 256, 65535}, TokenFile.open(u16, 65536).toArray());
        // np.array([7, 100000], dtype=np.int32).tofile(f): 100000 = 0x000186A0 → A0 86 01 00
        Path i32 = dir.resolve("np.i32");
        Files.write(i32, new byte[] {7, 0, 0, 0, (byte) 0xA0, (byte) 0x86, 1, 0});
        assertArrayEquals(new int[] {7, 100000}, TokenFile.open(i32, 100001).toArray());
    }

    @Test
    void roundTripProperty() {
        qt().withExamples(30)
                .forAll(integers().between(1, 200_000), integers().between(0, 300), longs().all())
                .checkAssert((vocab, n, seed) -> {
                    Random rnd = new Random(seed);
                    int[] tokens = rnd.ints(n, 0, vocab).toArray();
                    try {
                        Path f = dir.resolve("p.bin");
                        TokenFile.write(f, tokens, vocab);
                        assertEquals((long) n * TokenFile.Dtype.forVocabSize(vocab).bytes, Files.size(f));
                        assertArrayEquals(tokens, TokenFile.open(f, vocab).toArray());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    @Test
    void overwriteLeavesNoTemporaryFiles() throws IOException {
        Path f = dir.resolve("t.bin");
        TokenFile.write(f, new int[] {1, 2, 3}, 10);
        TokenFile.write(f, new int[] {4}, 10);
        assertArrayEquals(new int[] {4}, TokenFile.open(f, 10).toArray());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
        assertEquals(0, TokenFile.open(emptyFile(), 10).size());
    }

    @Test
    void oddSizedFileIsRejectedWithItsSizeAndPath() throws IOException {
        Path f = dir.resolve("odd.bin");
        Files.write(f, new byte[] {1, 0, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenFile.open(f, 256));
        assertTrue(e.getMessage().contains("is 3 bytes, not a multiple of 2"), e.getMessage());
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        Files.write(f, new byte[] {1, 0, 0, 0, 2, 0});
        e = assertThrows(IllegalArgumentException.class, () -> TokenFile.open(f, 100_000));
        assertTrue(e.getMessage().contains("is 6 bytes, not a multiple of 4"), e.getMessage());
    }

    @Test
    void idOutsideTheVocabularyIsRejectedWithIdPositionAndPath() throws IOException {
        Path f = dir.resolve("ids.bin");
        Files.write(f, new byte[] {5, 0, 9, 0, 44, 1}); // 5, 9, 300
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenFile.open(f, 256));
        assertEquals("tokenFile: token id 300 at position 2 is outside [0, 256) in " + f, e.getMessage());
        Files.write(f, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}); // int32 −1
        e = assertThrows(IllegalArgumentException.class, () -> TokenFile.open(f, 70_000));
        assertTrue(e.getMessage().contains("token id -1 at position 0"), e.getMessage());

        Path never = dir.resolve("never.bin");
        e = assertThrows(IllegalArgumentException.class, () -> TokenFile.write(never, new int[] {3, 256}, 256));
        assertTrue(e.getMessage().contains("token id 256 at position 1"), e.getMessage());
        assertFalse(Files.exists(never));
    }

    @Test
    void syntheticCorpusAsByteTokensFeedsABatcher() throws IOException {
        byte[] text = SyntheticCorpus.standard().generate(1, 4000).getBytes(StandardCharsets.US_ASCII);
        int[] tokens = new int[text.length];
        for (int i = 0; i < text.length; i++) tokens[i] = text[i] & 0xFF;
        Path f = dir.resolve("synthetic.bin");
        TokenFile.write(f, tokens, 256);
        TokenDataset data = TokenDataset.split(TokenFile.open(f, 256), 0.1);
        assertEquals(3600, data.train().size());
        Batch batch = data.trainBatcher(4, 64, 7).next();
        for (int b = 0; b < 4; b++)
            for (int t = 0; t + 1 < 64; t++) assertEquals(batch.target(b, t), batch.input(b, t + 1));
        assertEquals(6, data.valWindows(64).count()); // 400 validation tokens: ⌊399 / 64⌋ = 6 windows
    }

    private Path emptyFile() throws IOException {
        return Files.write(dir.resolve("empty.bin"), new byte[0]);
    }
}
