package dev.jgrad.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OptimizerTest {
    private static void setGrad(Tensor p, float... g) {
        p.zeroGrad();
        p.accumulateGrad(NdArray.wrap(g.clone(), p.shape()));
    }

    private static Tensor param(float... values) {
        return Tensor.of(values).requiresGrad(true);
    }

    // ---- known values -----------------------------------------------------------------------------

    @Test
    void sgdWithoutMomentumIsPlainDescent() {
        Tensor p = param(1f, -2f);
        SGD opt = new SGD(List.of(p), 0.1, 0, 0);
        setGrad(p, 0.5f, -1f);
        opt.step();
        // 1 − 0.1·0.5 = 0.95;  −2 − 0.1·(−1) = −1.9
        assertArrayEquals(new float[] {0.95f, -1.9f}, p.value().floats(), 0);
    }

    @Test
    void sgdMomentumAccumulates() {
        // μ = 0.9, lr = 1, g = 1 each step: b = 1, 1.9, 2.71 and p = −1, −2.9, −5.61
        Tensor p = param(0f);
        SGD opt = new SGD(List.of(p), 1.0, 0.9, 0);
        float[] want = {-1f, -2.9f, -5.61f};
        for (float w : want) {
            setGrad(p, 1f);
            opt.step();
            assertEquals(w, p.value().floats()[0], 1e-6);
        }
        assertEquals(2.71f, opt.state().get("momentum_buffer.0").floats()[0], 1e-6);
    }

    @Test
    void sgdWeightDecayAddsLambdaTimesP() {
        // g = 0, λ = 0.5, lr = 0.1: p ← p − 0.1 · 0.5 · p = 0.95 p
        Tensor p = param(2f);
        SGD opt = new SGD(List.of(p), 0.1, 0, 0.5);
        setGrad(p, 0f);
        opt.step();
        assertEquals(1.9f, p.value().floats()[0], 1e-6);
    }

    @Test
    void adamwDecayIsDecoupled() {
        // g = 0: m = v = 0, so the Adam part is 0 / (0 + ε) = 0 and only p ← p(1 − lr·λ) = 4 · (1 − 0.1·0.5) = 3.8
        Tensor p = param(4f);
        AdamW opt = new AdamW(List.of(p), 0.1, 0.9, 0.999, 1e-8, 0.5);
        setGrad(p, 0f);
        opt.step();
        assertEquals(3.8f, p.value().floats()[0], 1e-6);
    }

    @Test
    void adamwFirstStepMovesEachWeightByAboutLr() {
        // t = 1: m̂ = g and v̂ = g², so the step is lr · g / (|g| + ε), ≈ lr · sign(g) whatever the scale of g
        qt().withExamples(100)
                .forAll(doubles().between(1e-4, 0.1), longs().all())
                .checkAssert((lr, seed) -> {
                    Random rnd = new Random(seed);
                    float[] p0 = new float[5], g = new float[5];
                    for (int j = 0; j < 5; j++) {
                        p0[j] = (float) rnd.nextGaussian();
                        g[j] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(6) - 3));
                    }
                    Tensor p = param(p0);
                    AdamW opt = new AdamW(List.of(p), lr, 0.9, 0.999, 1e-8, 0);
                    setGrad(p, g);
                    opt.step();
                    for (int j = 0; j < 5; j++)
                        assertEquals(
                                p0[j] - lr * g[j] / (Math.abs(g[j]) + 1e-8),
                                p.value().floats()[j],
                                1e-6);
                });
    }

    @Test
    void parametersWithoutGradientsAreSkipped() {
        Tensor a = param(1f, 2f), b = param(3f);
        AdamW opt = new AdamW(List.of(a, b), 0.1, 0.9, 0.999, 1e-8, 0.1);
        setGrad(a, 1f, 1f);
        opt.step(); // b has no gradient: untouched, even by weight decay, and its step count stays 0
        assertArrayEquals(new float[] {3f}, b.value().floats(), 0);
        assertEquals(1.0, opt.state().get("step.0").item());
        assertEquals(0.0, opt.state().get("step.1").item());
        assertEquals(1, opt.stepCount());
    }

    // ---- state ------------------------------------------------------------------------------------

    @Test
    void stateIsNamedAfterTheParameters() {
        Map<String, Tensor> named = new LinkedHashMap<>();
        named.put("head.weight", Tensor.zeros(2, 3).requiresGrad(true));
        named.put("head.bias", Tensor.zeros(3).requiresGrad(true));
        AdamW adamw = new AdamW(named);
        assertEquals(
                List.of(
                        "step",
                        "step.head.weight",
                        "exp_avg.head.weight",
                        "exp_avg_sq.head.weight",
                        "step.head.bias",
                        "exp_avg.head.bias",
                        "exp_avg_sq.head.bias"),
                List.copyOf(adamw.state().keySet()));
        assertEquals(Shape.of(2, 3), adamw.state().get("exp_avg.head.weight").shape());
        assertEquals(DType.INT32, adamw.state().get("step.head.bias").dtype());
        assertEquals(
                List.of("step", "momentum_buffer.head.weight", "momentum_buffer.head.bias"),
                List.copyOf(new SGD(named, 0.1, 0.9, 0).state().keySet()));
        assertEquals(
                List.of("step"), List.copyOf(new SGD(named, 0.1, 0, 0).state().keySet()));
    }

    @Test
    void loadingStateResumesExactly() {
        qt().withExamples(30)
                .forAll(integers().between(0, 6), integers().between(1, 6), longs().all())
                .checkAssert((before, after, seed) -> {
                    for (boolean adam : new boolean[] {true, false}) {
                        Random rnd = new Random(seed);
                        Tensor a = Tensor.randn(rnd, 2, 3).requiresGrad(true),
                                b = Tensor.randn(rnd, 3).requiresGrad(true);
                        Optimizer first = make(adam, a, b);
                        for (int s = 0; s < before; s++) randomStep(first, rnd);
                        // a second optimizer over copies of the weights, given the first one's state
                        Tensor a2 = Tensor.of(a.value().copy()).requiresGrad(true);
                        Tensor b2 = Tensor.of(b.value().copy()).requiresGrad(true);
                        Optimizer second = make(adam, a2, b2);
                        second.loadState(first.state());
                        assertEquals(before, second.stepCount());
                        long seed2 = rnd.nextLong();
                        Random r1 = new Random(seed2), r2 = new Random(seed2);
                        for (int s = 0; s < after; s++) {
                            randomStep(first, r1);
                            randomStep(second, r2);
                        }
                        assertArrayEquals(a.value().floats(), a2.value().floats());
                        assertArrayEquals(b.value().floats(), b2.value().floats());
                    }
                });
    }

    private static Optimizer make(boolean adam, Tensor a, Tensor b) {
        return adam ? new AdamW(List.of(a, b), 0.01, 0.9, 0.99, 1e-8, 0.1) : new SGD(List.of(a, b), 0.01, 0.9, 0.01);
    }

    private static void randomStep(Optimizer opt, Random rnd) {
        for (Tensor p : opt.params()) {
            p.zeroGrad();
            if (rnd.nextInt(4) > 0)
                p.accumulateGrad(Tensor.randn(rnd, p.shape().dims()).value());
        }
        opt.step();
    }

    @Test
    void badStateIsRejectedWholeAndChangesNothing() {
        Tensor w = Tensor.zeros(2, 3).requiresGrad(true);
        AdamW opt = new AdamW(Map.of("w", w));
        setGrad(w, 1, 2, 3, 4, 5, 6);
        opt.step();
        Map<String, NdArray> before = opt.state();
        Map<String, NdArray> bad = new LinkedHashMap<>(before);
        bad.remove("exp_avg_sq.w");
        bad.put("exp_avg.w", NdArray.zeros(DType.FLOAT32, Shape.of(3, 2)));
        bad.put("step.w", NdArray.scalar(DType.FLOAT32, -1));
        bad.put("exp_avg.v", NdArray.zeros(DType.FLOAT32, Shape.of(2)));
        String m = assertThrows(IllegalArgumentException.class, () -> opt.loadState(bad))
                .getMessage();
        assertEquals(
                "AdamW.loadState: the state does not match this optimizer\n"
                        + "  missing state: exp_avg_sq.w\n"
                        + "  unexpected state: exp_avg.v\n"
                        + "  mismatched state: step.w: count must be an integer in [0, 2147483647], got -1.0;"
                        + " exp_avg.w: state [3, 2], expected [2, 3]",
                m);
        Map<String, NdArray> after = opt.state();
        for (String k : before.keySet())
            assertArrayEquals(before.get(k).toDoubleArray(), after.get(k).toDoubleArray(), 0, k);
    }

    // ---- arguments --------------------------------------------------------------------------------

    @Test
    void badParametersAndHyperparametersAreNamed() {
        Tensor p = Tensor.zeros(2).requiresGrad(true);
        assertEquals(
                "AdamW: got an empty parameter list",
                assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of()))
                        .getMessage());
        assertEquals(
                "SGD: parameters \"0\" and \"1\" are the same tensor; list each parameter once",
                assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p, p), 0.1, 0, 0))
                        .getMessage());
        Tensor computed = p.mul(2.0);
        String m = assertThrows(IllegalArgumentException.class, () -> new AdamW(Map.of("y", computed)))
                .getMessage();
        assertTrue(m.startsWith("AdamW: parameter \"y\" is not a leaf tensor"), m);
        Tensor dbl = Tensor.zeros(DType.FLOAT64, 3).requiresGrad(true);
        assertEquals(
                "AdamW: parameter \"d\" [3] is float64; only float32 parameters are supported",
                assertThrows(IllegalArgumentException.class, () -> new AdamW(Map.of("d", dbl)))
                        .getMessage());
        assertEquals(
                "AdamW: beta2 must be in [0.0, 1.0), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(p), 1e-3, 0.9, 1.0, 1e-8, 0))
                        .getMessage());
        assertEquals(
                "SGD: learning rate must be finite and ≥ 0, got -0.1",
                assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), -0.1, 0, 0))
                        .getMessage());
        AdamW ok = new AdamW(List.of(p));
        assertThrows(IllegalArgumentException.class, () -> ok.setLr(Double.NaN));
        assertEquals(1e-3, ok.lr());
        assertEquals(0.01, ok.weightDecay());
    }

    @Test
    void zeroGradClearsEveryGradient() {
        Tensor a = param(1f), b = param(2f);
        SGD opt = new SGD(List.of(a, b), 0.1, 0, 0);
        setGrad(a, 1f);
        setGrad(b, 1f);
        opt.zeroGrad();
        assertEquals(null, a.gradValue());
        assertEquals(null, b.gradValue());
    }

    /**
     * A parameter large enough to be updated in parallel chunks ends each step equal, element for element, to
     * small parameters (updated in one piece) holding the same values: the split never shows in the result.
     */
    @Test
    void largeParametersUpdateElementByElementAsSmallOnes() {
        int small = 1000;
        int copies = 3 * Optimizer.GRAIN / small + 1;
        Random rnd = new Random(8);
        float[] start = new float[small];
        for (int j = 0; j < small; j++) start[j] = (float) rnd.nextGaussian();
        List<Map<String, Tensor>> both = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
        both.get(0).put("big", Tensor.of(tile(start, copies)).requiresGrad(true));
        for (int c = 0; c < copies; c++) both.get(1).put("small" + c, param(start));
        for (boolean adam : new boolean[] {true, false}) {
            List<Optimizer> opts = both.stream()
                    .map(ps ->
                            adam ? (Optimizer) new AdamW(ps, 0.01, 0.9, 0.99, 1e-8, 0.1) : new SGD(ps, 0.1, 0.9, 0.01))
                    .toList();
            for (int step = 0; step < 3; step++) {
                float[] g = new float[small];
                for (int j = 0; j < small; j++) g[j] = (float) rnd.nextGaussian();
                setGrad(both.get(0).get("big"), tile(g, copies));
                for (Tensor p : both.get(1).values()) setGrad(p, g);
                opts.forEach(Optimizer::step);
                float[] big = both.get(0).get("big").value().floats();
                for (int c = 0; c < copies; c++) {
                    float[] want = both.get(1).get("small" + c).value().floats();
                    for (int j = 0; j < small; j++) {
                        assertEquals(want[j], big[c * small + j], 0, "element " + (c * small + j) + ", step " + step);
                    }
                }
            }
        }
    }

    private static float[] tile(float[] a, int copies) {
        float[] out = new float[a.length * copies];
        for (int c = 0; c < copies; c++) System.arraycopy(a, 0, out, c * a.length, a.length);
        return out;
    }
}
