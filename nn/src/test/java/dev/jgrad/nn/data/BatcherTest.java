package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatcherTest {
    /** tokens[i] = i, so a window's first input is its start. */
    private static TokenSequence positions(int n) {
        return TokenSequence.of(IntStream.range(0, n).toArray());
    }

    @Test
    void everyRowIsAWindowWithTargetsShiftedByOne() {
        qt().withExamples(200)
                .forAll(
                        integers().between(1, 40),
                        integers().between(1, 6),
                        integers().between(1, 20),
                        longs().all())
                .checkAssert((t, b, extra, seed) -> {
                    int n = t + extra; // n > T
                    Batch batch = new Batcher(positions(n), b, t, seed).next();
                    assertEquals(b * t, batch.inputs().length);
                    for (int row = 0; row < b; row++) {
                        int s = batch.input(row, 0);
                        assertTrue(s >= 0 && s <= n - t - 1, "start " + s + " outside [0, " + (n - t - 1) + "]");
                        for (int k = 0; k < t; k++) {
                            assertEquals(s + k, batch.input(row, k));
                            assertEquals(s + k + 1, batch.target(row, k));
                        }
                    }
                });
    }

    @Test
    void startsCoverTheWholeRangeIncludingBothEnds() {
        // n = 10, T = 4: starts 0..5; 400 rows at ~1/6 each miss a value with probability ≈ 6·(5/6)^400 ≈ 1e-31.
        Batcher batcher = new Batcher(positions(10), 8, 4, 3);
        boolean[] seen = new boolean[6];
        for (int i = 0; i < 50; i++) {
            Batch batch = batcher.next();
            for (int row = 0; row < 8; row++) seen[batch.input(row, 0)] = true;
        }
        for (int s = 0; s < 6; s++) assertTrue(seen[s], "start " + s + " never drawn");
        // n = T + 1 leaves exactly one window
        Batch only = new Batcher(positions(5), 3, 4, 9).next();
        assertArrayEquals(new int[] {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}, only.inputs());
    }

    @Test
    void sameSeedSameBatchesAndExactResumeFromSavedState() {
        TokenSequence tokens = positions(1000);
        Batcher a = new Batcher(tokens, 4, 16, 42), b = new Batcher(tokens, 4, 16, 42);
        for (int i = 0; i < 5; i++)
            assertArrayEquals(a.next().inputs(), b.next().inputs());
        assertFalse(Arrays.equals(
                a.next().inputs(), new Batcher(tokens, 4, 16, 43).next().inputs()));

        long saved = a.state();
        int[][] expected = new int[5][];
        for (int i = 0; i < 5; i++) expected[i] = a.next().inputs();
        Batcher resumed = new Batcher(tokens, 4, 16, -1);
        resumed.setState(saved);
        for (int i = 0; i < 5; i++)
            assertArrayEquals(expected[i], resumed.next().inputs());
        assertEquals(a.state(), resumed.state());
    }

    @Test
    void tooShortCorpusAndBadSizesAreNamed() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new Batcher(positions(64), 16, 64, 0));
        assertEquals(
                "batcher: 64 tokens are too few for one window of contextLength 64 (needs at least 65: T inputs plus"
                        + " the target after them)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Batcher(positions(100), 0, 8, 0));
        assertEquals("batcher: batchSize must be positive, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Batcher(positions(100), 4, -2, 0));
        assertEquals("batcher: contextLength must be positive, got -2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EvalWindows(positions(3), 3));
        assertTrue(e.getMessage().startsWith("evalWindows: 3 tokens are too few"), e.getMessage());
    }

    @Test
    void evalWindowsAreConsecutiveFromTheStart() {
        // n = 11, T = 3: ⌊10 / 3⌋ = 3 windows, inputs [0,3) [3,6) [6,9), targets [1,4) [4,7) [7,10); token 10 unused
        EvalWindows w = new EvalWindows(positions(11), 3);
        assertEquals(3, w.count());
        List<Batch> batches = w.batches(2);
        assertEquals(2, batches.size());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, batches.get(0).inputs());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, batches.get(0).targets());
        assertEquals(1, batches.get(1).batchSize());
        assertArrayEquals(new int[] {6, 7, 8}, batches.get(1).inputs());
        assertArrayEquals(new int[] {7, 8, 9}, batches.get(1).targets());
        // n = 10, T = 3: ⌊9 / 3⌋ = 3 windows, the last target is the last token
        assertArrayEquals(
                new int[] {7, 8, 9},
                new EvalWindows(positions(10), 3).batch(2, 1).targets());
        assertThrows(IllegalArgumentException.class, () -> w.batch(2, 2));
    }

    @Test
    void splitKeepsValidationContiguousAtTheEnd() {
        TokenDataset d = TokenDataset.split(positions(100), 0.1);
        assertArrayEquals(IntStream.range(0, 90).toArray(), d.train().toArray());
        assertArrayEquals(IntStream.range(90, 100).toArray(), d.val().toArray());
        assertEquals(0, TokenDataset.split(positions(100), 0).val().size());
        assertThrows(IllegalArgumentException.class, () -> TokenDataset.split(positions(100), 1.0));
        assertThrows(IndexOutOfBoundsException.class, () -> d.val().get(10));
    }
}
