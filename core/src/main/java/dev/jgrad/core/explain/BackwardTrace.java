package dev.jgrad.core.explain;

import dev.jgrad.core.ops.Op;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.StringJoiner;

/**
 * What one backward pass did, node by node, in the order the engine visited the nodes (each node before
 * the nodes it was computed from). Made by {@link Explain#backward}; {@link #toString()} is the printout.
 *
 * <p>For each visited node a {@link Step} holds the op, its backward rule (the op's {@code @GradientRule},
 * i.e. the {@code backward} line of its Javadoc), the incoming gradient {@code g = ∂L/∂out}, and for each
 * input the gradient the op handed back, with the axes summed to undo broadcasting. Only the first
 * {@code limit} steps are kept in full; every node is counted in the summary.
 */
public final class BackwardTrace {
    /**
     * The gradient one input received from a step: {@code name} as in the op's rule ({@code a}, {@code b}),
     * {@code tensor} the caller's name for it (from {@link Explain.Options#names()}) or null. {@code stats}
     * is null when the input needs no gradient.
     */
    public record InputGrad(
            String name,
            String tensor,
            Shape shape,
            boolean leaf,
            boolean requiresGrad,
            int[] summedAxes,
            GradStats stats) {}

    /** One visited node. {@code crossEntropy} is non-null only for a cross-entropy node. */
    public record Step(
            int index,
            String op,
            Class<? extends Op> opClass,
            List<String> rule,
            Shape outShape,
            DType dtype,
            GradStats g,
            List<InputGrad> inputs,
            CrossEntropyRow crossEntropy) {}

    /**
     * One row r of a cross-entropy node, restricted to {@code columns}: the logits z, the softmax
     * {@code p = exp(z − lse_r)}, the one-hot target, {@code p − onehot}, and the gradient the node
     * returned, which equals {@code scale · (p − onehot)} with {@code scale = g / N}. {@code note} explains
     * a row that could not be shown (out of range, ignored target); the arrays are then empty.
     */
    public record CrossEntropyRow(
            int row,
            int target,
            int classes,
            double scale,
            int[] columns,
            double[] logits,
            double[] p,
            double[] onehot,
            double[] difference,
            double[] gradient,
            String note) {}

    /** A leaf that received a gradient: where it was first met, and its gradient after the pass. */
    public record Leaf(String name, Shape shape, GradStats grad) {}

    private final String root;
    private final int limit;
    private final List<Step> steps;
    private final int visited;
    private final Map<String, Integer> opCounts;
    private final Step nanOrigin;
    private final Step largest;
    private final String largestInput;
    private final List<Leaf> leaves;
    private final int leafCount;
    private final Map<Tensor, double[]> nodeNorms; // node → {‖∂L/∂node‖, ‖share of input 0‖, …}; empty unless retained

    BackwardTrace(
            String root,
            int limit,
            List<Step> steps,
            int visited,
            Map<String, Integer> opCounts,
            Step nanOrigin,
            Step largest,
            String largestInput,
            List<Leaf> leaves,
            int leafCount,
            Map<Tensor, double[]> nodeNorms) {
        this.root = root;
        this.limit = limit;
        this.steps = List.copyOf(steps);
        this.visited = visited;
        this.opCounts = Collections.unmodifiableMap(opCounts);
        this.nanOrigin = nanOrigin;
        this.largest = largest;
        this.largestInput = largestInput;
        this.leaves = List.copyOf(leaves);
        this.leafCount = leafCount;
        this.nodeNorms = nodeNorms;
    }

    /** The first {@code limit} steps, in visiting order. */
    public List<Step> steps() {
        return steps;
    }

    /** How many op nodes the pass visited (shown or not). */
    public int visited() {
        return visited;
    }

    /** Nodes visited per op name, in first-visit order. */
    public Map<String, Integer> opCounts() {
        return opCounts;
    }

    /**
     * The first step whose incoming gradient was finite but which handed a NaN or infinite gradient to
     * an input: where the bad values were born. Null when every gradient stayed finite.
     */
    public Step nanOrigin() {
        return nanOrigin;
    }

    /** The step that handed the largest-norm gradient to an input. */
    public Step largest() {
        return largest;
    }

    /** The leaves that received gradients, in the order they were first met (at most {@code limit}). */
    public List<Leaf> leaves() {
        return leaves;
    }

    /**
     * ‖∂L/∂node‖ for a node this pass visited, when the trace was taken with {@code retainGraph}
     * (otherwise the graph is gone and nothing is kept).
     */
    public OptionalDouble gradNorm(Tensor node) {
        double[] n = nodeNorms.get(node);
        return n == null ? OptionalDouble.empty() : OptionalDouble.of(n[0]);
    }

    /** ‖the share of ∂L/∂input k that {@code node}'s backward returned‖, as {@link #gradNorm}. */
    public OptionalDouble edgeGradNorm(Tensor node, int input) {
        double[] n = nodeNorms.get(node);
        return n == null || input + 1 >= n.length || Double.isNaN(n[input + 1])
                ? OptionalDouble.empty()
                : OptionalDouble.of(n[input + 1]);
    }

    public void print(PrintStream out) {
        out.print(this);
    }

