package dev.jgrad.nn.modules;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.functional.F;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Forward results of each layer on inputs small enough to work out by hand, and the errors callers see. */
class LayerValuesTest {
    private static final DType F64 = DType.FLOAT64;

    private static Tensor f64(double[][] rows) {
        return Tensor.of(F64, rows);
    }

    @Test
    void linearIsXTimesWeightTransposedPlusBias() {
        // W = [[1, 2, 3], [4, 5, 6]], x = [1, 1, 0]: y = W·x = [1 + 2, 4 + 5] = [3, 9]; + b = [10, 20] → [13, 29]
        Linear lin = new Linear(3, 2, true, F64, new Random(1));
        lin.weight().assign(f64(new double[][] {{1, 2, 3}, {4, 5, 6}}).value());
        lin.bias().assign(Tensor.of(F64, new double[] {10, 20}).value());
        Tensor y = lin.forward(Tensor.of(F64, new double[] {1, 1, 0}));
        assertEquals(Shape.of(2), y.shape());
        assertArrayEquals(new double[] {13, 29}, y.toDoubleArray(), 1e-12);
        // Leading dims are kept: [2, 1, 3] → [2, 1, 2], the second row x = [0, 0, 1] → W·x + b = [13, 26]
        Tensor batch = Tensor.of(F64, new double[] {1, 1, 0, 0, 0, 1}, 2, 1, 3);
        Tensor yb = lin.forward(batch);
        assertEquals(Shape.of(2, 1, 2), yb.shape());
        assertArrayEquals(new double[] {13, 29, 13, 26}, yb.toDoubleArray(), 1e-12);
    }

    @Test
    void linearWithoutBiasHasOnlyAWeight() {
        Linear lin = new Linear(3, 5, new Random(1));
        assertEquals(List.of("weight"), new ArrayList<>(lin.namedParameters().keySet()));
        assertEquals(Shape.of(5, 3), lin.weight().shape());
        assertEquals(DType.FLOAT32, lin.weight().dtype());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> lin.forward(Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().contains("[2, 4]") && e.getMessage().contains("[5, 3]"), e.getMessage());
    }

