package dev.jgrad.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * AdamW, SGD and clipGradNorm against torch.optim.AdamW, torch.optim.SGD and torch.nn.utils.clip_grad_norm_: the
 * inputs and PyTorch's outputs are in reference/optim_reference.json, written by make_optim_reference.py beside it.
 *
 * <p>The optimizers follow PyTorch's float32 operation order and fused multiply-adds, so they must agree bit for bit
 * (checked as "0 ulps apart", with the distance in ulps in the message). PyTorch computes the clipping norm in
 * float32 (a norm of per-tensor norms) and jgrad in double, so clipped gradients may differ in the last bits: they
 * must agree to |Δ| ≤ 1e-6·|expected|.
 */
class OptimReferenceTest {
    private static Map<String, Object> reference;
    private static Map<String, Shape> shapes;

    @BeforeAll
    static void read() throws IOException {
        try (InputStream in = OptimReferenceTest.class.getResourceAsStream("/reference/optim_reference.json")) {
            reference = Json.object(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)), "reference");
        }
        shapes = new LinkedHashMap<>();
        Json.object(reference.get("shapes"), "shapes").forEach((name, dims) -> {
            List<Object> list = Json.array(dims, name);
            int[] d = new int[list.size()];
            for (int i = 0; i < d.length; i++) d[i] = (int) Json.integer(list.get(i), name);
            shapes.put(name, Shape.of(d));
        });
    }

    @Test
    void adamwMatchesTorch() {
        assertEquals(3, replay("adamw"));
    }

    @Test
    void sgdMatchesTorch() {
        assertEquals(3, replay("sgd"));
    }

    /** Replays every case of one optimizer; returns how many there were. */
    private static int replay(String kind) {
        int n = 0;
        for (Object c : Json.array(reference.get("cases"), "cases")) {
            Map<String, Object> cs = Json.object(c, "case");
            if (!cs.get("optimizer").equals(kind)) continue;
            replayCase(cs, "case " + n++ + " " + cs.get("hyper"));
        }
        return n;
    }

    private static void replayCase(Map<String, Object> cs, String label) {
        Map<String, Object> hyper = Json.object(cs.get("hyper"), "hyper");
        Map<String, Tensor> params = new LinkedHashMap<>();
        Map<String, Object> init = Json.object(cs.get("init"), "init");
        for (String name : shapes.keySet())
            params.put(
                    name,
                    Tensor.of(NdArray.wrap(floats(init.get(name)), shapes.get(name)))
                            .requiresGrad(true));
        Optimizer opt = cs.get("optimizer").equals("adamw")
                ? new AdamW(
                        params,
                        num(hyper, "lr"),
                        num(hyper, "beta1"),
                        num(hyper, "beta2"),
                        num(hyper, "eps"),
                        num(hyper, "weight_decay"))
                : new SGD(params, num(hyper, "lr"), num(hyper, "momentum"), num(hyper, "weight_decay"));
        Set<String> skip = new HashSet<>();
        for (Object s : Json.array(cs.get("skip"), "skip")) {
            List<Object> pair = Json.array(s, "skip");
            skip.add(pair.get(0) + "/" + pair.get(1));
        }
        List<Object> grads = Json.array(cs.get("grads"), "grads");
        List<Object> after = Json.array(cs.get("after"), "after");
        List<Object> lrs = cs.get("lrs") == null ? null : Json.array(cs.get("lrs"), "lrs");
        for (int k = 0; k < grads.size(); k++) {
            if (lrs != null) opt.setLr(Json.number(lrs.get(k), "lr"));
            Map<String, Object> g = Json.object(grads.get(k), "grads");
            opt.zeroGrad();
            for (Map.Entry<String, Tensor> p : params.entrySet())
                if (!skip.contains(k + "/" + p.getKey()))
                    p.getValue().accumulateGrad(NdArray.wrap(floats(g.get(p.getKey())), shapes.get(p.getKey())));
            opt.step();
            Map<String, Object> want = Json.object(after.get(k), "after");
            for (Map.Entry<String, Tensor> p : params.entrySet())
                assertBitExact(
                        floats(want.get(p.getKey())),
                        p.getValue().value().floats(),
                        label + " step " + k + " " + p.getKey());
        }
        Map<String, NdArray> state = opt.state();
        Map<String, Object> wantState = Json.object(cs.get("state"), "state");
        assertEquals(wantState.keySet(), withoutGlobalStep(state).keySet(), label + " state names");
        for (Map.Entry<String, Object> e : wantState.entrySet()) {
            NdArray got = state.get(e.getKey());
            if (e.getKey().startsWith("step.")) // PyTorch keeps the count as a float tensor
            assertEquals(Json.number(e.getValue(), "step"), got.item(), label + " " + e.getKey());
            else assertBitExact(floats(e.getValue()), got.floats(), label + " " + e.getKey());
        }
        assertEquals(grads.size(), opt.stepCount());
    }

    @Test
    void clipGradNormMatchesTorch() {
        int clipped = 0;
        for (Object c : Json.array(reference.get("clip"), "clip")) {
            Map<String, Object> cs = Json.object(c, "clip");
            Map<String, Object> grads = Json.object(cs.get("grads"), "grads");
            Map<String, Object> want = Json.object(cs.get("clipped"), "clipped");
            List<Tensor> params = new ArrayList<>();
            for (String name : shapes.keySet()) {
                Tensor p = Tensor.zeros(shapes.get(name).dims()).requiresGrad(true);
                p.accumulateGrad(NdArray.wrap(floats(grads.get(name)), shapes.get(name)));
                params.add(p);
            }
            double maxNorm = num(cs, "max_norm");
            double norm = GradClip.clipGradNorm(params, maxNorm);
            double torchNorm = num(cs, "norm"); // computed in float32 by PyTorch
            assertEquals(torchNorm, norm, 1e-6 * torchNorm, "norm");
            if (norm > maxNorm) clipped++;
            int i = 0;
            for (String name : shapes.keySet())
                assertClose(floats(want.get(name)), params.get(i++).gradValue().floats(), "clip " + name);
        }
        assertEquals(2, clipped, "two of the three cases exceed their max norm");
    }

    private static Map<String, NdArray> withoutGlobalStep(Map<String, NdArray> state) {
        Map<String, NdArray> out = new LinkedHashMap<>(state);
        assertTrue(out.remove("step") != null, "the optimizer's own step count");
        return out;
    }

    private static double num(Map<String, Object> m, String key) {
        return Json.number(Json.member(m, key, "reference"), key);
    }

    private static float[] floats(Object list) {
        List<Object> values = Json.array(list, "values");
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) Json.number(values.get(i), "value");
        return out;
    }

    private static void assertBitExact(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            int ulps = Math.abs(Float.floatToIntBits(want[i]) - Float.floatToIntBits(got[i]));
            float w = want[i], g = got[i];
            int j = i;
            assertEquals(0, ulps, () -> what + "[" + j + "]: PyTorch " + w + ", jgrad " + g + "; ulps apart");
        }
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            int j = i;
            assertEquals(want[i], got[i], 1e-6 * Math.abs(want[i]), () -> what + "[" + j + "]");
        }
    }
}
