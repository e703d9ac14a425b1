package dev.jgrad.nn.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.checkpoint.Safetensors.Dtype;
import dev.jgrad.nn.data.SplitMix64;
import dev.jgrad.nn.modules.Module;
import dev.jgrad.nn.optim.AdamW;
import dev.jgrad.nn.optim.GradClip;
import dev.jgrad.nn.optim.LrSchedule;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.nn.optim.SGD;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    /** A linear layer, registered as a sub-module so that names are dotted: head.weight, head.bias. */
    static final class Head extends Module {
        final Tensor weight;
        final Tensor bias;

        Head(int in, int out, long seed) {
            weight = registerParameter(
                    "weight", Tensor.randn(seed, in, out).mul(0.5).detach());
            bias = registerParameter("bias", Tensor.zeros(out));
        }
    }

    /** y = scale · (x · W + b): a tiny regression model with a scalar, a matrix and a vector parameter. */
    static final class Tiny extends Module {
        final Tensor scale;
        final Head head;

        Tiny(int in, int out, long seed) {
            scale = registerParameter("scale", Tensor.scalar(1.0));
            head = registerModule("head", new Head(in, out, seed));
        }

        Tensor forward(Tensor x) {
            return x.matmul(head.weight).add(head.bias).mul(scale);
        }
    }

    private static final int IN = 3, OUT = 2, BATCH = 4;

    /** Steps [from, to): batches drawn from {@code data}, cosine schedule, clipping at 1, then the update. */
    private static void train(Tiny model, Optimizer opt, SplitMix64 data, long from, long to) {
        LrSchedule schedule = LrSchedule.cosine(0.05, 0.005, 3, 15);
        for (long t = from; t < to; t++) {
            float[] x = new float[BATCH * IN], y = new float[BATCH * OUT];
            for (int r = 0; r < BATCH; r++) {
                for (int i = 0; i < IN; i++) x[r * IN + i] = (float) (2 * data.nextDouble() - 1);
                for (int o = 0; o < OUT; o++) // target: y = Σ_i (i + 1)(o − 1)·x_i + 0.3 + noise
                {
                    double v = 0.3 + 0.01 * (data.nextDouble() - 0.5);
                    for (int i = 0; i < IN; i++) v += (i + 1) * (o - 1) * x[r * IN + i];
                    y[r * OUT + o] = (float) v;
                }
            }
            schedule.apply(opt, t);
            opt.zeroGrad();
            Tensor loss = model.forward(Tensor.of(x, BATCH, IN))
                    .sub(Tensor.of(y, BATCH, OUT))
                    .pow(2)
                    .mean();
            loss.backward();
            GradClip.clipGradNorm(opt.params(), 1.0);
            opt.step();
        }
    }

    private static Optimizer optimizer(boolean adam, Module model) {
        return adam
                ? new AdamW(model.namedParameters(), 0.05, 0.9, 0.95, 1e-8, 0.1)
                : new SGD(model.namedParameters(), 0.05, 0.9, 0.01);
    }

    private static Map<String, float[]> weights(Module model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.namedParameters()
                .forEach((name, p) -> out.put(name, p.value().floats().clone()));
        return out;
    }

    private static void assertBitIdentical(Map<String, float[]> want, Map<String, float[]> got) {
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet())
            assertTrue(
                    Arrays.equals(want.get(k), got.get(k)),
                    () -> k + ": " + Arrays.toString(want.get(k)) + " vs " + Arrays.toString(got.get(k)));
    }

    private static void assertSameState(Map<String, NdArray> want, Map<String, NdArray> got) {
        assertEquals(List.copyOf(want.keySet()), List.copyOf(got.keySet()));
        for (String k : want.keySet()) {
            assertEquals(want.get(k).dtype(), got.get(k).dtype(), k);
            assertEquals(want.get(k).shape(), got.get(k).shape(), k);
            for (int i = 0; i < want.get(k).size(); i++)
                assertEquals(
                        Double.doubleToRawLongBits(want.get(k).get(i)),
                        Double.doubleToRawLongBits(got.get(k).get(i)),
                        k + "[" + i + "]");
        }
    }

    // ---- round trip and resume --------------------------------------------------------------------

    @Test
    void roundTripRestoresEverythingBitForBit() throws IOException {
        Tiny model = new Tiny(IN, OUT, 1);
        Optimizer opt = optimizer(true, model);
        SplitMix64 data = new SplitMix64(42);
        train(model, opt, data, 0, 5);
        Path path = dir.resolve("ckpt.safetensors");
        Map<String, Long> rng = new LinkedHashMap<>();
        rng.put("data", data.state());
        rng.put("extreme.min", Long.MIN_VALUE);
        rng.put("extreme.max", Long.MAX_VALUE);
        String config = "{\"d_model\":3,\"tokenizer\":{\"kind\":\"bpe\",\"vocab_size\":10000}}";
        Checkpoint.save(path, model, opt, 5, rng, config);

        Checkpoint ck = Checkpoint.load(path);
        assertEquals(5, ck.step());
        assertEquals(rng, ck.rng());
        assertEquals(data.state(), ck.rng("data"));
        assertEquals(config, ck.config().orElseThrow());
        assertEquals("AdamW", ck.optimizerKind().orElseThrow());
        Tiny fresh = new Tiny(IN, OUT, 99);
        Optimizer freshOpt = optimizer(true, fresh);
        ck.restore(fresh, freshOpt);
        assertBitIdentical(weights(model), weights(fresh));
        assertSameState(opt.state(), freshOpt.state());
        assertEquals(5, freshOpt.stepCount());

        // the file's layout: model.<name> F32 and optim.<name> F32/I32, longs as decimal metadata
        SafetensorsFile file = Safetensors.read(path);
        assertEquals(Dtype.F32, file.get("model.head.weight").dtype());
        assertEquals(Dtype.F32, file.get("optim.exp_avg.head.weight").dtype());
        assertEquals(Dtype.I32, file.get("optim.step.scale").dtype());
        assertEquals(Long.toString(Long.MIN_VALUE), file.metadata().get("rng.extreme.min"));
        assertEquals("1", file.metadata().get("jgrad_checkpoint"));
    }

    @Test
    void stoppingSavingAndResumingMatchesAnUninterruptedRun() {
        int total = 15;
        qt().withExamples(16)
                .forAll(integers().between(0, total), booleans().all())
                .checkAssert((stop, adam) -> {
                    Tiny straight = new Tiny(IN, OUT, 7);
                    train(straight, optimizer(adam, straight), new SplitMix64(3), 0, total);

                    Tiny first = new Tiny(IN, OUT, 7);
                    Optimizer firstOpt = optimizer(adam, first);
                    SplitMix64 firstData = new SplitMix64(3);
                    train(first, firstOpt, firstData, 0, stop);
                    Path path = dir.resolve("resume-" + stop + "-" + adam + ".safetensors");
                    try {
                        Checkpoint.save(path, first, firstOpt, stop, Map.of("data", firstData.state()), null);
                        // a new process: new objects, different initial weights and seed, all overwritten by restore
                        Checkpoint ck = Checkpoint.load(path);
                        Tiny resumed = new Tiny(IN, OUT, 1234);
                        Optimizer resumedOpt = optimizer(adam, resumed);
                        ck.restore(resumed, resumedOpt);
                        SplitMix64 data = new SplitMix64(0);
                        data.setState(ck.rng("data"));
                        train(resumed, resumedOpt, data, ck.step(), total);
                        assertBitIdentical(weights(straight), weights(resumed));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    // ---- crash safety -----------------------------------------------------------------------------

    /** Passes the first {@code limit} bytes through, then fails the way {@code failure} says. */
    private static UnaryOperator<OutputStream> failAfter(long limit, RuntimeException failure, boolean io) {
        return out -> new FilterOutputStream(out) {
            long written;

            @Override
            public void write(int b) throws IOException {
                if (written++ >= limit) {
                    if (io) throw new IOException("No space left on device (injected)");
                    throw failure;
                }
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int i = 0; i < len; i++) write(b[off + i]);
            }
        };
    }

    @Test
    void aSaveThatFailsPartWayLeavesThePreviousCheckpointIntact() throws IOException {
        Tiny model = new Tiny(IN, OUT, 1);
        Optimizer opt = optimizer(true, model);
        SplitMix64 data = new SplitMix64(5);
        train(model, opt, data, 0, 3);
        Path path = dir.resolve("ckpt.safetensors");
        Checkpoint.save(path, model, opt, 3, Map.of("data", data.state()), null);
        Map<String, float[]> atStep3 = weights(model);
        byte[] bytes = Files.readAllBytes(path);

        train(model, opt, data, 3, 6);
        Path other = Files.createDirectory(dir.resolve("other")).resolve("complete.safetensors");
        Checkpoint.save(other, model, opt, 6, Map.of(), null);
        long size = Files.size(other); // fail anywhere up to the very last byte
        for (long limit : new long[] {0, 7, 64, size / 2, size - 1}) {
            Exception e = assertThrows(
                    IOException.class,
                    () -> Checkpoint.save(path, model, opt, 6, Map.of(), null, failAfter(limit, null, true)));
            assertTrue(e.getMessage().contains("injected"), e.getMessage());
            IllegalStateException crash = new IllegalStateException("writer crashed (injected)");
            assertThrows(
                    IllegalStateException.class,
                    () -> Checkpoint.save(path, model, opt, 6, Map.of(), null, failAfter(limit, crash, false)));
        }
        assertArrayEquals(bytes, Files.readAllBytes(path), "the old file is untouched");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(
                    List.of("ckpt.safetensors"),
                    files.filter(Files::isRegularFile)
                            .map(p -> p.getFileName().toString())
                            .collect(Collectors.toList()),
                    "no temp file is left behind");
        }
        Checkpoint ck = Checkpoint.load(path);
        assertEquals(3, ck.step());
        Tiny fresh = new Tiny(IN, OUT, 2);
        ck.restore(fresh, optimizer(true, fresh));
        assertBitIdentical(atStep3, weights(fresh));

        Checkpoint.save(path, model, opt, 6, Map.of(), null); // and a save that completes replaces it
        assertEquals(6, Checkpoint.load(path).step());
    }

    // ---- strictness -------------------------------------------------------------------------------

    @Test
    void aCheckpointWithoutOptimizerStateCannotResumeTraining() throws IOException {
        Tiny model = new Tiny(IN, OUT, 1);
        Path path = dir.resolve("no-optim.safetensors");
        Checkpoint.save(path, model, null, 0, Map.of(), null);
        Tiny fresh = new Tiny(IN, OUT, 2);
        Checkpoint ck = Checkpoint.load(path);
        String m = assertThrows(IllegalArgumentException.class, () -> ck.restore(fresh, optimizer(true, fresh)))
                .getMessage();
        assertEquals(
                "checkpoint: " + path + " does not match the model and optimizer\n"
                        + "  optimizer: the checkpoint holds no optimizer state (it was saved without an optimizer)",
                m);
        ck.restoreModel(fresh); // the weights alone are fine
        assertBitIdentical(weights(model), weights(fresh));
    }

    @Test
    void missingOptimizerTensorsAreListed() throws IOException {
        Tiny model = new Tiny(IN, OUT, 1);
        Optimizer opt = optimizer(true, model);
        Path path = dir.resolve("ckpt.safetensors");
        Checkpoint.save(path, model, opt, 0, Map.of(), null);
        SafetensorsFile full = Safetensors.read(path);
        List<TensorEntry> kept = new ArrayList<>();
        for (TensorEntry t : full.tensors().values())
            if (!t.name().equals("optim.exp_avg.head.weight") && !t.name().equals("optim.exp_avg_sq.scale"))
                kept.add(t);
        Safetensors.write(path, kept, full.metadata());
        Tiny fresh = new Tiny(IN, OUT, 2);
        Map<String, float[]> before = weights(fresh);
        Checkpoint ck = Checkpoint.load(path);
        String m = assertThrows(IllegalArgumentException.class, () -> ck.restore(fresh, optimizer(true, fresh)))
                .getMessage();
        assertTrue(m.endsWith("\n  optimizer: missing state: exp_avg_sq.scale, exp_avg.head.weight"), m);
        assertBitIdentical(before, weights(fresh)); // nothing was copied
    }

    @Test
    void wrongShapesAndNamesAreAllReportedAndNothingChanges() throws IOException {
        Tiny model = new Tiny(IN, OUT, 1);
        Path path = dir.resolve("ckpt.safetensors");
        Checkpoint.save(path, model, optimizer(true, model), 0, Map.of(), null);
        Tiny wider = new Tiny(IN + 1, OUT, 2);
        Optimizer widerOpt = optimizer(true, wider);
        Map<String, float[]> before = weights(wider);
        String m = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(path)
                        .restore(wider, widerOpt))
                .getMessage();
        assertEquals(
                "checkpoint: " + path + " does not match the model and optimizer\n"
                        + "  model: shape mismatches: head.weight: checkpoint [3, 2], model [4, 2]\n"
                        + "  optimizer: mismatched state: exp_avg.head.weight: state [3, 2], expected [4, 2];"
                        + " exp_avg_sq.head.weight: state [3, 2], expected [4, 2]",
                m);
        assertBitIdentical(before, weights(wider));
        assertEquals(0, widerOpt.stepCount());

        String kind = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(path)
                        .restore(model, optimizer(false, model)))
                .getMessage();
        assertTrue(kind.endsWith("optimizer: the checkpoint holds AdamW state, the optimizer is SGD"), kind);
    }

    @Test
    void aWeightsFileIsNotATrainingCheckpoint() throws IOException {
        Path path = dir.resolve("weights.safetensors");
        Checkpoint.saveWeights(path, new Tiny(IN, OUT, 1));
        String m = assertThrows(SafetensorsException.class, () -> Checkpoint.load(path))
                .getMessage();
        assertTrue(m.contains("not a jgrad training checkpoint") && m.contains("loadWeights"), m);
    }

    @Test
    void badArgumentsToSaveAreRejected() {
        Tiny model = new Tiny(IN, OUT, 1);
        Path path = dir.resolve("x.safetensors");
        String m = assertThrows(
                        IllegalArgumentException.class,
                        () -> Checkpoint.save(path, model, null, 0, Map.of(), "{\"a\": 1,}"))
                .getMessage();
        assertTrue(m.startsWith("checkpoint: config is not valid JSON"), m);
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(path, model, null, -1, Map.of(), null));
        assertFalse(Files.exists(path));
    }

    // ---- bare weights -----------------------------------------------------------------------------

    @Test
    void weightsUseBareStateDictNames() throws IOException {
        Tiny model = new Tiny(IN, OUT, 1);
        model.scale.assign(NdArray.scalar(model.scale.dtype(), 1.5));
        Path path = dir.resolve("weights.safetensors");
        Checkpoint.saveWeights(path, model);
        SafetensorsFile file = Safetensors.read(path);
        assertEquals(
                List.of("scale", "head.weight", "head.bias"),
                List.copyOf(file.tensors().keySet()));
        assertArrayEquals(new long[] {3, 2}, file.get("head.weight").shape());
        assertEquals(Dtype.F32, file.get("scale").dtype());

        Tiny fresh = new Tiny(IN, OUT, 2);
        Checkpoint.loadWeights(path, fresh, true);
        assertBitIdentical(weights(model), weights(fresh));
    }

    @Test
    void float64WeightsAreConvertedAndIntegersRefused() throws IOException {
        Path f64 = dir.resolve("f64.safetensors");
        double[] w = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
        Safetensors.write(
                f64,
                List.of(
                        TensorEntry.ofDoubles("scale", new double[] {2.0}),
                        TensorEntry.ofDoubles("head.weight", w, 3, 2),
                        TensorEntry.ofDoubles("head.bias", new double[] {-1, 1}, 2)),
                null);
        Tiny model = new Tiny(IN, OUT, 1);
        Checkpoint.loadWeights(f64, model, true);
        float[] want = new float[6];
        for (int i = 0; i < 6; i++) want[i] = (float) w[i];
        assertArrayEquals(want, model.head.weight.value().floats(), 0);

        Path i64 = dir.resolve("i64.safetensors");
        Safetensors.write(i64, List.of(TensorEntry.ofLongs("scale", new long[] {2})), null);
        String m = assertThrows(IllegalArgumentException.class, () -> Checkpoint.loadWeights(i64, model, false))
                .getMessage();
        assertEquals("loadWeights: " + i64 + ": tensor \"scale\" has dtype I64; weights must be F32 or F64", m);
    }

    @Test
    void strictWeightLoadingNamesWhatIsMissing() throws IOException {
        Path partial = dir.resolve("partial.safetensors");
        Safetensors.write(partial, List.of(TensorEntry.ofFloats("scale", new float[] {3f})), null);
        Tiny model = new Tiny(IN, OUT, 1);
        Map<String, float[]> before = weights(model);
        String m = assertThrows(IllegalArgumentException.class, () -> Checkpoint.loadWeights(partial, model, true))
                .getMessage();
        assertTrue(m.startsWith("loadWeights: " + partial + ": ") && m.contains("head.weight, head.bias"), m);
        assertBitIdentical(before, weights(model));
        Checkpoint.loadWeights(partial, model, false); // non-strict: what is there is loaded
        assertEquals(3f, model.scale.value().floats()[0]);

        Path ckpt = dir.resolve("ckpt.safetensors");
        Checkpoint.save(ckpt, model, null, 0, Map.of(), null);
        String hint = assertThrows(IllegalArgumentException.class, () -> Checkpoint.loadWeights(ckpt, model, true))
                .getMessage();
        assertTrue(hint.contains("restoreModel"), hint);
    }
}
