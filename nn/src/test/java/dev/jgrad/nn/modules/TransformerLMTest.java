package dev.jgrad.nn.modules;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.io.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The whole model: parameter names, shapes, causality, config parsing and the errors callers see. */
class TransformerLMTest {
    private static final TransformerLM.Config TINY = new TransformerLM.Config(11, 8, 16, 2, 2, 24, 10000);

    @Test
    void stateDictNamesAreCs336sInPyTorchOrder() {
        TransformerLM lm = new TransformerLM(TINY, new Random(1));
        List<String> expected = new ArrayList<>();
        expected.add("token_embeddings.weight");
        for (int i = 0; i < 2; i++) {
            for (String p : new String[] {
                "attn.q_proj.weight",
                "attn.k_proj.weight",
                "attn.v_proj.weight",
                "attn.output_proj.weight",
                "ln1.weight",
                "ffn.w1.weight",
                "ffn.w2.weight",
                "ffn.w3.weight",
                "ln2.weight"
            }) {
                expected.add("layers." + i + "." + p);
            }
        }
        expected.add("ln_final.weight");
        expected.add("lm_head.weight");
        assertEquals(expected, new ArrayList<>(lm.stateDict().keySet()));
        Map<String, Tensor> p = lm.namedParameters();
        assertEquals(Shape.of(11, 16), p.get("token_embeddings.weight").shape());
        assertEquals(Shape.of(16, 16), p.get("layers.1.attn.output_proj.weight").shape());
        assertEquals(Shape.of(24, 16), p.get("layers.0.ffn.w1.weight").shape());
        assertEquals(Shape.of(16, 24), p.get("layers.0.ffn.w2.weight").shape());
        assertEquals(Shape.of(16), p.get("ln_final.weight").shape());
        assertEquals(Shape.of(11, 16), p.get("lm_head.weight").shape());
        // 2 · (4·16² + 3·16·24 + 2·16) + 2·11·16 + 16 = 2 · 2208 + 368
        assertEquals(2 * 2208 + 368, lm.numParameters());
    }

    @Test
    void everyLayerSharesOneRotaryEmbedding() {
        TransformerLM lm = new TransformerLM(TINY, new Random(1));
        assertSame(lm.rope(), lm.layers().get(0).attn().rope());
        assertSame(lm.rope(), lm.layers().get(1).attn().rope());
        assertEquals(8, lm.rope().dK());
        assertEquals(8, lm.rope().maxSeqLen());
    }

    @Test
    void logitsHaveShapeBatchBySequenceByVocab() {
        TransformerLM lm = new TransformerLM(TINY, new Random(1));
        Tensor batched = lm.forward(Tensor.ofInts(new int[] {1, 2, 3, 4, 5, 6}, 2, 3));
        assertEquals(Shape.of(2, 3, 11), batched.shape());
        Tensor single = lm.forward(Tensor.ofInts(new int[] {4, 5, 6}));
        assertEquals(Shape.of(3, 11), single.shape());
        // A [T] input is the same sequence as one row of a batch
        float[] row1 = batched.narrow(0, 1, 1).toFloatArray();
        assertArrayEquals(row1, single.toFloatArray(), 1e-6f);
    }

