package dev.jgrad.nn.optim;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Updates parameters from their gradients, as {@code torch.optim.Optimizer}: after {@code loss.backward()},
 * {@link #step()} changes each parameter in place and {@link #zeroGrad()} clears the gradients, which otherwise add
 * up across backward passes.
 *
 * <pre>
 *   for each step:   optimizer.zeroGrad();  loss = …;  loss.backward();  optimizer.step();
 * </pre>
 *
 * <p>A parameter whose gradient is null (it did not take part in the loss) is skipped by {@link #step()}: neither it
 * nor its state changes, as in PyTorch. Parameters are float32 leaves; each one's state is plain {@code float[]}
 * buffers of its size (and, for some optimizers, an update counter), allocated when the optimizer is built.
 *
 * <p>The state is exposed for checkpoints by name:
 *
 * <pre>
 *   "step"                    int32 scalar   how many times step() has run
 *   "&lt;buffer&gt;.&lt;param name&gt;"   float32, the parameter's shape   e.g. exp_avg.layers.0.attn.q_proj.weight
 *   "&lt;counter&gt;.&lt;param name&gt;"  int32 scalar                     e.g. step.layers.0.attn.q_proj.weight
 * </pre>
 *
 * Parameter names come from the map given to the constructor (a module's {@code namedParameters()}), or are
 * {@code "0"}, {@code "1"}, … for a list, as PyTorch numbers them in {@code state_dict()}.
 */
public abstract class Optimizer {
    private final String kind;
    private final List<String> names;
    private final List<Tensor> params;
    private final Map<String, float[][]> buffers = new LinkedHashMap<>();
    private final Map<String, int[]> counters = new LinkedHashMap<>();
    private double lr;
    private int steps;

    /** Optimizes the parameters of {@code named} in its order, calling them by its keys. */
    protected Optimizer(String kind, Map<String, Tensor> named, double lr) {
        this.kind = kind;
        Objects.requireNonNull(named, "params");
        this.names = List.copyOf(named.keySet());
        this.params = new ArrayList<>(named.values());
        checkParams();
        setLr(lr);
    }

    /** {@code params} named {@code "0"}, {@code "1"}, … in order, for the list constructors of subclasses. */
    protected static Map<String, Tensor> numbered(List<Tensor> params) {
        Objects.requireNonNull(params, "params");
        Map<String, Tensor> named = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) named.put(Integer.toString(i), params.get(i));
        return named;
    }

    private void checkParams() {
        if (params.isEmpty()) throw new IllegalArgumentException(kind + ": got an empty parameter list");
        Map<Tensor, String> seen = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            String name = names.get(i);
            if (p == null) throw new IllegalArgumentException(kind + ": parameter \"" + name + "\" is null");
            if (!p.isLeaf())
                throw new IllegalArgumentException(kind + ": parameter \"" + name + "\" is not a leaf tensor (it was"
                        + " computed by " + p.op().name() + "); optimize the leaf it came from");
            if (p.dtype() != DType.FLOAT32)
                throw new IllegalArgumentException(kind + ": parameter \"" + name + "\" " + p.shape() + " is "
                        + p.dtype() + "; only float32 parameters are supported");
            String before = seen.put(p, name);
            if (before != null)
                throw new IllegalArgumentException(kind + ": parameters \"" + before + "\" and \"" + name
                        + "\" are the same tensor; list each parameter once");
        }
    }

    // ---- what subclasses use ----------------------------------------------------------------------

    /** Registers a zero-filled buffer per parameter under {@code key} (state names {@code key.<param name>}). */
    protected final float[][] buffer(String key) {
        float[][] b = new float[params.size()][];
        for (int i = 0; i < b.length; i++) b[i] = new float[params.get(i).numel()];
        register(key, buffers.put(key, b) == null && !counters.containsKey(key));
        return b;
    }

    /** Registers a per-parameter counter, starting at 0, under {@code key} (state names {@code key.<param name>}). */
    protected final int[] counter(String key) {
        int[] c = new int[params.size()];
        register(key, counters.put(key, c) == null && !buffers.containsKey(key));
        return c;
    }

    private static void register(String key, boolean fresh) {
        if (!fresh) throw new AssertionError("optimizer state \"" + key + "\" registered twice");
    }

    /**
     * Elements per parallel chunk of an update (each element is updated on its own, so the split never shows in
     * the result): about 1 MB of parameter, gradient and state read and written, some tens of microseconds.
     */
    protected static final int GRAIN = 1 << 15;

    /**
     * Updates parameter {@code i} in place from its gradient {@code g}. Called by {@link #step()} only for
     * parameters that have a gradient; {@code p} and {@code g} are the raw float32 storage, of equal length.
     */
    protected abstract void update(int i, float[] p, float[] g);

    // ---- the training-loop API --------------------------------------------------------------------

    /** Applies one update to every parameter that has a gradient. */
    public final void step() {
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            NdArray g = p.gradValue();
            if (g == null) continue;
            if (g.dtype() != DType.FLOAT32 || !g.shape().equals(p.shape()))
                throw new IllegalStateException(kind + ".step: gradient of \"" + names.get(i) + "\" is " + g.dtype()
                        + " " + g.shape() + ", parameter is " + p.dtype() + " " + p.shape());
            update(i, p.value().floats(), g.floats());
        }
        steps++;
    }

    /** Clears every parameter's gradient (sets it to null, PyTorch's {@code set_to_none=True}). */
    public void zeroGrad() {
        for (Tensor p : params) p.zeroGrad();
    }

    /** The learning rate the next {@link #step()} uses. */
    public double lr() {
        return lr;
    }

    /** Sets the learning rate for the following steps, e.g. from an {@link LrSchedule}. */
    public final void setLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr))
            throw new IllegalArgumentException(kind + ": learning rate must be finite and ≥ 0, got " + lr);
        this.lr = lr;
    }

    /** How many times {@link #step()} has run (restored by {@link #loadState}). */
    public int stepCount() {
        return steps;
    }

    /** The parameters, in order. */
    public List<Tensor> params() {
        return Collections.unmodifiableList(params);
    }

    /** The parameters' names, in order. */
    public List<String> paramNames() {
        return names;
    }

    /** The optimizer's name as PyTorch spells it, e.g. {@code AdamW}. */
    public String kind() {
        return kind;
    }

    // ---- state for checkpoints -------------------------------------------------------------------

    /**
     * A snapshot of the whole state by name (see the class comment): copies, so later steps do not change it.
     * Hyperparameters are not part of it; the learning rate in particular is the schedule's business.
     */
    public Map<String, NdArray> state() {
        Map<String, NdArray> out = new LinkedHashMap<>();
        out.put("step", NdArray.scalar(DType.INT32, steps));
        for (int i = 0; i < params.size(); i++) {
            String name = names.get(i);
            Shape shape = params.get(i).shape();
            for (Map.Entry<String, int[]> c : counters.entrySet())
                out.put(c.getKey() + "." + name, NdArray.scalar(DType.INT32, c.getValue()[i]));
            for (Map.Entry<String, float[][]> b : buffers.entrySet())
                out.put(b.getKey() + "." + name, NdArray.wrap(b.getValue()[i].clone(), shape));
        }
        return out;
    }

    /**
     * Everything that keeps {@code state} from loading into this optimizer, one line per problem, or an empty list.
     * The names must be exactly those of {@link #state()}; buffers need the parameter's shape and a float dtype;
     * counters must be scalar integers in {@code [0, 2³¹ − 1]}.
     */
    public List<String> stateProblems(Map<String, NdArray> state) {
        Map<String, Slot> own = layout();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, Slot> e : own.entrySet()) {
            NdArray given = state.get(e.getKey());
            Slot want = e.getValue();
            if (given == null) missing.add(e.getKey());
            else if (!given.shape().equals(want.shape()))
                bad.add(e.getKey() + ": state " + given.shape() + ", expected " + want.shape());
            else if (want.count()) {
                double n = given.item();
                if (!(n >= 0 && n <= Integer.MAX_VALUE && n == Math.rint(n)))
                    bad.add(e.getKey() + ": count must be an integer in [0, 2147483647], got " + n);
            } else if (!given.dtype().isFloating()) bad.add(e.getKey() + ": dtype " + given.dtype() + " is not float");
        }
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        List<String> problems = new ArrayList<>();
        if (!missing.isEmpty()) problems.add("missing state: " + String.join(", ", missing));
        if (!unexpected.isEmpty()) problems.add("unexpected state: " + String.join(", ", unexpected));
        if (!bad.isEmpty()) problems.add("mismatched state: " + String.join("; ", bad));
        return problems;
    }

    /** The shape of one state entry, and whether it is a count (an int32 scalar) rather than a float buffer. */
    private record Slot(Shape shape, boolean count) {}

    /** The names, shapes and kinds of {@link #state()}, in its order, without copying any buffer. */
    private Map<String, Slot> layout() {
        Map<String, Slot> out = new LinkedHashMap<>();
        out.put("step", new Slot(Shape.scalar(), true));
        for (int i = 0; i < params.size(); i++) {
            String name = names.get(i);
            for (String c : counters.keySet()) out.put(c + "." + name, new Slot(Shape.scalar(), true));
            for (String b : buffers.keySet())
                out.put(b + "." + name, new Slot(params.get(i).shape(), false));
        }
        return out;
    }

    /**
     * Replaces the whole state with {@code state} (as {@link #state()} names it). Strict: if anything is missing,
     * unexpected or of the wrong shape, nothing is changed and one {@link IllegalArgumentException} lists it all.
     */
    public void loadState(Map<String, NdArray> state) {
        List<String> problems = stateProblems(state);
        if (!problems.isEmpty())
            throw new IllegalArgumentException(
                    kind + ".loadState: the state does not match this optimizer\n  " + String.join("\n  ", problems));
        steps = (int) state.get("step").item();
        for (int i = 0; i < params.size(); i++) {
            String name = names.get(i);
            for (Map.Entry<String, int[]> c : counters.entrySet())
                c.getValue()[i] = (int) state.get(c.getKey() + "." + name).item();
            for (Map.Entry<String, float[][]> b : buffers.entrySet()) {
                NdArray src = state.get(b.getKey() + "." + name);
                float[] values = src.dtype() == DType.FLOAT32
                        ? src.floats()
                        : src.cast(DType.FLOAT32).floats();
                System.arraycopy(values, 0, b.getValue()[i], 0, values.length);
            }
        }
    }

    /** Checks a hyperparameter: {@code lo ≤ x < hi} (or ≤ hi when {@code closed}). */
    static double check(String kind, String what, double x, double lo, double hi, boolean closed) {
        boolean ok = x >= lo && (closed ? x <= hi : x < hi);
        if (!ok)
            throw new IllegalArgumentException(
                    kind + ": " + what + " must be in [" + lo + ", " + hi + (closed ? "]" : ")") + ", got " + x);
        return x;
    }
}
