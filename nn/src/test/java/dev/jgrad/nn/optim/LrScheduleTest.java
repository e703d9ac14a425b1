package dev.jgrad.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.jgrad.core.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class LrScheduleTest {
    // α_max = 1e-3, α_min = 1e-4, T_w = 100, T_c = 1100: the cosine spans 1000 steps
    private final LrSchedule cosine = LrSchedule.cosine(1e-3, 1e-4, 100, 1100);

    @Test
    void warmupRisesLinearlyFromZero() {
        assertEquals(0.0, cosine.lr(0), 0); // 0/100 · α_max
        assertEquals(0.5e-3, cosine.lr(50), 1e-18); // 50/100 · α_max
        assertEquals(0.99e-3, cosine.lr(99), 1e-18); // the last warmup step
    }

    @Test
    void cosineRunsFromMaxThroughMidpointToMin() {
        assertEquals(1e-3, cosine.lr(100), 1e-18); // cos 0 = 1: α_max
        assertEquals((1e-3 + 1e-4) / 2, cosine.lr(600), 1e-18); // cos(π/2) = 0: the mean of max and min
        // t = 350: a quarter of the way, cos(π/4) = √2/2, α = α_min + (1 + √2/2)/2 · 9e-4
        assertEquals(1e-4 + (1 + Math.sqrt(0.5)) / 2 * 9e-4, cosine.lr(350), 1e-18);
        assertEquals(1e-4, cosine.lr(1100), 1e-18); // cos π = −1: α_min
    }

    @Test
    void afterTheCycleItStaysAtMin() {
        assertEquals(1e-4, cosine.lr(1101), 0);
        assertEquals(1e-4, cosine.lr(1_000_000_000L), 0);
    }

    @Test
    void withoutWarmupItStartsAtMax() {
        LrSchedule s = LrSchedule.cosine(2.0, 0.0, 0, 10);
        assertEquals(2.0, s.lr(0), 0);
        assertEquals(1.0, s.lr(5), 1e-15);
        assertEquals(0.0, s.lr(10), 1e-15);
    }

    @Test
    void anEmptyCosineJumpsFromMaxToMin() {
        LrSchedule s = LrSchedule.cosine(1.0, 0.1, 4, 4);
        assertEquals(0.75, s.lr(3), 0);
        assertEquals(1.0, s.lr(4), 0);
        assertEquals(0.1, s.lr(5), 0);
    }

    @Test
    void constantIsConstant() {
        LrSchedule s = LrSchedule.constant(3e-4);
        assertEquals(3e-4, s.lr(0), 0);
        assertEquals(3e-4, s.lr(123456), 0);
    }

    @Test
    void rateStaysWithinBoundsAndMovesTheRightWay() {
        qt().withExamples(200)
                .forAll(
                        integers().between(0, 50),
                        integers().between(0, 100),
                        doubles().between(0, 1),
                        doubles().between(0, 1))
                .checkAssert((warmup, cycle, a, b) -> {
                    double max = Math.max(a, b), min = Math.min(a, b);
                    LrSchedule s = LrSchedule.cosine(max, min, warmup, warmup + cycle);
                    double previous = -1;
                    for (long t = 0; t <= warmup + cycle + 3; t++) {
                        double lr = s.lr(t);
                        assertTrue(lr >= 0 && lr <= max, "lr " + lr + " at t=" + t + " outside [0, " + max + "]");
                        if (t > 0 && t <= warmup) assertTrue(lr >= previous, "warmup must not decrease at t=" + t);
                        if (t > warmup) {
                            assertTrue(lr <= previous + 1e-15, "decay must not increase at t=" + t);
                            assertTrue(lr >= min - 1e-15, "lr " + lr + " below min " + min);
                        }
                        previous = lr;
                    }
                });
    }

    @Test
    void applySetsTheOptimizersRate() {
        SGD opt = new SGD(List.of(Tensor.zeros(2).requiresGrad(true)), 1.0, 0, 0);
        assertEquals(0.5e-3, cosine.apply(opt, 50), 1e-18);
        assertEquals(0.5e-3, opt.lr(), 1e-18);
    }

    @Test
    void badArgumentsAreRejectedWithTheirValues() {
        String m = assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(1e-3, 1e-4, 100, 50))
                .getMessage();
        assertTrue(m.contains("50") && m.contains("100"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(1e-3, 1e-4, -1, 50))
                .getMessage();
        assertTrue(m.contains("warmupIters") && m.contains("-1"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(-1e-3, 0, 0, 5))
                .getMessage();
        assertTrue(m.contains("maxLr") && m.contains("-0.001"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(1e-4, 1e-3, 0, 5))
                .getMessage();
        assertTrue(m.contains("minLr"), m);
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(Double.NaN));
        m = assertThrows(IllegalArgumentException.class, () -> cosine.lr(-3)).getMessage();
        assertTrue(m.contains("-3"), m);
    }
}
