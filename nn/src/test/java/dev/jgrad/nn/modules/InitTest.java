package dev.jgrad.nn.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Initial weights: truncated at ±3σ, mean 0, and the variance of a normal truncated there.
 *
 * <p>For N(0, σ²) cut to [−3σ, 3σ] the variance is σ²·κ with κ = 1 − 2·3·φ(3) / (Φ(3) − Φ(−3)). The test
 * computes κ by integrating the normal density numerically rather than trusting a constant (κ ≈ 0.973).
 * With n samples the sample variance has standard error about σ²·κ·sqrt(2/n), 0.6% at n = 60 000, so the
 * ±3% bound sits five standard errors out; the mean's bound is five standard errors, 5σ/√n.
 */
class InitTest {
    /** κ = Var(z | |z| ≤ 3) for z ~ N(0, 1), by Simpson's rule on ∫ z² φ(z) dz / ∫ φ(z) dz over [−3, 3]. */
    private static double truncatedVarianceFactor() {
        int n = 6000;
        double h = 6.0 / n;
        double mass = 0;
        double second = 0;
        for (int i = 0; i <= n; i++) {
            double z = -3 + i * h;
            double w = (i == 0 || i == n) ? 1 : (i % 2 == 1 ? 4 : 2);
            double phi = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
            mass += w * phi;
            second += w * z * z * phi;
        }
        return second / mass;
    }

    private static void assertTruncatedNormal(double[] w, double std) {
        double kappa = truncatedVarianceFactor();
        double sum = 0;
        double max = 0;
        for (double v : w) {
            sum += v;
            max = Math.max(max, Math.abs(v));
        }
        double mean = sum / w.length;
        double ss = 0;
        for (double v : w) {
            ss += (v - mean) * (v - mean);
        }
        double var = ss / (w.length - 1);
        assertTrue(max <= 3 * std * (1 + 1e-6), "a weight of " + max + " lies beyond 3σ = " + 3 * std);
        assertTrue(max > 2.5 * std, "no weight beyond 2.5σ in " + w.length + " samples: not a normal");
        assertEquals(0, mean, 5 * std / Math.sqrt(w.length), "mean");
        assertEquals(kappa, var / (std * std), 0.03 * kappa, "variance / σ²");
    }

    @Test
    void linearWeightsAreNormalWithVarianceTwoOverFanInPlusFanOutTruncatedAtThreeSigma() {
        Linear lin = new Linear(200, 300, new Random(42));
        assertTruncatedNormal(lin.weight().toDoubleArray(), Math.sqrt(2.0 / (200 + 300)));
    }

    @Test
    void embeddingWeightsAreStandardNormalTruncatedAtThree() {
        Embedding emb = new Embedding(600, 100, new Random(43));
        assertTruncatedNormal(emb.weight().toDoubleArray(), 1);
    }

    @Test
    void theSameSeedGivesTheSameWeights() {
        Tensor a = new Linear(5, 7, new Random(9)).weight();
        Tensor b = new Linear(5, 7, new Random(9)).weight();
        Tensor c = new Linear(5, 7, new Random(10)).weight();
        assertEquals(0, a.sub(b).abs().max().item());
        assertTrue(a.sub(c).abs().max().item() > 0);
    }

    @Test
    void biasStartsAtZero() {
        Linear lin = new Linear(5, 7, true, dev.jgrad.core.tensor.DType.FLOAT32, new Random(9));
        assertEquals(0, lin.bias().abs().max().item());
    }
}
