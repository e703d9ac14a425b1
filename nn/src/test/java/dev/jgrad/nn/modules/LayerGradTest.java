package dev.jgrad.nn.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Backward of every layer against central finite differences, in float64 at tiny sizes (d_model 4–8, 1–2
 * heads, seq 1–4), with respect to both the layer's input and each of its parameters (see
 * {@link ModuleGradCheck} for how parameters are perturbed). GradCheck's defaults apply: h = 1e-6, pass when
 * |backward − finite difference| ≤ 1e-5 + 1e-3·|finite difference|. Every layer is smooth (no relu kinks), so
 * no samples need to be skipped.
 */
class LayerGradTest {
    private static final DType F64 = DType.FLOAT64;

    /** A float64 input of the given shape, values N(0, 1). */
    private static Tensor input(Random rnd, int... shape) {
        return Tensor.randn(F64, rnd, shape);
    }

    /** Random int32 ids in [0, n) of the given shape. */
    private static Tensor ids(Random rnd, int n, int... shape) {
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        int[] v = new int[size];
        for (int i = 0; i < size; i++) {
            v[i] = rnd.nextInt(n);
        }
        return Tensor.ofInts(v, shape);
    }

    @Test
    void linearWithAndWithoutBias() {
        qt().withExamples(30)
                .forAll(
                        integers().between(1, 4),
                        integers().between(1, 4),
                        integers().between(0, 2),
                        longs().all())
                .checkAssert((in, out, lead, seed) -> {
                    Random rnd = new Random(seed);
                    Linear lin = new Linear(in, out, seed % 2 == 0, F64, rnd);
                    Tensor x = lead == 0 ? input(rnd, in) : lead == 1 ? input(rnd, 3, in) : input(rnd, 2, 2, in);
                    GradCheck.Report r = ModuleGradCheck.check("linear", lin, x, lin::forward, seed);
                    assertEquals(1 + lin.parameters().size(), r.inputs().size());
                });
    }

    @Test
    void embeddingAddsUpRepeatedIds() {
        // Five rows, up to twelve lookups: ids repeat, and each repeat must add its share to the same row.
        qt().withExamples(30)
                .forAll(
                        integers().between(1, 3),
                        integers().between(1, 4),
                        integers().between(1, 4),
                        longs().all())
                .checkAssert((dim, b, t, seed) -> {
                    Random rnd = new Random(seed);
                    Embedding emb = new Embedding(5, dim, F64, rnd);
                    Tensor id = ids(rnd, 5, b, t);
                    ModuleGradCheck.check("embedding", emb, id, emb::forward, seed);
                });
        // Always repeated: ids [3, 3, 3] → ∂/∂weight[3] = g₀ + g₁ + g₂.
        Embedding emb = new Embedding(4, 2, F64, new Random(7));
        ModuleGradCheck.check("embedding [3, 3, 3]", emb, Tensor.ofInts(new int[] {3, 3, 3}), emb::forward, 7);
    }

    @Test
    void rmsNorm() {
        qt().withExamples(30)
                .forAll(integers().between(1, 8), integers().between(1, 3), longs().all())
                .checkAssert((d, rows, seed) -> {
                    Random rnd = new Random(seed);
                    RMSNorm norm = new RMSNorm(d, 1e-5, F64);
                    norm.weight().assign(input(rnd, d).value()); // gains away from 1 so g's role is checked
                    ModuleGradCheck.check("rmsNorm", norm, input(rnd, rows, d), norm::forward, seed);
                });
    }

    @Test
    void layerNorm() {
        // d ≥ 2: with d = 1, x − μ is identically 0 and the output does not depend on x.
        qt().withExamples(30)
                .forAll(integers().between(2, 8), integers().between(1, 3), longs().all())
                .checkAssert((d, rows, seed) -> {
                    Random rnd = new Random(seed);
                    LayerNorm norm = new LayerNorm(d, 1e-5, F64);
                    norm.weight().assign(input(rnd, d).value());
                    norm.bias().assign(input(rnd, d).value());
                    ModuleGradCheck.check("layerNorm", norm, input(rnd, rows, d), norm::forward, seed);
                });
    }

