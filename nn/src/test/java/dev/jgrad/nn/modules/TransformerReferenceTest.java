package dev.jgrad.nn.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.checkpoint.Safetensors;
import dev.jgrad.nn.checkpoint.SafetensorsFile;
import dev.jgrad.nn.checkpoint.TensorEntry;
import dev.jgrad.nn.io.Json;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Loads weights written by PyTorch and reproduces PyTorch's logits.
 *
 * <p>{@code reference/make_transformer_reference.py} (run by hand, never by the build) implements CS336's
 * Transformer LM from scratch in PyTorch, gives it random weights from a fixed seed (vocab 11, context 8,
 * d_model 16, 2 layers, 2 heads, d_ff 24, θ 10000), and saves the state dict, two inputs and the float32
 * logits it computes. Here the state dict goes through nn's safetensors reader into {@link TransformerLM} with
 * strict loading, so every name and shape must match, and the logits are compared.
 *
 * <p>Tolerance: |jgrad − PyTorch| ≤ 1e-5 + 1e-5·|PyTorch| per logit. Both sides compute in float32 but round
 * differently (summation order in matrix products, RoPE tables from float64 here versus complex64 products
 * there); the worst difference measured is 8.3e-7 on logits of size up to 3, a twelfth of the bound. A wrong
 * layout or convention gives differences of order 0.1–1 (flipping the sign of RoPE's sine gives 0.29).
 */
class TransformerReferenceTest {
    private static final double ATOL = 1e-5;
    private static final double RTOL = 1e-5;

    private static SafetensorsFile resource(String name) throws Exception {
        return Safetensors.read(path(name));
    }

    private static Path path(String name) throws URISyntaxException {
        return Path.of(
                TransformerReferenceTest.class.getResource("/reference/" + name).toURI());
    }

    private static int[] dims(TensorEntry e) {
        long[] s = e.shape();
        int[] d = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            d[i] = Math.toIntExact(s[i]);
        }
        return d;
    }

    private static Tensor floats(TensorEntry e) {
        return Tensor.of(e.toFloats(), dims(e));
    }

    private static Tensor ids(TensorEntry e) {
        long[] v = e.toLongs(); // PyTorch's token ids are int64
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.toIntExact(v[i]);
        }
        return Tensor.ofInts(out, dims(e));
    }

    private static TransformerLM loadReferenceModel() throws Exception {
        SafetensorsFile weights = resource("transformer_lm_weights.safetensors");
        TransformerLM.Config config = TransformerLM.Config.fromJson(
                Json.object(Json.parse(weights.metadata().get("config")), "config"));
        TransformerLM lm = new TransformerLM(config, new Random(0));
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (TensorEntry e : weights.tensors().values()) {
            state.put(e.name(), floats(e));
        }
        lm.loadStateDict(state, true);
        return lm;
    }

    @Test
    void pytorchStateDictLoadsStrictlyAndInTheSameOrder() throws Exception {
        SafetensorsFile weights = resource("transformer_lm_weights.safetensors");
        List<Object> pytorchOrder = Json.array(Json.parse(weights.metadata().get("state_dict_order")), "order");
        TransformerLM lm = loadReferenceModel();
        assertEquals(pytorchOrder, new ArrayList<Object>(lm.stateDict().keySet()));
        for (Map.Entry<String, Tensor> p : lm.namedParameters().entrySet()) {
            float[] stored = weights.get(p.getKey()).toFloats();
            float[] loaded = p.getValue().toFloatArray();
            assertEquals(stored.length, loaded.length, p.getKey());
            for (int i = 0; i < stored.length; i++) {
                assertEquals(stored[i], loaded[i], 0f, p.getKey());
            }
        }
    }

    @Test
    void logitsMatchPyTorch() throws Exception {
        TransformerLM lm = loadReferenceModel();
        SafetensorsFile io = resource("transformer_lm_io.safetensors");
        assertClose(floats(io.get("logits")), lm.forward(ids(io.get("input_ids"))), "batch [2, 8]");
        assertClose(floats(io.get("logits_1d")), lm.forward(ids(io.get("input_ids_1d"))), "sequence [5]");
    }

    private static void assertClose(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.shape(), actual.shape(), what);
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs(e[i] - a[i]);
            assertTrue(
                    err <= ATOL + RTOL * Math.abs(e[i]),
                    what + ": logit " + i + " is " + a[i] + ", PyTorch gives " + e[i] + " (error " + err + ")");
        }
    }
}
