package dev.jgrad.nn.modules;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The GPT-2-style variant built from the same layers: names, tied weights, positions, gradients, causality. */
class Gpt2StyleLMTest {
    private static Tensor ids(Random rnd, int vocab, int... shape) {
        int[] v = new int[Shape.of(shape).size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextInt(vocab);
        }
        return Tensor.ofInts(v, shape);
    }

    @Test
    void parametersAreNamedAsGpt2sAndTheOutputLayerIsTied() {
        Gpt2StyleLM lm = new Gpt2StyleLM(7, 4, 8, 1, 2, DType.FLOAT32, new Random(1));
        List<String> names = List.copyOf(lm.namedParameters().keySet());
        assertEquals(
                List.of(
                        "wte.weight",
                        "wpe.weight",
                        "h.0.ln_1.weight",
                        "h.0.ln_1.bias",
                        "h.0.attn.q_proj.weight",
                        "h.0.attn.q_proj.bias",
                        "h.0.attn.k_proj.weight",
                        "h.0.attn.k_proj.bias",
                        "h.0.attn.v_proj.weight",
                        "h.0.attn.v_proj.bias",
                        "h.0.attn.output_proj.weight",
                        "h.0.attn.output_proj.bias",
                        "h.0.ln_2.weight",
                        "h.0.ln_2.bias",
                        "h.0.mlp.c_fc.weight",
                        "h.0.mlp.c_fc.bias",
                        "h.0.mlp.c_proj.weight",
                        "h.0.mlp.c_proj.bias",
                        "ln_f.weight",
                        "ln_f.bias"),
                names);
        Tensor logits = lm.forward(Tensor.ofInts(new int[] {1, 2, 3, 4, 5, 6}, 2, 3));
        assertEquals(Shape.of(2, 3, 7), logits.shape());
        // Tied: one backward fills wte's gradient from both the lookup and the output layer; zero wte and
        // every logit is 0 whatever the blocks compute.
        Tensor zeros = Tensor.zeros(7, 8);
        Tensor tiedOut =
                lm.functionalCall(Map.of("wte.weight", zeros), () -> lm.forward(Tensor.ofInts(new int[] {1, 2})));
        assertArrayEquals(new float[2 * 7], tiedOut.toFloatArray());
    }

    @Test
    void learnedPositionsMakeTheSameTokenDifferAtDifferentPlaces() {
        // ids [3, 3]: without position embeddings x0 = x1, so v0 = v1 and attention gives both rows the same
        // output whatever its weights; only wpe can tell the two rows apart.
        Gpt2StyleLM lm = new Gpt2StyleLM(7, 4, 8, 1, 2, DType.FLOAT64, new Random(2));
        Tensor logits = lm.forward(Tensor.ofInts(new int[] {3, 3}));
        double[] row0 = logits.narrow(0, 0, 1).toDoubleArray();
        double[] row1 = logits.narrow(0, 1, 1).toDoubleArray();
        assertFalse(Arrays.equals(row0, row1));
        lm.wpe().weight().assign(Tensor.zeros(DType.FLOAT64, 4, 8).value());
        Tensor flat = lm.forward(Tensor.ofInts(new int[] {3, 3}));
        assertArrayEquals(
                flat.narrow(0, 0, 1).toDoubleArray(), flat.narrow(0, 1, 1).toDoubleArray(), 1e-12);
    }

    @Test
    void gradientsMatchFiniteDifferencesIncludingTheTiedEmbedding() {
        qt().withExamples(6)
                .forAll(
                        integers().between(1, 2),
                        integers().between(1, 4),
                        integers().between(5, 7),
                        longs().all())
                .checkAssert((heads, seq, vocab, seed) -> {
                    Random rnd = new Random(seed);
                    Gpt2StyleLM lm = new Gpt2StyleLM(vocab, 4, 4, 1, heads, DType.FLOAT64, rnd);
                    GradCheck.Report r =
                            ModuleGradCheck.check("gpt2-style", lm, ids(rnd, vocab, 1, seq), lm::forward, seed);
                    assertEquals(lm.parameters().size(), r.inputs().size());
                });
    }

    @Test
    void logitsAtPositionTNeverDependOnLaterTokens() {
        qt().withExamples(20)
                .forAll(integers().between(1, 6), integers().between(0, 5), longs().all())
                .assuming((seq, t, seed) -> t < seq)
                .checkAssert((seq, t, seed) -> {
                    Random rnd = new Random(seed);
                    Gpt2StyleLM lm = new Gpt2StyleLM(7, 6, 8, 2, 2, DType.FLOAT32, rnd);
                    int[] a = ids(rnd, 7, seq).toIntArray();
                    int[] b = a.clone();
                    for (int j = t + 1; j < seq; j++) {
                        b[j] = rnd.nextInt(7);
                    }
                    Tensor la = lm.forward(Tensor.ofInts(a)).narrow(0, 0, t + 1);
                    Tensor lb = lm.forward(Tensor.ofInts(b)).narrow(0, 0, t + 1);
                    assertArrayEquals(la.toFloatArray(), lb.toFloatArray(), 0f);
                });
    }
}