    /** The printout: a header, one block per kept step, then the summary. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("backward from ").append(root).append(": ").append(visited).append(visited == 1 ? " node" : " nodes");
        sb.append(" visited, outputs before inputs\n");
        for (Step s : steps) {
            appendStep(sb, s);
        }
        if (visited > steps.size()) {
            sb.append("… ")
                    .append(visited - steps.size())
                    .append(" more nodes not shown (limit ")
                    .append(limit)
                    .append(")\n");
        }
        appendSummary(sb);
        return sb.toString();
    }

    private static void appendStep(StringBuilder sb, Step s) {
        StringJoiner ins = new StringJoiner(", ");
        for (InputGrad in : s.inputs()) {
            ins.add(in.name() + (in.tensor() == null ? "" : " = " + in.tensor()) + " " + in.shape());
        }
        sb.append('\n')
                .append('#')
                .append(s.index())
                .append(' ')
                .append(s.op())
                .append("   ")
                .append(ins)
                .append(" → ")
                .append(s.outShape());
        if (s.dtype() != DType.FLOAT32) {
            sb.append(' ').append(s.dtype());
        }
        sb.append('\n');
        int width = "∂L/∂out".length();
        for (InputGrad in : s.inputs()) {
            width = Math.max(width, "∂L/∂".length() + in.name().length());
        }
        String pad = " ".repeat(width + 5);
        for (int i = 0; i < s.rule().size(); i++) {
            sb.append(i == 0 ? label("rule", width) : pad)
                    .append(s.rule().get(i))
                    .append('\n');
        }
        sb.append(label("∂L/∂out", width)).append(s.g()).append('\n');
        for (InputGrad in : s.inputs()) {
            sb.append(label("∂L/∂" + in.name(), width));
            if (in.stats() == null) {
                sb.append("not needed (")
                        .append(in.requiresGrad() ? "no gradient returned" : "a constant")
                        .append(")");
            } else {
                sb.append(in.stats());
                if (in.summedAxes().length > 0) {
                    sb.append("   summed over ")
                            .append(in.summedAxes().length == 1 ? "axis " : "axes ")
                            .append(axes(in.summedAxes()))
                            .append(" to undo broadcasting");
                }
                if (in.leaf()) {
                    sb.append("   (leaf)");
                }
            }
            sb.append('\n');
        }
        if (s.crossEntropy() != null) {
            appendCrossEntropy(sb, s.crossEntropy());
        }
    }

    private static String label(String name, int width) {
        return "   " + name + " ".repeat(width - name.length() + 2);
    }

    private static String axes(int[] axes) {
        if (axes.length == 1) {
            return Integer.toString(axes[0]);
        }
        return Arrays.toString(axes);
    }

    private static void appendCrossEntropy(StringBuilder sb, CrossEntropyRow r) {
        if (r.note() != null) {
            sb.append("   row ").append(r.row()).append(": ").append(r.note()).append('\n');
            return;
        }
        sb.append(String.format(
                Locale.ROOT,
                "   row %d, target %d: the gradient is (g/N) · (p − onehot), g/N = %s%n",
                r.row(),
                r.target(),
                GradStats.num(r.scale())));
        String rowFormat = "     %-14s";
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, rowFormat, "class"));
        int last = -1;
        for (int c : r.columns()) {
            header.append(c > last + 1 && last >= -1 && c > 0 && last != c - 1 ? "    … " : "")
                    .append(String.format(Locale.ROOT, "%9d", c));
            last = c;
        }
        if (last < r.classes() - 1) {
            header.append("    …");
        }
        sb.append(header.toString().stripTrailing()).append('\n');
        row(sb, rowFormat, "z", r.logits(), r);
        row(sb, rowFormat, "p = softmax z", r.p(), r);
        row(sb, rowFormat, "onehot(t)", r.onehot(), r);
        row(sb, rowFormat, "p − onehot", r.difference(), r);
        row(sb, rowFormat, "∂L/∂z", r.gradient(), r);
    }

    private static void row(StringBuilder sb, String rowFormat, String name, double[] values, CrossEntropyRow r) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, rowFormat, name));
        int last = -1;
        for (int i = 0; i < values.length; i++) {
            int c = r.columns()[i];
            line.append(c > 0 && last != c - 1 ? "    … " : "").append(String.format(Locale.ROOT, "%9.4f", values[i]));
            last = c;
        }
        if (last < r.classes() - 1) {
            line.append("    …");
        }
        sb.append(line).append('\n');
    }

    private void appendSummary(StringBuilder sb) {
        sb.append("\nsummary: ");
        StringJoiner ops = new StringJoiner(", ");
        opCounts.forEach((op, n) -> ops.add(op + " ×" + n));
        sb.append(ops).append('\n');
        if (nanOrigin == null) {
            sb.append("  every gradient is finite\n");
        } else {
            sb.append("  first NaN/∞: #")
                    .append(nanOrigin.index())
                    .append(' ')
                    .append(nanOrigin.op())
                    .append(" got a finite ∂L/∂out and returned a non-finite gradient\n");
        }
        if (largest != null) {
            sb.append("  largest gradient: ∂L/∂")
                    .append(largestInput)
                    .append(" at #")
                    .append(largest.index())
                    .append(' ')
                    .append(largest.op())
                    .append('\n');
        }
        if (!leaves.isEmpty()) {
            sb.append("  leaves (their .grad() after this pass):\n");
            int width = 0;
            for (Leaf l : leaves) {
                width = Math.max(
                        width, l.name().length() + 1 + l.shape().toString().length());
            }
            for (Leaf l : leaves) {
                String name = l.name() + " " + l.shape();
                sb.append("    ")
                        .append(name)
                        .append(" ".repeat(width - name.length() + 2))
                        .append(l.grad())
                        .append('\n');
            }
            if (leafCount > leaves.size()) {
                sb.append("    … ").append(leafCount - leaves.size()).append(" more leaves\n");
            }
        }
    }
}
