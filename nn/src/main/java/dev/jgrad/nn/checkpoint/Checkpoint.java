package dev.jgrad.nn.checkpoint;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.checkpoint.Safetensors.Dtype;
import dev.jgrad.nn.io.AtomicFiles;
import dev.jgrad.nn.io.Json;
import dev.jgrad.nn.io.JsonException;
import dev.jgrad.nn.modules.Module;
import dev.jgrad.nn.optim.Optimizer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A training checkpoint: everything needed to stop a run and continue it with bit-identical results, in one
 * safetensors file.
 *
 * <pre>
 *   tensors        model.&lt;name&gt;      each parameter under its state-dict name        F32 (F64 for float64)
 *                  optim.&lt;name&gt;      each entry of Optimizer.state()                   F32 buffers, I32 counters
 *   __metadata__   jgrad_checkpoint   format version, "1"
 *                  step               the training step, a decimal long
 *                  optimizer          the optimizer's kind, e.g. "AdamW" (absent when saved without one)
 *                  rng.&lt;name&gt;        each random generator's state, a decimal long (e.g. the batcher's)
 *                  config             optional JSON text: model config, tokenizer, hyperparameters, …
 * </pre>
 *
 * Saving goes through {@link AtomicFiles}: the file is written beside the target, forced to disk and renamed over
 * it, so a crash or a failure part way leaves the previous checkpoint intact. Loading checks everything and
 * {@link #restore} is strict: a missing, unexpected or mis-shaped name, in the weights or the optimizer state,
 * fails with one message listing them all, before anything is changed.
 *
 * <p>{@link #saveWeights} and {@link #loadWeights} handle bare weight files instead: tensors under their exact
 * PyTorch / CS336 state-dict names, no prefix, the kind {@code safetensors.torch.save_file(model.state_dict())}
 * writes and reads.
 */
public final class Checkpoint {
    /** The version written to {@code __metadata__["jgrad_checkpoint"]}. */
    public static final String FORMAT_VERSION = "1";

    private static final String MODEL = "model.";
    private static final String OPTIM = "optim.";
    private static final String RNG = "rng.";

    private final String source;
    private final Map<String, NdArray> model;
    private final String optimizerKind;
    private final Map<String, NdArray> optimizer;
    private final long step;
    private final Map<String, Long> rng;
    private final String config;

    private Checkpoint(
            String source,
            Map<String, NdArray> model,
            String optimizerKind,
            Map<String, NdArray> optimizer,
            long step,
            Map<String, Long> rng,
            String config) {
        this.source = source;
        this.model = Collections.unmodifiableMap(model);
        this.optimizerKind = optimizerKind;
        this.optimizer = Collections.unmodifiableMap(optimizer);
        this.step = step;
        this.rng = Collections.unmodifiableMap(rng);
        this.config = config;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Saving

    /**
     * Atomically writes a checkpoint of {@code model}, {@code optimizer} (may be null), the training {@code step},
     * the random generators' states {@code rng} (name → state; may be empty) and {@code configJson} (valid JSON text,
     * or null) to {@code path}.
     */
    public static void save(
            Path path, Module model, Optimizer optimizer, long step, Map<String, Long> rng, String configJson)
            throws IOException {
        save(path, model, optimizer, step, rng, configJson, UnaryOperator.identity());
    }

    /** As {@link #save}, writing through {@code wrap(out)}: lets tests make the write fail part way. */
    static void save(
            Path path,
            Module model,
            Optimizer optimizer,
            long step,
            Map<String, Long> rng,
            String configJson,
            UnaryOperator<OutputStream> wrap)
            throws IOException {
        SafetensorsFile file = toSafetensors(model, optimizer, step, rng, configJson);
        AtomicFiles.write(path, out -> Safetensors.writeTo(wrap.apply(out), file));
    }

    private static SafetensorsFile toSafetensors(
            Module model, Optimizer optimizer, long step, Map<String, Long> rng, String configJson) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(rng, "rng");
        if (step < 0) throw new IllegalArgumentException("checkpoint: step must be ≥ 0, got " + step);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("jgrad_checkpoint", FORMAT_VERSION);
        metadata.put("step", Long.toString(step));
        if (optimizer != null) metadata.put("optimizer", optimizer.kind());
        for (Map.Entry<String, Long> e : rng.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null)
                throw new IllegalArgumentException(
                        "checkpoint: rng state " + e.getKey() + " = " + e.getValue() + " needs a name and a value");
            metadata.put(RNG + e.getKey(), Long.toString(e.getValue()));
        }
        if (configJson != null) {
            try {
                Json.parse(configJson);
            } catch (JsonException e) {
                throw new IllegalArgumentException("checkpoint: config is not valid JSON: " + e.getMessage(), e);
            }
            metadata.put("config", configJson);
        }
        List<TensorEntry> tensors = new ArrayList<>();
        model.namedParameters().forEach((name, p) -> tensors.add(entry(MODEL + name, p.value())));
        if (optimizer != null) optimizer.state().forEach((name, s) -> tensors.add(entry(OPTIM + name, s)));
        return SafetensorsFile.of(tensors, metadata);
    }

    /** Atomically writes the weights of {@code model} under their bare state-dict names, F32 (F64 if float64). */
    public static void saveWeights(Path path, Module model) throws IOException {
        List<TensorEntry> tensors = new ArrayList<>();
        model.namedParameters().forEach((name, p) -> tensors.add(entry(name, p.value())));
        Safetensors.write(path, tensors, Map.of("format", "pt")); // what safetensors.torch writes
    }

    private static TensorEntry entry(String name, NdArray a) {
        int[] dims = a.shape().dims();
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) shape[i] = dims[i];
        switch (a.dtype()) {
            case FLOAT32:
                return TensorEntry.ofFloats(name, a.floats(), shape);
            case FLOAT64:
                return TensorEntry.ofDoubles(name, a.doubles(), shape);
            case INT32:
                return TensorEntry.ofInts(name, a.ints(), shape);
            default:
                throw new IllegalArgumentException(
                        "checkpoint: tensor \"" + name + "\" has unsupported dtype " + a.dtype());
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Loading

    /**
     * Reads a checkpoint written by {@link #save}. A file that is not one (no {@code jgrad_checkpoint} metadata, a
     * tensor outside {@code model.} and {@code optim.}, a malformed number) is a {@link SafetensorsException}.
     */
    public static Checkpoint load(Path path) throws IOException {
        String file = path.toString();
        SafetensorsFile st = Safetensors.read(path);
        Map<String, String> meta = st.metadata();
        String version = meta.get("jgrad_checkpoint");
        if (version == null)
            throw bad(
                    file,
                    "not a jgrad training checkpoint: its __metadata__ has no \"jgrad_checkpoint\""
                            + " (a bare weights file loads with Checkpoint.loadWeights)");
        if (!version.equals(FORMAT_VERSION))
            throw bad(
                    file,
                    "checkpoint format version " + Json.quote(version) + " is not supported (expected \""
                            + FORMAT_VERSION + "\")");
        long step = parseLong(file, "step", meta.get("step"));
        if (step < 0) throw bad(file, "step " + step + " is negative");
        Map<String, Long> rng = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : meta.entrySet())
            if (e.getKey().startsWith(RNG) && e.getKey().length() > RNG.length())
                rng.put(e.getKey().substring(RNG.length()), parseLong(file, e.getKey(), e.getValue()));
        String optimizerKind = meta.get("optimizer");

        Map<String, NdArray> model = new LinkedHashMap<>();
        Map<String, NdArray> optimizer = new LinkedHashMap<>();
        for (TensorEntry t : st.tensors().values()) {
            String name = t.name();
            if (name.startsWith(MODEL) && name.length() > MODEL.length()) {
                if (t.dtype() != Dtype.F32 && t.dtype() != Dtype.F64)
                    throw bad(
                            file,
                            "weight " + Json.quote(name) + " has dtype " + t.dtype() + "; weights are F32 or F64");
                model.put(name.substring(MODEL.length()), toNdArray(file, t));
            } else if (name.startsWith(OPTIM) && name.length() > OPTIM.length()) {
                if (optimizerKind == null)
                    throw bad(
                            file,
                            "tensor " + Json.quote(name) + " is optimizer state, but the __metadata__ names"
                                    + " no \"optimizer\"");
                optimizer.put(name.substring(OPTIM.length()), toNdArray(file, t));
            } else {
                throw bad(file, "tensor " + Json.quote(name) + " is neither \"model.…\" nor \"optim.…\"");
            }
        }
        return new Checkpoint(file, model, optimizerKind, optimizer, step, rng, meta.get("config"));
    }

    /**
     * Copies the weights of a bare weights file (as {@link #saveWeights} or {@code safetensors.torch.save_file}
     * write) into {@code model}. F32 and F64 tensors are converted to the parameters' dtype; integer tensors are an
     * error. Strict: every parameter present, nothing extra; otherwise only the names present are loaded. Shape
     * mismatches always fail, before anything is copied.
     */
    public static void loadWeights(Path path, Module model, boolean strict) throws IOException {
        String file = path.toString();
        SafetensorsFile st = Safetensors.read(path);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (TensorEntry t : st.tensors().values()) {
            if (t.dtype() != Dtype.F32 && t.dtype() != Dtype.F64)
                throw new IllegalArgumentException("loadWeights: " + file + ": tensor " + Json.quote(t.name())
                        + " has dtype " + t.dtype() + "; weights must be F32 or F64");
            state.put(t.name(), Tensor.of(toNdArray(file, t)));
        }
        try {
            model.loadStateDict(state, strict);
        } catch (IllegalArgumentException e) {
            String hint = st.metadata().containsKey("jgrad_checkpoint")
                    ? "\n  (this is a training checkpoint: use Checkpoint.load(path).restoreModel(model))"
                    : "";
            throw new IllegalArgumentException("loadWeights: " + file + ": " + e.getMessage() + hint, e);
        }
    }

    private static NdArray toNdArray(String file, TensorEntry t) throws SafetensorsException {
        long[] shape = t.shape();
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE)
                throw bad(file, "tensor " + Json.quote(t.name()) + " dim " + shape[i] + " is too large");
            dims[i] = (int) shape[i];
        }
        Shape s = Shape.of(dims);
        switch (t.dtype()) {
            case F32:
                return NdArray.wrap(t.toFloats(), s);
            case F64:
                return NdArray.wrap(t.toDoubles(), s);
            case I32:
                return NdArray.wrap(t.toInts(), s);
            default: // I64: only small counters are stored as integers
                long[] longs = t.toLongs();
                int[] ints = new int[longs.length];
                for (int i = 0; i < longs.length; i++) {
                    if (longs[i] != (int) longs[i])
                        throw bad(file, "tensor " + Json.quote(t.name()) + " value " + longs[i] + " exceeds int32");
                    ints[i] = (int) longs[i];
                }
                return NdArray.wrap(ints, s);
        }
    }

    private static long parseLong(String file, String key, String text) throws SafetensorsException {
        if (text == null) throw bad(file, "__metadata__ has no " + Json.quote(key));
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw bad(file, "__metadata__ " + Json.quote(key) + " = " + Json.quote(text) + " is not a 64-bit integer");
        }
    }

    private static SafetensorsException bad(String file, String what) {
        return new SafetensorsException("checkpoint: " + file + ": " + what);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Applying

    /**
     * Copies the weights into {@code model} and the state into {@code optimizer}. Strict: all names must match both
     * ways, with equal shapes, and the optimizer must be of the kind saved; otherwise nothing changes and one
     * {@link IllegalArgumentException} lists every problem. The step and RNG states are read with {@link #step()}
     * and {@link #rng(String)}.
     */
    public void restore(Module model, Optimizer optimizer) {
        Objects.requireNonNull(optimizer, "optimizer");
        List<String> problems = modelProblems(model);
        if (optimizerKind == null) {
            problems.add("optimizer: the checkpoint holds no optimizer state (it was saved without an optimizer)");
        } else if (!optimizerKind.equals(optimizer.kind())) {
            problems.add("optimizer: the checkpoint holds " + optimizerKind + " state, the optimizer is "
                    + optimizer.kind());
        } else {
            for (String p : optimizer.stateProblems(this.optimizer)) problems.add("optimizer: " + p);
        }
        fail(problems, "the model and optimizer");
        loadModel(model);
        optimizer.loadState(this.optimizer);
    }

    /** Copies only the weights into {@code model} (e.g. to evaluate or sample), strictly as {@link #restore}. */
    public void restoreModel(Module model) {
        fail(modelProblems(model), "the model");
        loadModel(model);
    }

    private void loadModel(Module model) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        this.model.forEach((name, a) -> state.put(name, Tensor.of(a)));
        model.loadStateDict(state, true);
    }

    private List<String> modelProblems(Module model) {
        Map<String, Tensor> own = model.namedParameters();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            NdArray given = this.model.get(e.getKey());
            if (given == null) missing.add(e.getKey());
            else if (!given.shape().equals(e.getValue().shape()))
                mismatched.add(e.getKey() + ": checkpoint " + given.shape() + ", model "
                        + e.getValue().shape());
        }
        for (String k : this.model.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        List<String> problems = new ArrayList<>();
        if (!missing.isEmpty()) problems.add("model: missing weights: " + String.join(", ", missing));
        if (!unexpected.isEmpty()) problems.add("model: unexpected weights: " + String.join(", ", unexpected));
        if (!mismatched.isEmpty()) problems.add("model: shape mismatches: " + String.join("; ", mismatched));
        return problems;
    }

    private void fail(List<String> problems, String what) {
        if (!problems.isEmpty())
            throw new IllegalArgumentException(
                    "checkpoint: " + source + " does not match " + what + "\n  " + String.join("\n  ", problems));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Contents

    /** The training step saved. */
    public long step() {
        return step;
    }

    /** Every saved generator state by name. */
    public Map<String, Long> rng() {
        return rng;
    }

    /** The state saved for generator {@code name}; a missing name is an {@link IllegalArgumentException}. */
    public long rng(String name) {
        Long state = rng.get(name);
        if (state == null)
            throw new IllegalArgumentException(
                    "checkpoint: " + source + " has no rng state " + Json.quote(name) + "; it has " + rng.keySet());
        return state;
    }

    /** The JSON config text saved, if any. */
    public Optional<String> config() {
        return Optional.ofNullable(config);
    }

    /** The weights by state-dict name (no prefix). */
    public Map<String, NdArray> modelState() {
        return model;
    }

    /** The optimizer state by {@link Optimizer#state()} name; empty when saved without an optimizer. */
    public Map<String, NdArray> optimizerState() {
        return optimizer;
    }

    /** The kind of optimizer saved (e.g. {@code "AdamW"}), if any. */
    public Optional<String> optimizerKind() {
        return Optional.ofNullable(optimizerKind);
    }
}
