package dev.jgrad.core.autograd;

import dev.jgrad.core.ops.Abs;
import dev.jgrad.core.ops.Add;
import dev.jgrad.core.ops.CausalAttention;
import dev.jgrad.core.ops.Concat;
import dev.jgrad.core.ops.CrossEntropy;
import dev.jgrad.core.ops.Div;
import dev.jgrad.core.ops.Exp;
import dev.jgrad.core.ops.Expand;
import dev.jgrad.core.ops.Gelu;
import dev.jgrad.core.ops.GeluTanh;
import dev.jgrad.core.ops.IndexSelect;
import dev.jgrad.core.ops.Linear;
import dev.jgrad.core.ops.Log;
import dev.jgrad.core.ops.LogSoftmax;
import dev.jgrad.core.ops.MaskedFill;
import dev.jgrad.core.ops.MatMul;
import dev.jgrad.core.ops.Max;
import dev.jgrad.core.ops.Mean;
import dev.jgrad.core.ops.Mul;
import dev.jgrad.core.ops.Narrow;
import dev.jgrad.core.ops.Neg;
import dev.jgrad.core.ops.Op;
import dev.jgrad.core.ops.Permute;
import dev.jgrad.core.ops.Pow;
import dev.jgrad.core.ops.Relu;
import dev.jgrad.core.ops.Reshape;
import dev.jgrad.core.ops.RmsNorm;
import dev.jgrad.core.ops.Rope;
import dev.jgrad.core.ops.Sigmoid;
import dev.jgrad.core.ops.Silu;
import dev.jgrad.core.ops.SiluMul;
import dev.jgrad.core.ops.Softmax;
import dev.jgrad.core.ops.Sqrt;
import dev.jgrad.core.ops.Sub;
import dev.jgrad.core.ops.Sum;
import dev.jgrad.core.ops.Tanh;
import dev.jgrad.core.ops.Where;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A random computation graph in float64, for checking a whole graph's gradients at once: a DAG of
 * {@code ops} random ops over leaves of random broadcastable shapes, each op taking its operands from
 * any earlier value (so intermediate values are reused), plus whatever leaves a binary op needs.
 *
 * <pre>
 *   nodes    leaves x₀, x₁, … and op results v₁ … v_ops; an operand is the newest value half the time,
 *            any earlier value (leaf or result) otherwise
 *   output   v_ops + Σ mean(v) over the results nothing else used, so every op reaches the output
 *   guards   a candidate op is dropped and another drawn when its output is not finite or exceeds 20 in
 *            size, has more than 64 elements, or sits within 10⁻² of a kink (relu, abs, a max tie) or
 *            a pole or domain edge (log, sqrt, 1/x, x^p): finite differences are then exact to ~10⁻⁸
 * </pre>
 *
 * The plan is fixed when the graph is generated; {@link #evaluate} replays it on any leaves, as
 * {@link GradCheck} needs. Everything derives from the seed, so a failing graph can be replayed and
 * printed ({@link #toString()} lists its steps).
 */
@SuppressWarnings("try") // a noGrad scope that exists only to be closed
final class RandomGraph {
    /** The ops a graph is drawn from, each with the {@link Op} record it records. */
    enum Kind {
        ADD(Add.class),
        SUB(Sub.class),
        MUL(Mul.class),
        DIV(Div.class),
        WHERE(Where.class),
        NEG(Neg.class),
        EXP(Exp.class),
        LOG(Log.class),
        SQRT(Sqrt.class),
        POW(Pow.class),
        TANH(Tanh.class),
        SIGMOID(Sigmoid.class),
        SILU(Silu.class),
        GELU(Gelu.class),
        GELU_TANH(GeluTanh.class),
        RELU(Relu.class),
        ABS(Abs.class),
        SUM(Sum.class),
        MEAN(Mean.class),
        MAX(Max.class),
        SOFTMAX(Softmax.class),
        LOG_SOFTMAX(LogSoftmax.class),
        RESHAPE(Reshape.class),
        PERMUTE(Permute.class),
        EXPAND(Expand.class),
        NARROW(Narrow.class),
        CONCAT(Concat.class),
        INDEX_SELECT(IndexSelect.class),
        MASKED_FILL(MaskedFill.class),
        MATMUL(MatMul.class),
        CROSS_ENTROPY(CrossEntropy.class),
        LINEAR(Linear.class),
        RMS_NORM(RmsNorm.class),
        SILU_MUL(SiluMul.class),
        ROPE(Rope.class),
        CAUSAL_ATTENTION(CausalAttention.class);

        final Class<? extends Op> op;

        Kind(Class<? extends Op> op) {
            this.op = op;
        }
    }

    private static final int MAX_ELEMENTS = 64;
    private static final int MAX_RANK = 4;
    private static final double MAX_ABS = 20;
    private static final double MARGIN = 1e-2;

    /** One op of the plan: its operands are earlier node indices. */
    private interface Step {
        Tensor apply(List<Tensor> nodes);
    }

    /** A node of the plan: a leaf (index into the leaves) or an op over earlier nodes. */
    private record Node(int leaf, Step step, int[] operands, String text) {}

    /** What a proposal adds: new leaves first (they take the next node indices), then the op. */
    private record Candidate(List<NdArray> newLeaves, Step step, int[] operands, String text) {}

    private final List<NdArray> leafValues = new ArrayList<>();
    private final List<Node> plan = new ArrayList<>();
    private final Random rnd;

    private RandomGraph(long seed) {
        this.rnd = new Random(seed);
    }

    /** A graph of {@code ops} random ops from {@code seed}; {@code focus} (may be null) is drawn a third of the time. */
    static RandomGraph generate(long seed, int ops, Kind focus) {
        RandomGraph g = new RandomGraph(seed);
        g.build(ops, focus);
        return g;
    }

    /** Fresh float64 leaves holding the graph's input values, each requiring grad. */
    List<Tensor> leaves() {
        List<Tensor> out = new ArrayList<>();
        for (NdArray v : leafValues) {
            out.add(Tensor.of(v.copy()).requiresGrad(true));
        }
        return out;
    }

    /** Replays the plan on {@code leaves} (in {@link #leaves()} order) and returns the output. */
    Tensor evaluate(List<Tensor> leaves) {
        List<Tensor> nodes = new ArrayList<>();
        for (Node n : plan) {
            nodes.add(n.step == null ? leaves.get(n.leaf) : n.step.apply(nodes));
        }
        return combine(nodes);
    }

    /** The op records that {@link #evaluate} produces, found by walking its graph. */
    Set<Class<? extends Op>> opClasses() {
        Set<Class<? extends Op>> out = new LinkedHashSet<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> stack = new ArrayList<>(List.of(evaluate(leaves())));
        while (!stack.isEmpty()) {
            Tensor t = stack.remove(stack.size() - 1);
            if (t.op() != null && seen.add(t)) {
                out.add(t.op().getClass());
                stack.addAll(t.op().inputs());
            }
        }
        return out;
    }

    /** The largest number of ops that read one and the same op result. */
    int maxReuse() {
        int[] uses = new int[plan.size()];
        for (Node n : plan) {
            if (n.operands != null) {
                for (int i : n.operands) {
                    uses[i]++;
                }
            }
        }
        int max = 0;
        for (int i = 0; i < plan.size(); i++) {
            if (plan.get(i).step != null) {
                max = Math.max(max, uses[i]);
            }
        }
        return max;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("random graph:");
        for (int i = 0; i < plan.size(); i++) {
            Node n = plan.get(i);
            sb.append("\n  v").append(i).append(" = ");
            sb.append(n.step == null ? "leaf " + leafValues.get(n.leaf).shape() : n.text);
        }
        return sb.append("\n  output = last + Σ mean(unused results)").toString();
    }

    // ---- building -------------------------------------------------------------------------------

    private void build(int ops, Kind focus) {
        Shape base = randomShape(0, 3);
        int leaves = 1 + rnd.nextInt(3);
        List<Tensor> nodes = new ArrayList<>();
        for (int i = 0; i < leaves; i++) {
            commitLeaf(randn(broadcastSource(base)).value(), nodes);
        }
        Kind[] kinds = Kind.values();
        int accepted = 0;
        for (int attempt = 0; accepted < ops && attempt < 200 * ops; attempt++) {
            Kind kind = focus != null && rnd.nextInt(3) == 0 ? focus : kinds[rnd.nextInt(kinds.length)];
            if (attempt >= 100 * ops) {
                kind = Kind.TANH; // always applicable: finish the graph
            }
            Candidate c = propose(kind, nodes);
            if (c == null) {
                continue;
            }
            List<Tensor> trial = new ArrayList<>(nodes);
            for (NdArray leaf : c.newLeaves) {
                trial.add(Tensor.of(leaf));
            }
            Tensor out;
            try (GradScope ignored = Autograd.noGrad()) {
                out = c.step.apply(trial);
            }
            if (!acceptable(out)) {
                continue;
            }
            for (NdArray leaf : c.newLeaves) {
                commitLeaf(leaf, nodes);
            }
            plan.add(new Node(-1, c.step, c.operands, c.text));
            nodes.add(out);
            accepted++;
        }
    }

    private void commitLeaf(NdArray value, List<Tensor> nodes) {
        leafValues.add(value);
        plan.add(new Node(leafValues.size() - 1, null, null, null));
        nodes.add(Tensor.of(value));
    }

    /** The last result plus the mean of every result no op used, so that all of them reach the output. */
    private Tensor combine(List<Tensor> nodes) {
        boolean[] used = new boolean[plan.size()];
        int last = -1;
        for (int i = 0; i < plan.size(); i++) {
            Node n = plan.get(i);
            if (n.step != null) {
                last = i;
                for (int k : n.operands) {
                    used[k] = true;
                }
            }
        }
        Tensor out = nodes.get(last);
        for (int i = 0; i < plan.size(); i++) {
            if (i != last && plan.get(i).step != null && !used[i]) {
                out = out.add(nodes.get(i).mean());
            }
        }
        return out;
    }

    private static boolean acceptable(Tensor t) {
        if (t.numel() > MAX_ELEMENTS || t.rank() > MAX_RANK || t.numel() == 0) {
            return false;
        }
        for (double v : t.toDoubleArray()) {
            if (!Double.isFinite(v) || Math.abs(v) > MAX_ABS) {
                return false;
            }
        }
        return true;
    }

    private Candidate propose(Kind kind, List<Tensor> nodes) {
        int a = pick(nodes);
        Tensor x = nodes.get(a);
        double[] v = x.toDoubleArray();
        int r = x.rank();
        switch (kind) {
            case ADD:
                return binary(nodes, a, false, (p, q) -> p.add(q), "add");
            case SUB:
                return binary(nodes, a, false, (p, q) -> p.sub(q), "sub");
            case MUL:
                return binary(nodes, a, false, (p, q) -> p.mul(q), "mul");
            case DIV:
                return binary(nodes, a, true, (p, q) -> p.div(q), "div");
            case WHERE:
                return where(nodes, a);
            case NEG:
                return unary(a, Tensor::neg, "neg");
            case EXP:
                return max(v) <= 3 ? unary(a, Tensor::exp, "exp") : null;
            case LOG:
                return min(v) >= 0.2 ? unary(a, Tensor::log, "log") : null;
            case SQRT:
                return min(v) >= 0.2 ? unary(a, Tensor::sqrt, "sqrt") : null;
            case POW: {
                double[] safe = min(v) >= 0.2 ? new double[] {2, 3, 0.5, 1.5, -1} : new double[] {2, 3};
                double p = safe[rnd.nextInt(safe.length)];
                if (p == -1 && minAbs(v) < 0.3) {
                    return null;
                }
                return unary(a, t -> t.pow(p), "pow " + p);
            }
            case TANH:
                return unary(a, Tensor::tanh, "tanh");
            case SIGMOID:
                return unary(a, Tensor::sigmoid, "sigmoid");
            case SILU:
                return unary(a, Tensor::silu, "silu");
            case GELU:
                return unary(a, Tensor::gelu, "gelu");
            case GELU_TANH:
                return unary(a, Tensor::geluTanh, "geluTanh");
            case RELU:
                return minAbs(v) >= MARGIN ? unary(a, Tensor::relu, "relu") : null;
            case ABS:
                return minAbs(v) >= MARGIN ? unary(a, Tensor::abs, "abs") : null;
            case SUM:
            case MEAN: {
                int[] dims = randomAxes(r);
                boolean keep = rnd.nextBoolean();
                boolean sum = kind == Kind.SUM;
                return unary(
                        a,
                        t -> sum ? t.sum(dims, keep) : t.mean(dims, keep),
                        (sum ? "sum " : "mean ") + Arrays.toString(dims) + " keepdim " + keep);
            }
            case MAX: {
                if (r == 0) {
                    return unary(a, Tensor::max, "max");
                }
                int dim = rnd.nextInt(r);
                boolean keep = rnd.nextBoolean();
                return minGapAlong(x, dim) >= MARGIN
                        ? unary(a, t -> t.max(dim, keep), "max dim " + dim + " keepdim " + keep)
                        : null;
            }
            case SOFTMAX:
            case LOG_SOFTMAX: {
                if (r == 0) {
                    return null;
                }
                int dim = rnd.nextInt(r) - r; // negative dims count from the end
                boolean log = kind == Kind.LOG_SOFTMAX;
                return unary(
                        a, t -> log ? t.logSoftmax(dim) : t.softmax(dim), (log ? "logSoftmax " : "softmax ") + dim);
            }
            case RESHAPE: {
                int[] to = factorize(x.numel());
                if (rnd.nextInt(4) == 0 && to.length > 0) {
                    to[rnd.nextInt(to.length)] = -1;
                }
                return unary(a, t -> t.reshape(to), "reshape " + Arrays.toString(to));
            }
            case PERMUTE: {
                if (r < 2) {
                    return null;
                }
                List<Integer> perm = new ArrayList<>();
                for (int i = 0; i < r; i++) {
                    perm.add(i);
                }
                Collections.shuffle(perm, rnd);
                int[] p = perm.stream().mapToInt(Integer::intValue).toArray();
                return unary(a, t -> t.permute(p), "permute " + Arrays.toString(p));
            }
            case EXPAND: {
                int[] dims = x.shape().dims();
                for (int i = 0; i < dims.length; i++) {
                    if (dims[i] == 1 && rnd.nextBoolean()) {
                        dims[i] = 2 + rnd.nextInt(2);
                    }
                }
                int[] to = dims;
                if (rnd.nextBoolean() || Arrays.equals(dims, x.shape().dims())) {
                    to = new int[dims.length + 1];
                    to[0] = 2 + rnd.nextInt(2);
                    System.arraycopy(dims, 0, to, 1, dims.length);
                }
                int[] target = to;
                return unary(a, t -> t.expand(target), "expand " + Arrays.toString(target));
            }
            case NARROW: {
                List<Integer> axes = new ArrayList<>();
                for (int i = 0; i < r; i++) {
                    if (x.dim(i) >= 2) {
                        axes.add(i);
                    }
                }
                if (axes.isEmpty()) {
                    return null;
                }
                int dim = axes.get(rnd.nextInt(axes.size()));
                int len = 1 + rnd.nextInt(x.dim(dim) - 1);
                int start = rnd.nextInt(x.dim(dim) - len + 1);
                return unary(a, t -> t.narrow(dim, start, len), "narrow dim " + dim + " [" + start + ", +" + len + ")");
            }
            case CONCAT:
                return concat(nodes, a);
            case INDEX_SELECT: {
                if (r == 0) {
                    return null;
                }
                int dim = rnd.nextInt(r);
                int[] index = new int[1 + rnd.nextInt(3)];
                for (int i = 0; i < index.length; i++) {
                    index[i] = rnd.nextInt(x.dim(dim));
                }
                Tensor ix = Tensor.ofInts(index);
                return unary(a, t -> t.indexSelect(dim, ix), "indexSelect dim " + dim + " " + Arrays.toString(index));
            }
            case MASKED_FILL: {
                Tensor mask = randomMask(broadcastSource(x.shape()));
                double fill = Math.round((rnd.nextDouble() * 2 - 1) * 100) / 100.0;
                return unary(a, t -> t.maskedFill(mask, fill), "maskedFill " + mask.shape() + " with " + fill);
            }
            case MATMUL:
                return matmul(nodes, a);
            case CROSS_ENTROPY: {
                if (r == 0) {
                    return null;
                }
                Shape lead = Shape.of(Arrays.copyOf(x.shape().dims(), r - 1));
                int classes = x.dim(-1);
                int[] t = new int[lead.size()];
                for (int i = 0; i < t.length; i++) {
                    t[i] = rnd.nextInt(5) == 0 ? -100 : rnd.nextInt(classes);
                }
                Tensor targets = Tensor.of(NdArray.wrap(t, lead));
                CrossEntropy.Reduction red =
                        CrossEntropy.Reduction.values()[rnd.nextInt(CrossEntropy.Reduction.values().length)];
                return unary(
                        a,
                        z -> z.crossEntropy(targets, red, -100),
                        "crossEntropy " + Arrays.toString(t) + " " + red + " ignoring -100");
            }
            case LINEAR: {
                if (r == 0) {
                    return null;
                }
                int out = 1 + rnd.nextInt(3);
                boolean bias = rnd.nextBoolean();
                List<NdArray> fresh =
                        new ArrayList<>(List.of(randn(Shape.of(out, x.dim(-1))).value()));
                if (bias) {
                    fresh.add(randn(Shape.of(out)).value());
                }
                int w = nodes.size();
                return new Candidate(
                        fresh,
                        n -> Linear.apply(n.get(a), n.get(w), bias ? n.get(w + 1) : null),
                        bias ? new int[] {a, w, w + 1} : new int[] {a, w},
                        "linear(v" + a + ", v" + w + (bias ? ", v" + (w + 1) : "") + ")");
            }
            case RMS_NORM: {
                if (r == 0) {
                    return null;
                }
                int w = nodes.size();
                return new Candidate(
                        List.of(randn(Shape.of(x.dim(-1))).value()),
                        n -> RmsNorm.apply(n.get(a), n.get(w), 1e-5),
                        new int[] {a, w},
                        "rmsNorm(v" + a + ", v" + w + ")");
            }
            case SILU_MUL: {
                int b = -1;
                for (int i = 0; i < nodes.size() && b < 0; i++) {
                    if (i != a && nodes.get(i).shape().equals(x.shape()) && rnd.nextBoolean()) {
                        b = i;
                    }
                }
                List<NdArray> fresh = b < 0 ? List.of(randn(x.shape()).value()) : List.of();
                int bi = b < 0 ? nodes.size() : b;
                return new Candidate(
                        fresh,
                        n -> SiluMul.apply(n.get(a), n.get(bi)),
                        new int[] {a, bi},
                        "siluMul(v" + a + ", v" + bi + ")");
            }
            case ROPE: {
                if (r == 0 || x.dim(-1) % 2 != 0) {
                    return null;
                }
                int half = x.dim(-1) / 2;
                int positions = 1 + rnd.nextInt(3);
                NdArray angles = randn(Shape.of(positions, half)).value();
                NdArray cos = angles.map(Math::cos);
                NdArray sin = angles.map(Math::sin);
                int[] rows = new int[x.numel() / x.dim(-1)];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = rnd.nextInt(positions);
                }
                return unary(a, t -> Rope.apply(t, cos, sin, rows), "rope rows " + Arrays.toString(rows));
            }
            case CAUSAL_ATTENTION: {
                if (r < 2) {
                    return null;
                }
                int heads = x.dim(-1) % 2 == 0 && rnd.nextBoolean() ? 2 : 1;
                if (rnd.nextInt(3) == 0) { // self-attention on one value: q = k = v
                    return unary(a, t -> CausalAttention.apply(t, t, t, heads), "causalAttention " + heads + " heads");
                }
                int k = nodes.size();
                return new Candidate(
                        List.of(randn(x.shape()).value(), randn(x.shape()).value()),
                        n -> CausalAttention.apply(n.get(a), n.get(k), n.get(k + 1), heads),
                        new int[] {a, k, k + 1},
                        "causalAttention(v" + a + ", v" + k + ", v" + (k + 1) + ") " + heads + " heads");
            }
            default:
                throw new AssertionError(kind);
        }
    }

    private interface Unary {
        Tensor apply(Tensor x);
    }

    private interface Binary {
        Tensor apply(Tensor x, Tensor y);
    }

    private static Candidate unary(int a, Unary f, String text) {
        return new Candidate(List.of(), nodes -> f.apply(nodes.get(a)), new int[] {a}, text + "(v" + a + ")");
    }

    /** {@code f(v_a, partner)}: the partner is an earlier value that broadcasts with v_a, or a new leaf. */
    private Candidate binary(List<Tensor> nodes, int a, boolean denominator, Binary f, String name) {
        Shape sa = nodes.get(a).shape();
        int b = partner(nodes, sa, denominator);
        List<NdArray> fresh = new ArrayList<>();
        if (b < 0) {
            Shape sb = rnd.nextInt(4) == 0 ? growSource(sa) : broadcastSource(sa);
            fresh.add(denominator ? awayFromZero(sb) : randn(sb).value());
            b = nodes.size();
        }
        int bi = b;
        boolean swap = !denominator && rnd.nextBoolean();
        int first = swap ? bi : a;
        int second = swap ? a : bi;
        return new Candidate(
                fresh,
                n -> f.apply(n.get(first), n.get(second)),
                new int[] {first, second},
                name + "(v" + first + ", v" + second + ")");
    }

    private Candidate where(List<Tensor> nodes, int a) {
        Shape sa = nodes.get(a).shape();
        int b = partner(nodes, sa, false);
        List<NdArray> fresh = new ArrayList<>();
        if (b < 0) {
            fresh.add(randn(broadcastSource(sa)).value());
            b = nodes.size();
        }
        Shape sb = b < nodes.size() ? nodes.get(b).shape() : fresh.get(0).shape();
        Shape out = Shape.broadcast(sa, sb);
        Tensor condition = randomMask(broadcastSource(out));
        int bi = b;
        return new Candidate(
                fresh,
                n -> Tensor.where(condition, n.get(a), n.get(bi)),
                new int[] {a, bi},
                "where(" + condition.shape() + ", v" + a + ", v" + bi + ")");
    }

    private Candidate concat(List<Tensor> nodes, int a) {
        Tensor x = nodes.get(a);
        if (x.rank() == 0) {
            return null;
        }
        int dim = rnd.nextInt(x.rank());
        List<Integer> fits = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Tensor y = nodes.get(i);
            if (y.rank() == x.rank() && x.shape().with(dim, 1).equals(y.shape().with(dim, 1))) {
                fits.add(i);
            }
        }
        List<NdArray> fresh = new ArrayList<>();
        int b;
        if (!fits.isEmpty() && rnd.nextBoolean()) {
            b = fits.get(rnd.nextInt(fits.size())); // may be v_a itself: both shares must arrive
        } else {
            fresh.add(randn(x.shape().with(dim, 1 + rnd.nextInt(2))).value());
            b = nodes.size();
        }
        int bi = b;
        return new Candidate(
                fresh,
                n -> Tensor.concat(List.of(n.get(a), n.get(bi)), dim),
                new int[] {a, bi},
                "concat(v" + a + ", v" + bi + ") dim " + dim);
    }

    private Candidate matmul(List<Tensor> nodes, int a) {
        Tensor x = nodes.get(a);
        if (x.rank() == 0) {
            return null;
        }
        int k = x.dim(-1);
        List<Integer> fits = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Tensor y = nodes.get(i);
            if ((y.rank() == 1 || y.rank() == 2) && y.dim(0) == k) {
                fits.add(i);
            }
        }
        List<NdArray> fresh = new ArrayList<>();
        int b;
        if (!fits.isEmpty() && rnd.nextBoolean()) {
            b = fits.get(rnd.nextInt(fits.size()));
        } else {
            Shape sb = rnd.nextInt(4) == 0 ? Shape.of(k) : Shape.of(k, 1 + rnd.nextInt(3));
            fresh.add(randn(sb).value());
            b = nodes.size();
        }
        int bi = b;
        return new Candidate(
                fresh, n -> n.get(a).matmul(n.get(bi)), new int[] {a, bi}, "matmul(v" + a + ", v" + bi + ")");
    }

    // ---- random pieces --------------------------------------------------------------------------

    /** The newest value half the time, any earlier one otherwise. */
    private int pick(List<Tensor> nodes) {
        return rnd.nextBoolean() ? nodes.size() - 1 : rnd.nextInt(nodes.size());
    }

    /** An earlier value whose shape broadcasts with {@code s} (and, for a denominator, stays clear of 0), or −1. */
    private int partner(List<Tensor> nodes, Shape s, boolean denominator) {
        for (int tries = 0; tries < 4; tries++) {
            int i = rnd.nextInt(nodes.size());
            Shape out = Shape.broadcast(s, nodes.get(i).shape());
            if (out != null
                    && out.size() <= MAX_ELEMENTS
                    && (!denominator || minAbs(nodes.get(i).toDoubleArray()) >= 0.3)) {
                return i;
            }
        }
        return -1;
    }

    private Shape randomShape(int minRank, int maxRank) {
        int[] dims = new int[minRank + rnd.nextInt(maxRank - minRank + 1)];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = 1 + rnd.nextInt(3);
        }
        return Shape.of(dims);
    }

    /** {@code s} with some dims set to 1 and some leading dims dropped: broadcasts to {@code s}. */
    private Shape broadcastSource(Shape s) {
        int[] dims = s.dims();
        for (int i = 0; i < dims.length; i++) {
            if (rnd.nextInt(3) == 0) {
                dims[i] = 1;
            }
        }
        int drop = rnd.nextInt(dims.length + 1);
        return Shape.of(Arrays.copyOfRange(dims, rnd.nextBoolean() ? 0 : drop, dims.length));
    }

    /** A shape that stretches {@code s}: its size-1 dims may grow, and a leading dim may be added. */
    private Shape growSource(Shape s) {
        int[] dims = s.dims();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 1 && rnd.nextBoolean()) {
                dims[i] = 2 + rnd.nextInt(2);
            }
        }
        if (dims.length < MAX_RANK - 1 && rnd.nextBoolean()) {
            int[] more = new int[dims.length + 1];
            more[0] = 2;
            System.arraycopy(dims, 0, more, 1, dims.length);
            dims = more;
        }
        return Shape.of(dims);
    }

    /** A random order of some non-empty set of axes (all of them for a scalar, which has none). */
    private int[] randomAxes(int rank) {
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            if (rnd.nextBoolean()) {
                axes.add(rnd.nextBoolean() ? i : i - rank);
            }
        }
        if (axes.isEmpty() && rank > 0) {
            axes.add(rnd.nextInt(rank));
        }
        return axes.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A random shape of {@code n} elements, rank 0 to 3 (rank 0 only for n = 1). */
    private int[] factorize(int n) {
        List<Integer> dims = new ArrayList<>();
        int left = n;
        int rank = 1 + rnd.nextInt(3);
        for (int i = 0; i < rank - 1; i++) {
            List<Integer> divisors = new ArrayList<>();
            for (int d = 1; d <= left; d++) {
                if (left % d == 0) {
                    divisors.add(d);
                }
            }
            int d = divisors.get(rnd.nextInt(divisors.size()));
            dims.add(d);
            left /= d;
        }
        dims.add(left);
        if (n == 1 && rnd.nextBoolean()) {
            dims.clear();
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    private Tensor randomMask(Shape s) {
        int[] m = new int[s.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = rnd.nextInt(3) == 0 ? 1 : 0;
        }
        return Tensor.of(NdArray.wrap(m, s));
    }

    private Tensor randn(Shape s) {
        return Tensor.randn(DType.FLOAT64, rnd, s.dims());
    }

    private NdArray awayFromZero(Shape s) {
        double[] v = new double[s.size()];
        for (int i = 0; i < v.length; i++) {
            double magnitude = 0.5 + Math.abs(rnd.nextGaussian());
            v[i] = rnd.nextBoolean() ? magnitude : -magnitude;
        }
        return NdArray.wrap(v, s);
    }

    /** The smallest gap between the largest and second-largest value along {@code dim} (∞ for size 1). */
    private static double minGapAlong(Tensor x, int dim) {
        int n = x.dim(dim);
        if (n == 1) {
            return Double.POSITIVE_INFINITY;
        }
        double[] v = x.toDoubleArray();
        int inner = x.shape().sizeOf(dim + 1, x.rank());
        int outer = x.numel() / (n * inner);
        double gap = Double.POSITIVE_INFINITY;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double first = Double.NEGATIVE_INFINITY;
                double second = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double e = v[(o * n + j) * inner + i];
                    if (e > first) {
                        second = first;
                        first = e;
                    } else if (e > second) {
                        second = e;
                    }
                }
                gap = Math.min(gap, first - second);
            }
        }
        return gap;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }

    private static double minAbs(double[] v) {
        return Arrays.stream(v).map(Math::abs).min().orElse(0);
    }
}