    @Test
    void swiglu() {
        qt().withExamples(25)
                .forAll(
                        integers().between(1, 8),
                        integers().between(1, 6),
                        integers().between(1, 3),
                        longs().all())
                .checkAssert((dModel, dFf, rows, seed) -> {
                    Random rnd = new Random(seed);
                    SwiGLU ffn = new SwiGLU(dModel, dFf, F64, rnd);
                    ModuleGradCheck.check("swiglu", ffn, input(rnd, rows, dModel), ffn::forward, seed);
                });
    }

    @Test
    void ropeWithDefaultAndGivenPositions() {
        qt().withExamples(30)
                .forAll(
                        integers().between(1, 4),
                        integers().between(1, 4),
                        integers().between(1, 2),
                        longs().all())
                .checkAssert((halfDk, seq, batch, seed) -> {
                    Random rnd = new Random(seed);
                    int dK = 2 * halfDk;
                    RotaryEmbedding rope = new RotaryEmbedding(10000, dK, 16);
                    Tensor x = input(rnd, batch, seq, dK);
                    Tensor pos = ids(rnd, 16, batch, seq); // any positions, out of order and repeated
                    GradCheck.check("rope", xs -> rope.forward(xs.get(0)), List.of(x.requiresGrad(true)), seed);
                    GradCheck.check("rope at positions", xs -> rope.forward(xs.get(0), pos), List.of(x), seed);
                });
    }

    @Test
    void causalSelfAttentionWithRope() {
        qt().withExamples(20)
                .forAll(
                        integers().between(1, 2),
                        integers().between(1, 2),
                        integers().between(1, 4),
                        longs().all())
                .checkAssert((quarter, heads, seq, seed) -> {
                    Random rnd = new Random(seed);
                    int dModel = 4 * quarter; // 4 or 8; d_k = 2, 4 or 8, always even
                    RotaryEmbedding rope = new RotaryEmbedding(10000, dModel / heads, 8);
                    CausalSelfAttention attn = new CausalSelfAttention(dModel, heads, rope, false, F64, rnd);
                    Tensor x = input(rnd, 2, seq, dModel);
                    ModuleGradCheck.check("attention", attn, x, attn::forward, seed);
                    Tensor pos = ids(rnd, 8, 2, seq);
                    ModuleGradCheck.check("attention at positions", attn, x, t -> attn.forward(t, pos), seed);
                });
    }

    @Test
    void causalSelfAttentionWithoutRopeAndWithBias() {
        qt().withExamples(10)
                .forAll(integers().between(1, 2), integers().between(1, 3), longs().all())
                .checkAssert((heads, seq, seed) -> {
                    Random rnd = new Random(seed);
                    CausalSelfAttention attn = new CausalSelfAttention(4, heads, null, true, F64, rnd);
                    ModuleGradCheck.check("attention", attn, input(rnd, seq, 4), attn::forward, seed);
                });
    }

    @Test
    void transformerBlock() {
        qt().withExamples(15)
                .forAll(
                        integers().between(1, 2),
                        integers().between(1, 2),
                        integers().between(1, 4),
                        longs().all())
                .checkAssert((quarter, heads, seq, seed) -> {
                    Random rnd = new Random(seed);
                    int dModel = 4 * quarter;
                    RotaryEmbedding rope = new RotaryEmbedding(10000, dModel / heads, 4);
                    TransformerBlock block = new TransformerBlock(dModel, heads, 1 + rnd.nextInt(6), rope, F64, rnd);
                    block.ln1().weight().assign(input(rnd, dModel).value());
                    block.ln2().weight().assign(input(rnd, dModel).value());
                    ModuleGradCheck.check("block", block, input(rnd, 1, seq, dModel), block::forward, seed);
                });
    }

    @Test
    void transformerLmWithRespectToEveryParameter() {
        qt().withExamples(8)
                .forAll(
                        integers().between(1, 2),
                        integers().between(1, 2),
                        integers().between(1, 4),
                        longs().all())
                .checkAssert((quarter, heads, seq, seed) -> {
                    Random rnd = new Random(seed);
                    int vocab = 5 + rnd.nextInt(3);
                    TransformerLM.Config c =
                            new TransformerLM.Config(vocab, 4, 4 * quarter, 1 + rnd.nextInt(2), heads, 4, 10000);
                    TransformerLM lm = new TransformerLM(c, F64, rnd);
                    Tensor id = ids(rnd, vocab, 1, seq);
                    GradCheck.Report r = ModuleGradCheck.check("transformerLM", lm, id, lm::forward, seed);
                    assertEquals(lm.parameters().size(), r.inputs().size());
                });
    }
}