    @Test
    void logitsAtPositionTNeverDependOnLaterTokens() {
        // Exact equality: masked scores are −∞, their softmax weights exactly 0, and 0 · v adds nothing, so
        // rows ≤ t go through exactly the same arithmetic whatever follows them.
        qt().withExamples(30)
                .forAll(
                        integers().between(1, 8),
                        integers().between(0, 7),
                        integers().between(1, 2),
                        longs().all())
                .assuming((seq, t, layers, seed) -> t < seq)
                .checkAssert((seq, t, layers, seed) -> {
                    Random rnd = new Random(seed);
                    TransformerLM lm = new TransformerLM(new TransformerLM.Config(7, 8, 8, layers, 2, 12, 10000), rnd);
                    int[] a = new int[2 * seq];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = rnd.nextInt(7);
                    }
                    int[] b = a.clone();
                    for (int r = 0; r < 2; r++) {
                        for (int j = t + 1; j < seq; j++) {
                            b[r * seq + j] = rnd.nextInt(7);
                        }
                    }
                    Tensor la = lm.forward(Tensor.ofInts(a, 2, seq));
                    Tensor lb = lm.forward(Tensor.ofInts(b, 2, seq));
                    assertArrayEquals(
                            la.narrow(1, 0, t + 1).toFloatArray(),
                            lb.narrow(1, 0, t + 1).toFloatArray(),
                            0f);
                });
    }

    @Test
    void changingAnEarlierTokenDoesChangeLaterLogits() {
        // The converse, so the causality property cannot pass by ignoring context: position 3 sees token 0.
        TransformerLM lm = new TransformerLM(TINY, new Random(5));
        Tensor a = lm.forward(Tensor.ofInts(new int[] {1, 2, 3, 4}));
        Tensor b = lm.forward(Tensor.ofInts(new int[] {9, 2, 3, 4}));
        double diff = a.narrow(0, 3, 1).sub(b.narrow(0, 3, 1)).abs().max().item();
        assertTrue(diff > 1e-4, "token 0 had no effect on position 3: " + diff);
    }

    @Test
    void sequencesLongerThanTheContextAreRejected() {
        TransformerLM lm = new TransformerLM(TINY, new Random(1));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> lm.forward(Tensor.ofInts(new int[9], 1, 9)));
        assertTrue(e.getMessage().contains("9") && e.getMessage().contains("context_length"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> lm.forward(Tensor.zeros(1, 3)));
        assertThrows(IllegalArgumentException.class, () -> lm.forward(Tensor.ofInts(new int[8], 2, 2, 2)));
        IllegalArgumentException vocab =
                assertThrows(IllegalArgumentException.class, () -> lm.forward(Tensor.ofInts(new int[] {0, 11})));
        assertTrue(vocab.getMessage().contains("id 11"), vocab.getMessage());
    }

    @Test
    void configReadsCs336KeysFromJson() {
        String text = "{\"vocab_size\": 10000, \"context_length\": 256, \"d_model\": 512, \"num_layers\": 4,"
                + " \"num_heads\": 16, \"d_ff\": 1344, \"rope_theta\": 10000, \"batch_size\": 32}";
        TransformerLM.Config c = TransformerLM.Config.fromJson(Json.object(Json.parse(text), "config"));
        assertEquals(new TransformerLM.Config(10000, 256, 512, 4, 16, 1344, 10000.0), c);
        assertEquals(32, c.dK());
        assertEquals(c, TransformerLM.Config.fromJson(Json.object(Json.parse(Json.write(c.toJson())), "config")));
    }

    @Test
    void configErrorsNameTheKey() {
        Map<String, Object> good = TINY.toJson();
        for (String key : good.keySet()) {
            Map<String, Object> missing = new LinkedHashMap<>(good);
            missing.remove(key);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> TransformerLM.Config.fromJson(missing));
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
        Map<String, Object> fraction = new LinkedHashMap<>(good);
        fraction.put("d_model", 16.5);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TransformerLM.Config.fromJson(fraction));
        assertTrue(e.getMessage().contains("d_model"), e.getMessage());
        Map<String, Object> zero = new LinkedHashMap<>(good);
        zero.put("num_layers", 0L);
        assertThrows(IllegalArgumentException.class, () -> TransformerLM.Config.fromJson(zero));
    }

    @Test
    void configChecksHeadsAndSizes() {
        IllegalArgumentException heads = assertThrows(
                IllegalArgumentException.class, () -> new TransformerLM.Config(11, 8, 16, 2, 3, 24, 10000));
        assertTrue(
                heads.getMessage().contains("num_heads 3") && heads.getMessage().contains("d_model 16"));
        IllegalArgumentException odd = assertThrows(
                IllegalArgumentException.class, () -> new TransformerLM.Config(11, 8, 12, 2, 4, 24, 10000));
        assertTrue(odd.getMessage().contains("even"), odd.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TransformerLM.Config(0, 8, 16, 2, 2, 24, 10000));
        assertThrows(IllegalArgumentException.class, () -> new TransformerLM.Config(11, 8, 16, 2, 2, 24, 0));
    }

    @Test
    void float64ModelsHaveFloat64Parameters() {
        TransformerLM lm = new TransformerLM(TINY, DType.FLOAT64, new Random(1));
        for (Tensor p : lm.parameters()) {
            assertEquals(DType.FLOAT64, p.dtype());
        }
        assertEquals(DType.FLOAT64, lm.forward(Tensor.ofInts(new int[] {1, 2})).dtype());
    }

    @Test
    void functionalCallSwapsParametersAndAlwaysRestoresThem() {
        TransformerLM lm = new TransformerLM(TINY, new Random(1));
        Tensor ids = Tensor.ofInts(new int[] {1, 2, 3});
        Tensor original = lm.lmHead().weight();
        float[] before = lm.forward(ids).toFloatArray();
        // lm_head = 0 makes every logit 0, and gradients flow to the stand-in, not to the parameter
        Tensor zero = Tensor.zeros(11, 16).requiresGrad(true);
        Tensor logits = lm.functionalCall(Map.of("lm_head.weight", zero), () -> lm.forward(ids));
        assertArrayEquals(new float[3 * 11], logits.toFloatArray());
        logits.sum().backward();
        assertTrue(zero.grad() != null && original.grad() == null);
        assertSame(original, lm.lmHead().weight());
        assertArrayEquals(before, lm.forward(ids).toFloatArray());
        // restored after an exception too
        assertThrows(
                IllegalStateException.class,
                () -> lm.functionalCall(Map.of("lm_head.weight", zero), () -> {
                    throw new IllegalStateException("boom");
                }));
        assertSame(original, lm.lmHead().weight());
        IllegalArgumentException unknown = assertThrows(
                IllegalArgumentException.class, () -> lm.functionalCall(Map.of("lm_head.bias", zero), () -> 0));
        assertTrue(unknown.getMessage().contains("lm_head.bias"), unknown.getMessage());
        IllegalArgumentException shape = assertThrows(
                IllegalArgumentException.class,
                () -> lm.functionalCall(Map.of("lm_head.weight", Tensor.zeros(3)), () -> 0));
        assertTrue(shape.getMessage().contains("[11, 16]") && shape.getMessage().contains("[3]"));
    }
}
