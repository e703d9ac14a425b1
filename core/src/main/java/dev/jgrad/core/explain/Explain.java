package dev.jgrad.core.explain;

import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.autograd.BackwardListener;
import dev.jgrad.core.ops.CrossEntropy;
import dev.jgrad.core.ops.GradientRule;
import dev.jgrad.core.ops.Op;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Backpropagation with a printout: runs the ordinary backward pass ({@link Autograd#backward}, so leaves
 * get their gradients exactly as {@code loss.backward()} gives them) and records what every node did.
 *
 * <pre>
 *   BackwardTrace trace = Explain.backward(loss);
 *   System.out.print(trace);
 * </pre>
 *
 * It listens to the engine through a {@link BackwardListener}; a plain {@code backward()} passes none
 * and pays nothing. With a listener the cost is one pass over each gradient for its statistics, plus,
 * for a cross-entropy node, one row of softmax.
 */
public final class Explain {
    private Explain() {}

    /**
     * How much to keep and show.
     *
     * @param limit steps kept in full (and leaves listed); every node is still counted in the summary
     * @param retainGraph keep the graph after the pass, as {@code backward(true)}; the trace then also
     *     remembers ∂L/∂node for every node, which {@link Dot} can draw
     * @param row the row (flat index over the logits' leading dims) a cross-entropy node shows
     * @param columns how many classes of that row to show: the target and the most probable others
     * @param names what to call leaves (name → tensor, compared by identity)
     */
    public record Options(int limit, boolean retainGraph, int row, int columns, Map<String, Tensor> names) {
        public Options {
            if (limit < 0 || row < 0 || columns < 1) {
                throw new IllegalArgumentException(
                        "explain: options need limit ≥ 0, row ≥ 0 and columns ≥ 1, got limit " + limit + ", row " + row
                                + ", columns " + columns);
            }
            names = Map.copyOf(names);
        }

        /** 64 steps, graph freed, row 0, 8 columns, no names. */
        public static Options defaults() {
            return new Options(64, false, 0, 8, Map.of());
        }

        public Options withLimit(int limit) {
            return new Options(limit, retainGraph, row, columns, names);
        }

        public Options withRetainGraph(boolean retainGraph) {
            return new Options(limit, retainGraph, row, columns, names);
        }

        public Options withRow(int row) {
            return new Options(limit, retainGraph, row, columns, names);
        }

        public Options withColumns(int columns) {
            return new Options(limit, retainGraph, row, columns, names);
        }

        /** Names for leaves, e.g. a module's {@code namedParameters()}: the trace calls them so. */
        public Options withNames(Map<String, Tensor> names) {
            return new Options(limit, retainGraph, row, columns, names);
        }
    }

    /** {@code root.backward()} with a trace, default {@link Options}. */
    public static BackwardTrace backward(Tensor root) {
        return backward(root, Options.defaults());
    }

    /**
     * {@code root.backward(options.retainGraph())} with a trace. The root must be a scalar that requires
     * grad, as for {@code backward()}.
     */
    public static BackwardTrace backward(Tensor root, Options options) {
        String rootName = (root.op() == null ? "leaf" : root.op().name()) + " " + root.shape() + " " + root.dtype();
        Recorder recorder = new Recorder(options);
        Autograd.backward(root, null, options.retainGraph(), recorder);
        List<BackwardTrace.Leaf> leaves = new ArrayList<>();
        for (Tensor leaf : recorder.leafOrder) {
            if (leaves.size() == options.limit()) {
                break;
            }
            NdArray g = leaf.gradValue();
            if (g != null) {
                leaves.add(new BackwardTrace.Leaf(recorder.leaves.get(leaf), leaf.shape(), GradStats.of(g)));
            }
        }
        return new BackwardTrace(
                rootName,
                options.limit(),
                recorder.steps,
                recorder.visited,
                recorder.opCounts,
                recorder.nanOrigin,
                recorder.largest,
                recorder.largestInput,
                leaves,
                recorder.leaves.size(),
                recorder.norms);
    }

    /** Collects one step per visited node. */
    private static final class Recorder implements BackwardListener {
        final Options options;
        final List<BackwardTrace.Step> steps = new ArrayList<>();
        final Map<String, Integer> opCounts = new LinkedHashMap<>();
        final Map<Tensor, String> leaves = new IdentityHashMap<>();
        final List<Tensor> leafOrder = new ArrayList<>();
        final Map<Tensor, double[]> norms = new IdentityHashMap<>();
        int visited;
        BackwardTrace.Step nanOrigin;
        BackwardTrace.Step largest;
        String largestInput;
        double largestNorm = -1;

        final Map<Tensor, String> tensorNames = new IdentityHashMap<>();

        Recorder(Options options) {
            this.options = options;
            options.names().forEach((name, t) -> tensorNames.put(t, name));
        }

        @Override
        public void visited(Tensor node, NdArray g, List<Tensor> inputs, List<NdArray> inputGrads) {
            visited++;
            Op op = node.op();
            opCounts.merge(op.name(), 1, Integer::sum);
            GradStats gStats = GradStats.of(g);
            List<String> names = OpInfo.inputNames(op);
            GradientRule.Broadcast broadcast = OpInfo.broadcast(op.getClass());
            List<Shape> inShapes = new ArrayList<>();
            for (Tensor in : inputs) {
                inShapes.add(in.shape());
            }
            List<BackwardTrace.InputGrad> ins = new ArrayList<>();
            boolean bornHere = false;
            double[] nodeNorms = new double[inputs.size() + 1];
            nodeNorms[0] = gStats.norm();
            int biggest = -1;
            double biggestNorm = -1;
            for (int k = 0; k < inputs.size(); k++) {
                Tensor in = inputs.get(k);
                NdArray gk = inputGrads.get(k);
                GradStats s = gk == null || !in.requiresGrad() ? null : GradStats.of(gk);
                nodeNorms[k + 1] = s == null ? Double.NaN : s.norm();
                int[] axes = OpInfo.summedAxes(broadcast, node.shape(), inShapes, in.shape());
                ins.add(new BackwardTrace.InputGrad(
                        names.get(k), tensorNames.get(in), in.shape(), in.op() == null, in.requiresGrad(), axes, s));
                if (s != null) {
                    bornHere |= !s.finite() && gStats.finite();
                    if (s.norm() > biggestNorm) {
                        biggestNorm = s.norm();
                        biggest = k;
                    }
                    if (in.op() == null && in.freedOp() == null && !leaves.containsKey(in)) {
                        String known = tensorNames.get(in);
                        leaves.put(in, known != null ? known : "#" + visited + " " + op.name() + "." + names.get(k));
                        leafOrder.add(in);
                    }
                }
            }
            if (options.retainGraph()) {
                norms.put(node, nodeNorms);
            }
            boolean keep = steps.size() < options.limit();
            boolean notable = (bornHere && nanOrigin == null) || biggestNorm > largestNorm;
            if (!keep && !notable) {
                return;
            }
            BackwardTrace.CrossEntropyRow ce = keep && op instanceof CrossEntropy
                    ? crossEntropyRow((CrossEntropy) op, g, inputGrads.get(0), options)
                    : null;
            BackwardTrace.Step step = new BackwardTrace.Step(
                    visited,
                    op.name(),
                    op.getClass(),
                    OpInfo.rule(op.getClass()),
                    node.shape(),
                    node.dtype(),
                    gStats,
                    List.copyOf(ins),
                    ce);
            if (keep) {
                steps.add(step);
            }
            if (bornHere && nanOrigin == null) {
                nanOrigin = step;
            }
            if (biggestNorm > largestNorm) {
                largestNorm = biggestNorm;
                largest = step;
                largestInput = tensorNames.getOrDefault(inputs.get(biggest), names.get(biggest));
            }
        }
    }

    /**
     * Row {@code options.row()} of a cross-entropy node: p = exp(z − lse) from the saved lse, the one-hot
     * target, their difference, and the gradient the node returned for that row.
     */
    static BackwardTrace.CrossEntropyRow crossEntropyRow(CrossEntropy ce, NdArray g, NdArray dz, Options options) {
        NdArray z = ce.logits().value();
        int classes = z.shape().dim(-1);
        int rows = ce.targets().length;
        int r = options.row();
        if (r >= rows) {
            return note(r, "outside the " + rows + " rows of logits " + z.shape() + " (Explain.Options.withRow)");
        }
        int t = ce.targets()[r];
        if (t == ce.ignoreIndex()) {
            return note(
                    r, "target " + t + " is the ignore index: this row adds nothing to the loss, its gradient is 0");
        }
        double gr = ce.reduction() == CrossEntropy.Reduction.NONE ? g.get(r) : g.item();
        double scale = ce.reduction() == CrossEntropy.Reduction.MEAN ? gr / ce.count() : gr;
        int[] columns = columns(z, r, classes, t, options.columns());
        int n = columns.length;
        double[] logits = new double[n];
        double[] p = new double[n];
        double[] onehot = new double[n];
        double[] diff = new double[n];
        double[] grad = new double[n];
        for (int i = 0; i < n; i++) {
            int a = columns[i];
            logits[i] = z.get(r * classes + a);
            p[i] = Math.exp(logits[i] - ce.lse()[r]);
            onehot[i] = a == t ? 1 : 0;
            diff[i] = p[i] - onehot[i];
            grad[i] = dz == null ? Double.NaN : dz.get(r * classes + a);
        }
        return new BackwardTrace.CrossEntropyRow(r, t, classes, scale, columns, logits, p, onehot, diff, grad, null);
    }

    private static BackwardTrace.CrossEntropyRow note(int r, String note) {
        double[] none = new double[0];
        return new BackwardTrace.CrossEntropyRow(r, -1, 0, Double.NaN, new int[0], none, none, none, none, none, note);
    }

    /** All classes if they fit, else the target and the most probable others, in class order. */
    private static int[] columns(NdArray z, int r, int classes, int t, int max) {
        if (classes <= max) {
            int[] all = new int[classes];
            Arrays.setAll(all, i -> i);
            return all;
        }
        // the max − 1 largest logits other than t (largest logit = largest p), by a small insertion sort
        int[] top = new int[max - 1];
        int n = 0;
        for (int a = 0; a < classes; a++) {
            if (a == t) {
                continue;
            }
            double v = z.get(r * classes + a);
            if (n < top.length) {
                top[n++] = a;
            } else if (top.length == 0 || v <= z.get(r * classes + top[n - 1])) {
                continue;
            } else {
                top[n - 1] = a;
            }
            for (int i = n - 1; i > 0 && z.get(r * classes + top[i]) > z.get(r * classes + top[i - 1]); i--) {
                int tmp = top[i];
                top[i] = top[i - 1];
                top[i - 1] = tmp;
            }
        }
        int[] out = Arrays.copyOf(top, n + 1);
        out[n] = t;
        Arrays.sort(out);
        return out;
    }
}