    @Test
    void embeddingLooksUpRowsForIdsOfAnyShape() {
        Embedding emb = new Embedding(4, 2, F64, new Random(1));
        emb.weight()
                .assign(f64(new double[][] {{0, 1}, {10, 11}, {20, 21}, {30, 31}})
                        .value());
        Tensor y = emb.forward(Tensor.ofInts(new int[] {3, 0, 3, 1, 2, 2}, 2, 3));
        assertEquals(Shape.of(2, 3, 2), y.shape());
        assertArrayEquals(new double[] {30, 31, 0, 1, 30, 31, 10, 11, 20, 21, 20, 21}, y.toDoubleArray(), 0);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> emb.forward(Tensor.ofInts(new int[] {1, 4})));
        assertTrue(e.getMessage().contains("id 4") && e.getMessage().contains("[0, 4)"), e.getMessage());
    }

    @Test
    void rmsNormOfAHandComputedVector() {
        // x = [3, 4]: mean(x²) = (9 + 16) / 2 = 12.5; g = [1, 2] → y = [3, 8] / sqrt(12.5 + eps)
        RMSNorm norm = new RMSNorm(2, 1e-5, F64);
        norm.weight().assign(Tensor.of(F64, new double[] {1, 2}).value());
        Tensor y = norm.forward(Tensor.of(F64, new double[] {3, 4}));
        double rms = Math.sqrt(12.5 + 1e-5);
        assertArrayEquals(new double[] {3 / rms, 8 / rms}, y.toDoubleArray(), 1e-12);
        // Rows are normalized separately: [[3, 4], [0, 2]], the second has mean(x²) = 2
        Tensor rows = norm.forward(f64(new double[][] {{3, 4}, {0, 2}}));
        double rms2 = Math.sqrt(2 + 1e-5);
        assertArrayEquals(new double[] {3 / rms, 8 / rms, 0, 4 / rms2}, rows.toDoubleArray(), 1e-12);
    }

    @Test
    void rmsNormStartsAsPlainNormalization() {
        RMSNorm norm = new RMSNorm(4);
        assertArrayEquals(new float[] {1, 1, 1, 1}, norm.weight().toFloatArray());
        assertEquals(1e-5, norm.eps());
    }

    @Test
    void layerNormOfAHandComputedVector() {
        // x = [1, 2, 3, 4]: μ = 2.5, σ² = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25 (biased, as PyTorch)
        // weight [1, 1, 2, 2], bias [0, 0, 0, 1] → y = [−1.5, −0.5, 2·0.5, 2·1.5] / sqrt(1.25 + eps) + bias
        LayerNorm norm = new LayerNorm(4, 1e-5, F64);
        norm.weight().assign(Tensor.of(F64, new double[] {1, 1, 2, 2}).value());
        norm.bias().assign(Tensor.of(F64, new double[] {0, 0, 0, 1}).value());
        Tensor y = norm.forward(Tensor.of(F64, new double[] {1, 2, 3, 4}));
        double s = Math.sqrt(1.25 + 1e-5);
        assertArrayEquals(new double[] {-1.5 / s, -0.5 / s, 1 / s, 3 / s + 1}, y.toDoubleArray(), 1e-12);
    }

    @Test
    void swigluOfScalars() {
        // d_model = d_ff = 1, w1 = 1, w3 = 2, w2 = 3, x = 1: y = 3 · silu(1) · 2 = 6 · σ(1) = 6 / (1 + e⁻¹)
        SwiGLU ffn = new SwiGLU(1, 1, F64, new Random(1));
        ffn.w1().weight().assign(Tensor.of(F64, new double[] {1}, 1, 1).value());
        ffn.w3().weight().assign(Tensor.of(F64, new double[] {2}, 1, 1).value());
        ffn.w2().weight().assign(Tensor.of(F64, new double[] {3}, 1, 1).value());
        Tensor y = ffn.forward(Tensor.of(F64, new double[] {1}, 1, 1));
        assertEquals(6 / (1 + Math.exp(-1)), y.item(), 1e-12);
        SwiGLU shaped = new SwiGLU(4, 6, new Random(2)); // w1, w3: [d_ff, d_model]; w2: [d_model, d_ff]
        assertEquals(Shape.of(6, 4), shaped.w1().weight().shape());
        assertEquals(Shape.of(4, 6), shaped.w2().weight().shape());
        assertEquals(Shape.of(6, 4), shaped.w3().weight().shape());
    }

    @Test
    void ropeRotatesUnitVectorsByPositionTimesFrequency() {
        // θ = 10000, d_k = 4: pair 0 turns by p · θ⁰ = p, pair 1 by p · θ^(−2/4) = p / 100. At p = 3:
        RotaryEmbedding rope = new RotaryEmbedding(10000, 4, 8);
        Tensor at3 = Tensor.ofInts(new int[] {3});
        double c = Math.cos(3);
        double s = Math.sin(3);
        double c2 = Math.cos(0.03);
        double s2 = Math.sin(0.03);
        // e0 = (1, 0) in pair 0 → (cos 3, sin 3); e1 = (0, 1) → (−sin 3, cos 3); e2 → (cos .03, sin .03)
        assertArrayEquals(
                new double[] {c, s, 0, 0},
                rope.forward(f64(new double[][] {{1, 0, 0, 0}}), at3).toDoubleArray(),
                1e-12);
        assertArrayEquals(
                new double[] {-s, c, 0, 0},
                rope.forward(f64(new double[][] {{0, 1, 0, 0}}), at3).toDoubleArray(),
                1e-12);
        assertArrayEquals(
                new double[] {0, 0, c2, s2},
                rope.forward(f64(new double[][] {{0, 0, 1, 0}}), at3).toDoubleArray(),
                1e-12);
        // Position 0 is the identity; the default positions are 0, 1, …: row 1 of [e0, e0] turns by 1 radian.
        Tensor two = f64(new double[][] {{1, 0, 0, 0}, {1, 0, 0, 0}});
        assertArrayEquals(
                new double[] {1, 0, 0, 0, Math.cos(1), Math.sin(1), 0, 0},
                rope.forward(two).toDoubleArray(),
                1e-12);
        // float32 inputs use the float32 tables and stay float32
        Tensor y32 = rope.forward(Tensor.of(new double[] {1, 0, 0, 0}, 1, 4), at3);
        assertEquals(DType.FLOAT32, y32.dtype());
        assertArrayEquals(new double[] {c, s, 0, 0}, y32.toDoubleArray(), 1e-6);
    }

    @Test
    void ropeScoresDependOnlyOnRelativePosition() {
        // ⟨R(m)q, R(n)k⟩ = ⟨q, R(n − m)k⟩: shifting both positions by the same amount keeps every dot product.
        qt().withExamples(40)
                .forAll(
                        integers().between(0, 20),
                        integers().between(0, 20),
                        integers().between(0, 11),
                        longs().all())
                .checkAssert((m, n, shift, seed) -> {
                    Random rnd = new Random(seed);
                    RotaryEmbedding rope = new RotaryEmbedding(10000, 6, 32);
                    Tensor q = Tensor.randn(F64, rnd, 1, 6);
                    Tensor k = Tensor.randn(F64, rnd, 1, 6);
                    double before = dot(rope, q, m, k, n);
                    double after = dot(rope, q, m + shift, k, n + shift);
                    assertEquals(before, after, 1e-12 * (1 + Math.abs(before)));
                });
    }

    private static double dot(RotaryEmbedding rope, Tensor q, int m, Tensor k, int n) {
        Tensor rq = rope.forward(q, Tensor.ofInts(new int[] {m}));
        Tensor rk = rope.forward(k, Tensor.ofInts(new int[] {n}));
        return rq.mul(rk).sum().item();
    }

    @Test
    void ropeRejectsBadShapesAndPositions() {
        RotaryEmbedding rope = new RotaryEmbedding(10000, 4, 8);
        IllegalArgumentException wide =
                assertThrows(IllegalArgumentException.class, () -> rope.forward(Tensor.zeros(2, 6)));
        assertTrue(wide.getMessage().contains("[2, 6]"), wide.getMessage());
        IllegalArgumentException far = assertThrows(
                IllegalArgumentException.class,
                () -> rope.forward(Tensor.zeros(2, 4), Tensor.ofInts(new int[] {0, 8})));
        assertTrue(far.getMessage().contains("position 8") && far.getMessage().contains("[0, 8)"), far.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RotaryEmbedding(10000, 5, 8));
    }

    @Test
    void oneHeadAttentionOverTwoTokensByHand() {
        // d_model = 2, one head (d_k = 2), no RoPE. q_proj = k_proj = I, v_proj = 2·I, output_proj swaps the
        // two coordinates. x = [e0, e1], so q = k = x and v = 2x.
        //   token 0 sees only itself:  out = v0 = [2, 0] → swapped [0, 2]
        //   token 1: scores q1·k0/√2 = 0, q1·k1/√2 = 1/√2 → p = [1, e^(1/√2)] / (1 + e^(1/√2))
        //            out = p0·v0 + p1·v1 = [2p0, 2p1] → swapped [2p1, 2p0]
        CausalSelfAttention attn = new CausalSelfAttention(2, 1, null, false, F64, new Random(1));
        attn.qProj().weight().assign(f64(new double[][] {{1, 0}, {0, 1}}).value());
        attn.kProj().weight().assign(f64(new double[][] {{1, 0}, {0, 1}}).value());
        attn.vProj().weight().assign(f64(new double[][] {{2, 0}, {0, 2}}).value());
        attn.outputProj().weight().assign(f64(new double[][] {{0, 1}, {1, 0}}).value());
        Tensor y = attn.forward(f64(new double[][] {{1, 0}, {0, 1}}));
        double e = Math.exp(1 / Math.sqrt(2));
        double p0 = 1 / (1 + e);
        double p1 = e / (1 + e);
        assertArrayEquals(new double[] {0, 2, 2 * p1, 2 * p0}, y.toDoubleArray(), 1e-12);
    }

    @Test
    void eachHeadAttendsWithItsOwnSliceOfTheProjections() {
        // Two heads of d_k = 2 over d_model = 4 equal two separate one-head attentions, head i using rows
        // 2i, 2i+1 of q_proj, k_proj and v_proj, their outputs concatenated before output_proj.
        qt().withExamples(20).forAll(integers().between(1, 4), longs().all()).checkAssert((seq, seed) -> {
            Random rnd = new Random(seed);
            CausalSelfAttention attn = new CausalSelfAttention(4, 2, null, false, F64, rnd);
            Tensor x = Tensor.randn(F64, rnd, seq, 4);
            List<Tensor> heads = new ArrayList<>();
            for (int h = 0; h < 2; h++) {
                Tensor q = F.linear(x, attn.qProj().weight().narrow(0, 2 * h, 2), null);
                Tensor k = F.linear(x, attn.kProj().weight().narrow(0, 2 * h, 2), null);
                Tensor v = F.linear(x, attn.vProj().weight().narrow(0, 2 * h, 2), null);
                heads.add(F.scaledDotProductAttention(q, k, v, F.causalMask(seq)));
            }
            Tensor expected = attn.outputProj().forward(Tensor.concat(heads, -1));
            assertArrayEquals(expected.toDoubleArray(), attn.forward(x).toDoubleArray(), 1e-12);
        });
    }

    @Test
    void attentionAppliesRopeWithTheSamePositionsForEveryHead() {
        // Positions [B, T] for input [B, T, d_model] reach every head; passing 0 … T−1 explicitly equals the default.
        Random rnd = new Random(3);
        RotaryEmbedding rope = new RotaryEmbedding(10000, 2, 8);
        CausalSelfAttention attn = new CausalSelfAttention(4, 2, rope, false, F64, rnd);
        Tensor x = Tensor.randn(F64, rnd, 2, 3, 4);
        Tensor y = attn.forward(x);
        Tensor pos = Tensor.ofInts(new int[] {0, 1, 2, 0, 1, 2}, 2, 3);
        assertArrayEquals(y.toDoubleArray(), attn.forward(x, pos).toDoubleArray(), 1e-12);
        assertArrayEquals(
                y.toDoubleArray(),
                attn.forward(x, Tensor.ofInts(new int[] {0, 1, 2})).toDoubleArray(),
                1e-12);
        // Shifting all positions by the same amount leaves attention unchanged (scores are relative) …
        Tensor shifted = Tensor.ofInts(new int[] {4, 5, 6, 2, 3, 4}, 2, 3);
        assertArrayEquals(y.toDoubleArray(), attn.forward(x, shifted).toDoubleArray(), 1e-12);
        // … while a change of spacing does change it.
        Tensor spread = Tensor.ofInts(new int[] {0, 2, 4, 0, 2, 4}, 2, 3);
        double diff = attn.forward(x, spread).sub(y).abs().max().item();
        assertTrue(diff > 1e-6, "spacing positions apart should change attention, diff " + diff);
    }

    @Test
    void attentionRejectsHeadsThatDoNotDivideDModel() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new CausalSelfAttention(10, 3, null, new Random(1)));
        assertTrue(e.getMessage().contains("num_heads 3") && e.getMessage().contains("d_model 10"), e.getMessage());
        IllegalArgumentException rope = assertThrows(
                IllegalArgumentException.class,
                () -> new CausalSelfAttention(8, 2, new RotaryEmbedding(10000, 8, 4), new Random(1)));
        assertTrue(rope.getMessage().contains("d_k = 8"), rope.getMessage());
    }
}
