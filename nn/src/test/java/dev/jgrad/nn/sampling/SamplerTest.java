package dev.jgrad.nn.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;

class SamplerTest {
    @Test
    void zeroTemperatureIsArgMax() {
        float[] z = {0.1f, 2.5f, -1f, 2.4f};
        assertEquals(1, new Sampler(0, 1, 7).sample(z, 0, 4));
    }

    @Test
    void frequenciesFollowSoftmax() {
        // z = [0, ln 3] → p = [1/4, 3/4]
        float[] z = {0f, (float) Math.log(3)};
        Sampler s = new Sampler(1, 1, 42);
        int n = 40_000;
        int ones = 0;
        for (int i = 0; i < n; i++) {
            ones += s.sample(z, 0, 2);
        }
        // binomial standard deviation √(n·¾·¼) ≈ 87; allow 5 of them
        assertEquals(0.75 * n, ones, 5 * Math.sqrt(n * 0.75 * 0.25));
    }

    @Test
    void topPKeepsOnlyTheNucleus() {
        // p = [0.5, 0.3, 0.2] (from logs); top-p 0.7 keeps tokens 0 and 1 only
        float[] z = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        qt().withExamples(200).forAll(longs().all()).checkAssert(seed -> {
            int t = new Sampler(1, 0.7, seed).sample(z, 0, 3);
            assertTrue(t == 0 || t == 1, "drew " + t);
        });
    }

    @Test
    void sameSeedSameDraws() {
        float[] z = {0.3f, 0.1f, 0.9f, -0.2f, 0.5f};
        Sampler a = new Sampler(0.8, 0.9, 5);
        Sampler b = new Sampler(0.8, 0.9, 5);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.sample(z, 0, 5), b.sample(z, 0, 5));
        }
    }

    @Test
    void readsTheRequestedRow() {
        float[] z = {9f, 0f, 0f, 0f, 0f, 9f};
        assertEquals(2, new Sampler(0, 1, 1).sample(z, 3, 3));
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 1.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 1, 0).sample(new float[0], 0, 0));
    }
}
