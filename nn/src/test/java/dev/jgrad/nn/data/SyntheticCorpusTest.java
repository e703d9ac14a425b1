package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticCorpusTest {
    private static final SyntheticCorpus STANDARD = SyntheticCorpus.standard();
    private static final String MEGABYTE = STANDARD.generate(42, 1 << 20);

    @Test
    void twoWordChainByHand() {
        // a → a ½, a → bb ½;  bb → a 1.
        // π = π P:  π_bb = π_a / 2, π_a + π_bb = 1  →  π = (2/3, 1/3)
        // H(P_a) = 1 bit, H(P_bb) = 0;  bytes: "a " = 2, "bb " = 3
        // rate = (2/3 · 1) / (2/3 · 2 + 1/3 · 3) = (2/3) / (7/3) = 2/7 bits per byte
        SyntheticCorpus c = new SyntheticCorpus(List.of("a", "bb"), new double[][] {{0.5, 0.5}, {1, 0}});
        assertArrayEquals(new double[] {2.0 / 3, 1.0 / 3}, c.stationary(), 1e-15);
        assertEquals(1.0, c.rowEntropyBits(0), 1e-15);
        assertEquals(0.0, c.rowEntropyBits(1), 0);
        assertEquals(2.0 / 3, c.entropyBitsPerWord(), 1e-15);
        assertEquals(7.0 / 3, c.meanBytesPerWord(), 1e-15);
        assertEquals(2.0 / 7, c.entropyRateBitsPerByte(), 1e-15);
    }

    @Test
    void stationaryDistributionSatisfiesPiPEqualsPi() {
        double[] pi = STANDARD.stationary();
        double[][] p = STANDARD.transitions();
        double sum = 0;
        for (int j = 0; j < pi.length; j++) {
            double flowIn = 0;
            for (int i = 0; i < pi.length; i++) flowIn += pi[i] * p[i][j];
            assertEquals(pi[j], flowIn, 1e-14, () -> "(πP)_j ≠ π_j");
            assertTrue(pi[j] > 0);
            sum += pi[j];
        }
        assertEquals(1.0, sum, 1e-14);
    }

    @Test
    void standardFloorIsInRangeAndMatchesAnIndependentComputation() {
        double rate = STANDARD.entropyRateBitsPerByte();
        assertTrue(rate >= 0.3 && rate <= 1.5, "floor " + rate);
        // The same grammar rebuilt in Python and solved with numpy.linalg.solve gave 0.8188384254602059.
        assertEquals(0.8188384254602059, rate, 1e-12);
        assertEquals(58, STANDARD.words().size());
    }

    @Test
    void empiricalLogLossOfTheTrueModelMatchesTheRate() {
        // Plug-in estimate along 1 MiB of text: −(1/bytes) Σ_t log₂ P(w_{t+1} | w_t), complete words only.
        // ~240k words; the per-word surprisal has a standard deviation near 1.5 bits and the chain mixes within a
        // few words, so the estimate's standard error is about 0.1% of the rate (20 batch means gave 0.07%); the
        // start in "." instead of π adds O(1/words). 1% is over ten standard errors, yet dropping the space from
        // ℓ_i (+30%) or weighting rows uniformly instead of by π (several %) would fail it.
        String[] w = MEGABYTE.split(" ", -1);
        int prev = 0; // generation starts in state 0 = "."
        double bits = 0;
        long bytes = 0;
        for (int t = 0; t < w.length - 1; t++) { // the last piece may be cut short
            int next = STANDARD.indexOf(w[t]);
            bits -= Math.log(STANDARD.transition(prev, next)) / Math.log(2);
            bytes += w[t].length() + 1;
            prev = next;
        }
        double rate = STANDARD.entropyRateBitsPerByte();
        assertEquals(rate, bits / bytes, 0.01 * rate);
    }

    @Test
    void previousByteAloneIsNotEnough() {
        // Plug-in H(X_{t+1} | X_t) from byte-pair counts; ~2.6 bits vs the 0.82 floor. A model must look further back.
        byte[] b = MEGABYTE.getBytes(StandardCharsets.US_ASCII);
        long[][] pair = new long[128][128];
        long[] first = new long[128];
        for (int t = 0; t + 1 < b.length; t++) {
            pair[b[t]][b[t + 1]]++;
            first[b[t]]++;
        }
        double h = 0;
        for (int a = 0; a < 128; a++)
            for (int c = 0; c < 128; c++)
                if (pair[a][c] > 0) h -= pair[a][c] * Math.log((double) pair[a][c] / first[a]);
        h /= (b.length - 1) * Math.log(2);
        assertTrue(h > 2 * STANDARD.entropyRateBitsPerByte(), "H(next byte | previous byte) = " + h);
    }

    @Test
    void textIsSpaceSeparatedAsciiWordsOfTheVocabulary() {
        String text = STANDARD.generate(7, 10_000);
        assertEquals(10_000, text.length());
        assertTrue(text.chars().allMatch(c -> c >= ' ' && c < 127));
        assertTrue(!text.contains("  ") && !text.startsWith(" "));
        String[] w = text.split(" ");
        for (int t = 0; t < w.length - 1; t++) assertTrue(STANDARD.indexOf(w[t]) >= 0, w[t]);
        assertTrue(STANDARD.transition(0, STANDARD.indexOf(w[0])) > 0, "the text opens a sentence");
    }

    @Test
    void sameSeedSameTextAndStreamingAgrees() throws IOException {
        String a = STANDARD.generate(123, 5000);
        assertEquals(a, STANDARD.generate(123, 5000));
        assertEquals(a.substring(0, 777), STANDARD.generate(123, 777));
        assertNotEquals(a, STANDARD.generate(124, 5000));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        STANDARD.write(123, 5000, out);
        assertArrayEquals(a.getBytes(StandardCharsets.US_ASCII), out.toByteArray());
        assertEquals("", STANDARD.generate(123, 0));
    }

    @Test
    void chainIsIrreducibleAndBadChainsAreRejected() {
        Set<String> seen = new HashSet<>(List.of(MEGABYTE.split(" ")));
        assertTrue(seen.containsAll(STANDARD.words()), "every word occurs in 1 MiB of text");

        IllegalArgumentException periodic = assertThrows(
                IllegalArgumentException.class,
                () -> new SyntheticCorpus(List.of("a", "b"), new double[][] {{0, 1}, {1, 0}}));
        assertTrue(periodic.getMessage().contains("period 2"), periodic.getMessage());
        IllegalArgumentException reducible = assertThrows(
                IllegalArgumentException.class,
                () -> new SyntheticCorpus(List.of("a", "b"), new double[][] {{0.5, 0.5}, {0, 1}}));
        assertTrue(reducible.getMessage().contains("not irreducible"), reducible.getMessage());
        IllegalArgumentException rowSum = assertThrows(
                IllegalArgumentException.class,
                () -> new SyntheticCorpus(List.of("a", "b"), new double[][] {{0.5, 0.6}, {1, 0}}));
        assertTrue(rowSum.getMessage().contains("row 0 (\"a\") sums to 1.1"), rowSum.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> new SyntheticCorpus(List.of("a b", "c"), new double[][] {{0.5, 0.5}, {1, 0}}));
    }
}
