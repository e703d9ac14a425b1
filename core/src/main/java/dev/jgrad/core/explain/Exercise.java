package dev.jgrad.core.explain;

import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.autograd.BackwardFunction;
import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.autograd.GradScope;
import dev.jgrad.core.ops.Abs;
import dev.jgrad.core.ops.Add;
import dev.jgrad.core.ops.CrossEntropy;
import dev.jgrad.core.ops.Div;
import dev.jgrad.core.ops.Exp;
import dev.jgrad.core.ops.Expand;
import dev.jgrad.core.ops.Gelu;
import dev.jgrad.core.ops.Log;
import dev.jgrad.core.ops.LogSoftmax;
import dev.jgrad.core.ops.MatMul;
import dev.jgrad.core.ops.Mean;
import dev.jgrad.core.ops.Mul;
import dev.jgrad.core.ops.Neg;
import dev.jgrad.core.ops.Op;
import dev.jgrad.core.ops.Pow;
import dev.jgrad.core.ops.Relu;
import dev.jgrad.core.ops.Sigmoid;
import dev.jgrad.core.ops.Silu;
import dev.jgrad.core.ops.Softmax;
import dev.jgrad.core.ops.Sqrt;
import dev.jgrad.core.ops.Sub;
import dev.jgrad.core.ops.Sum;
import dev.jgrad.core.ops.Tanh;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * Exercise mode: write an op's backward yourself and let the gradient properties grade it.
 *
 * <pre>
 *   BackwardFunction mine = (op, g) -> {
 *       Mul mul = (Mul) op;
 *       return List.of(g.mul(mul.b().value()).sumTo(mul.a().shape()), g.mul(mul.a().value()).sumTo(mul.b().shape()));
 *   };
 *   System.out.println(Exercise.grade(Mul.class, mine));
 * </pre>
 *
 * The op's built-in problem is a list of cases, smallest first (for binary ops: equal shapes, then one
 * side broadcast, then both). Each case runs under {@link Autograd#overrideBackward}, so the engine calls
 * your function wherever it would call the op's own backward, and is graded as {@link GradCheck} grades
 * every op: {@code L = Σ w ⊙ f(x)} with random {@code w}, your ∂L/∂x against central finite differences.
 * Grading stops at the first failing case, which is therefore the smallest shape that shows the mistake;
 * the verdict names it, the input and element that are furthest off, and, when it can tell, the likely
 * mistake (ignoring {@code g}, a wrong sign or factor, swapped inputs, a broadcast not summed back).
 */
public final class Exercise {
    private static final Map<Class<? extends Op>, Problem> PROBLEMS = problems();

    private Exercise() {}

    /**
     * One graded case: {@code f} applied to inputs made from a {@link Random}; the differentiable inputs
     * are float64 and require grad, others (targets) are held constant. {@code f} must record the op.
     */
    public record Case(Function<Random, List<Tensor>> inputs, Function<List<Tensor>, Tensor> f) {}

    /** What the learner implements: an op, the call that records it, and cases in the order to grade them. */
    public record Problem(Class<? extends Op> op, String call, List<Case> cases) {
        public Problem {
            cases = List.copyOf(cases);
            if (cases.isEmpty()) {
                throw new IllegalArgumentException("exercise: problem " + call + " has no cases");
            }
        }
    }

    /**
     * The outcome. When {@code correct}, only {@code op}, {@code call} and the case counts matter. Otherwise
     * {@code shapes} is the smallest failing case, {@code mistake} says what is wrong, {@code input} and
     * {@code element} locate the worst entry (when values were compared), and {@code hint} guesses the cause
     * (null when there is no good guess).
     */
    public record Verdict(
            boolean correct,
            String op,
            String call,
            int casesPassed,
            int casesTotal,
            String firstShapes,
            String shapes,
            String mistake,
            String input,
            String element,
            double backward,
            double finiteDifference,
            String hint) {
        @Override
        public String toString() {
            if (correct) {
                return String.format(
                        Locale.ROOT,
                        "%s: correct. Your backward for %s agrees with finite differences on all %d cases, from %s to %s.",
                        op,
                        call,
                        casesTotal,
                        firstShapes,
                        shapes);
            }
            StringBuilder sb = new StringBuilder();
            sb.append(op).append(": wrong on ").append(shapes).append(", the smallest failing case");
            sb.append(
                    casesPassed == 0
                            ? " (the first one)"
                            : " (" + casesPassed + " smaller " + (casesPassed == 1 ? "case" : "cases") + " passed)");
            sb.append("\n  ").append(mistake);
            if (hint != null) {
                sb.append("\n  hint: ").append(hint);
            }
            return sb.toString();
        }
    }

    /** The ops that have a built-in problem. */
    public static Set<Class<? extends Op>> ops() {
        return PROBLEMS.keySet();
    }

    /** The built-in problem for {@code op}. */
    public static Problem problem(Class<? extends Op> op) {
        Problem p = PROBLEMS.get(op);
        if (p == null) {
            StringJoiner known = new StringJoiner(", ");
            for (Class<? extends Op> c : PROBLEMS.keySet()) {
                known.add(c.getSimpleName());
            }
            throw new IllegalArgumentException("exercise: no built-in problem for " + op.getSimpleName()
                    + "; there are problems for " + known + ", or pass your own Exercise.Problem");
        }
        return p;
    }

    /** Grades {@code backward} as the backward of {@code op} on its built-in problem. */
    public static Verdict grade(Class<? extends Op> op, BackwardFunction backward) {
        return grade(problem(op), backward);
    }

    /** Grades {@code backward} on {@code problem}'s cases, smallest first, stopping at the first failure. */
    public static Verdict grade(Problem problem, BackwardFunction backward) {
        String op = problem.op().getSimpleName();
        List<Case> cases = problem.cases();
        String first = null;
        String shapes = null;
        for (int i = 0; i < cases.size(); i++) {
            long seed = 1000 + i;
            List<Tensor> inputs = cases.get(i).inputs().apply(new Random(seed));
            List<Tensor> copies = copies(inputs);
            Op node = recorded(problem, cases.get(i), copies);
            shapes = describe(node, inputs);
            if (first == null) {
                first = shapes;
            }
            String[] failure = gradeCase(problem, cases.get(i), inputs, copies, node, backward, seed);
            if (failure != null) {
                return new Verdict(
                        false,
                        op,
                        problem.call(),
                        i,
                        cases.size(),
                        first,
                        shapes,
                        failure[0],
                        failure[1],
                        failure[2],
                        Double.parseDouble(failure[3]),
                        Double.parseDouble(failure[4]),
                        failure[5]);
            }
        }
        return new Verdict(
                true,
                op,
                problem.call(),
                cases.size(),
                cases.size(),
                first,
                shapes,
                null,
                null,
                null,
                Double.NaN,
                Double.NaN,
                null);
    }

    /** {mistake, input, element, backward, finite difference, hint}, or null when the case passes. */
    @SuppressWarnings("try") // the override scope exists only to be closed
    private static String[] gradeCase(
            Problem problem,
            Case c,
            List<Tensor> inputs,
            List<Tensor> copies,
            Op node,
            BackwardFunction backward,
            long seed) {
        List<Tensor> nodeInputs = node.inputs();
        List<String> names = OpInfo.inputNames(node);
        Shape outShape = shapeOf(c, inputs);
        NdArray g = gaussian(outShape, new Random(seed ^ 0x5DEECE66DL)); // any g will do: backward is linear in g
        // 1. Direct call: does it return one gradient per input, of the input's shape?
        List<NdArray> mine;
        try {
            mine = backward.backward(node, g);
        } catch (RuntimeException | AssertionError e) {
            return failure("your backward threw " + e, null, null, null);
        }
        if (mine == null || mine.size() != nodeInputs.size()) {
            return failure(
                    "your backward returned " + (mine == null ? "null" : mine.size() + " gradients")
                            + "; it must return one per input (" + String.join(", ", names) + "), in that order",
                    null,
                    null,
                    null);
        }
        for (int k = 0; k < mine.size(); k++) {
            Tensor in = nodeInputs.get(k);
            NdArray gk = mine.get(k);
            if (gk == null) {
                return failure(
                        "your backward returned null for ∂L/∂" + names.get(k) + "; every input here needs a gradient",
                        names.get(k),
                        null,
                        null);
            }
            if (!gk.shape().equals(in.shape())) {
                List<Shape> shapes = new ArrayList<>();
                nodeInputs.forEach(t -> shapes.add(t.shape()));
                int[] axes = OpInfo.summedAxes(OpInfo.broadcast(problem.op()), outShape, shapes, in.shape());
                String hint = null;
                if (axes.length > 0) {
                    hint = names.get(k) + " " + in.shape() + " was broadcast to " + outShape
                            + " in the forward pass (along "
                            + (axes.length == 1 ? "axis " + axes[0] : "axes " + Arrays.toString(axes))
                            + "), so each of its elements was used several times and its gradient is the sum over"
                            + " those uses: g.sumTo(" + names.get(k) + ".shape())";
                }
                return failure(
                        "∂L/∂" + names.get(k) + " has shape " + gk.shape() + ", but " + names.get(k) + " has shape "
                                + in.shape() + " (a gradient always has its input's shape)",
                        names.get(k),
                        null,
                        hint);
            }
            if (gk.dtype() != in.dtype()) {
                return failure(
                        "∂L/∂" + names.get(k) + " is " + gk.dtype() + ", but " + names.get(k) + " is " + in.dtype(),
                        names.get(k),
                        null,
                        null);
            }
        }
        // 2. The gradient property: the engine calls your backward; compare with finite differences.
        GradCheck.Report report;
        try (GradScope ignored = Autograd.overrideBackward(problem.op(), backward)) {
            report = GradCheck.compare(problem.op().getSimpleName(), c.f(), inputs, seed);
        } catch (RuntimeException | AssertionError e) {
            return failure("backward failed inside the engine: " + e, null, null, null);
        }
        for (GradCheck.InputReport r : report.inputs()) {
            if (r.passed()) {
                continue;
            }
            int k = nodeInputs.indexOf(copies.get(r.input())); // the node was recorded on the copies
            String name = k >= 0 ? names.get(k) : "input " + r.input();
            String element = index(inputs.get(r.input()).shape(), r.worstIndex());
            String mistake = String.format(
                    Locale.ROOT,
                    "∂L/∂%s%s: your backward gives %s, finite differences give %s",
                    name,
                    element,
                    GradStats.num(r.analytic()),
                    GradStats.num(r.numeric()));
            String hint = k >= 0 ? hint(node, backward, g, mine, k, names) : null;
            return new String[] {
                mistake, name, element, Double.toString(r.analytic()), Double.toString(r.numeric()), hint
            };
        }
        return null;
    }

    private static String[] failure(String mistake, String input, String element, String hint) {
        return new String[] {mistake, input, element, "NaN", "NaN", hint};
    }

    /**
     * A guess at the mistake in input k's gradient, from properties every backward has: it is linear in
     * g (doubling g doubles it), and it equals the op's own backward, which its gradient test proves.
     */
    private static String hint(
            Op node, BackwardFunction backward, NdArray g, List<NdArray> mine, int k, List<String> names) {
        List<NdArray> doubled;
        try {
            doubled = backward.backward(node, g.scale(2));
        } catch (RuntimeException | AssertionError e) {
            doubled = null;
        }
        NdArray gk = mine.get(k);
        if (doubled != null && doubled.size() == mine.size() && doubled.get(k) != null) {
            NdArray dk = doubled.get(k);
            if (close(dk, gk, 1) && !allZero(gk)) {
                return "your ∂L/∂" + names.get(k) + " ignores g: doubling g should double it (the chain rule multiplies"
                        + " the local derivative by g = ∂L/∂out), but it did not change";
            }
            if (!close(dk, gk, 2)) {
                return "your ∂L/∂" + names.get(k) + " is not linear in g: doubling g should exactly double it";
            }
        }
        List<NdArray> reference = node.backward(g);
        NdArray ref = reference.get(k);
        if (allZero(gk)) {
            return "your ∂L/∂" + names.get(k) + " is 0 everywhere";
        }
        if (close(gk, ref, -1)) {
            return "your ∂L/∂" + names.get(k) + " has the wrong sign";
        }
        for (int j = 0; j < reference.size(); j++) {
            if (j != k && reference.get(j) != null && close(gk, reference.get(j), 1)) {
                return "your ∂L/∂" + names.get(k) + " is the gradient of " + names.get(j)
                        + ": are two gradients swapped?";
            }
        }
        double factor = factor(gk, ref);
        if (!Double.isNaN(factor)) {
            return String.format(
                    Locale.ROOT, "your ∂L/∂%s is %s times the right gradient", names.get(k), GradStats.num(factor));
        }
        return null;
    }

    /** Whether {@code a ≈ c · b} elementwise. */
    private static boolean close(NdArray a, NdArray b, double c) {
        if (!a.shape().equals(b.shape())) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            double want = c * b.get(i);
            if (!(Math.abs(a.get(i) - want) <= 1e-9 + 1e-6 * Math.abs(want))) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(NdArray a) {
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The constant c with {@code a = c · b}, or NaN when there is none, when it is ±1, or when b has fewer
     * than two non-zero entries (any two numbers are a multiple of each other; that says nothing).
     */
    private static double factor(NdArray a, NdArray b) {
        double c = Double.NaN;
        int nonZero = 0;
        for (int i = 0; i < b.size(); i++) {
            if (Math.abs(b.get(i)) > 1e-6) {
                nonZero++;
                if (Double.isNaN(c)) {
                    c = a.get(i) / b.get(i);
                }
            }
        }
        if (nonZero < 2 || Math.abs(c - 1) < 1e-6 || Math.abs(c + 1) < 1e-6 || !close(a, b, c)) {
            return Double.NaN;
        }
        return c;
    }

    /** The problem's op node that {@code f} records as its output on {@code inputs}. */
    private static Op recorded(Problem problem, Case c, List<Tensor> inputs) {
        Tensor out = c.f().apply(inputs);
        if (out.op() != null && problem.op().isInstance(out.op())) {
            return out.op();
        }
        throw new IllegalArgumentException("exercise: " + problem.call() + " does not record a "
                + problem.op().getSimpleName() + " node as its output (got "
                + (out.op() == null ? "no op" : out.op().name()) + ")");
    }

    @SuppressWarnings("try") // the noGrad scope exists only to be closed
    private static Shape shapeOf(Case c, List<Tensor> inputs) {
        try (GradScope ignored = Autograd.noGrad()) {
            return c.f().apply(inputs).shape();
        }
    }

    /** {@code a [2, 3], b [3]} from the op's input names, plus constant inputs such as targets. */
    private static String describe(Op node, List<Tensor> inputs) {
        List<String> names = OpInfo.inputNames(node);
        StringJoiner sj = new StringJoiner(", ");
        List<Tensor> nodeInputs = node.inputs();
        for (int k = 0; k < nodeInputs.size(); k++) {
            sj.add(names.get(k) + " " + nodeInputs.get(k).shape());
        }
        for (Tensor t : inputs) {
            if (!t.requiresGrad()) {
                sj.add("constant " + t.shape() + (t.dtype() == DType.INT32 ? " int32" : ""));
            }
        }
        return sj.toString();
    }

    /** Fresh leaves with the same values: the node for direct calls is recorded on these, not on the graded inputs. */
    private static List<Tensor> copies(List<Tensor> inputs) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : inputs) {
            out.add(Tensor.of(t.value().copy()).requiresGrad(t.requiresGrad()));
        }
        return out;
    }

    private static NdArray gaussian(Shape shape, Random rnd) {
        NdArray a = NdArray.zeros(DType.FLOAT64, shape);
        for (int i = 0; i < a.size(); i++) {
            a.set(i, rnd.nextGaussian());
        }
        return a;
    }

    private static String index(Shape shape, int flat) {
        if (shape.rank() == 0) {
            return "";
        }
        int[] idx = new int[shape.rank()];
        for (int i = shape.rank() - 1; i >= 0; i--) {
            idx[i] = flat % shape.dim(i);
            flat /= shape.dim(i);
        }
        return Arrays.toString(idx);
    }

    // ---- built-in problems ----------------------------------------------------------------------

    private interface Unary extends Function<Tensor, Tensor> {}

    private interface Binary {
        Tensor apply(Tensor a, Tensor b);
    }

    private enum Values {
        NORMAL,
        POSITIVE,
        AWAY_FROM_ZERO
    }

    private static Map<Class<? extends Op>, Problem> problems() {
        Map<Class<? extends Op>, Problem> m = new LinkedHashMap<>();
        binary(m, Add.class, "a.add(b)", Tensor::add, Values.NORMAL);
        binary(m, Sub.class, "a.sub(b)", Tensor::sub, Values.NORMAL);
        binary(m, Mul.class, "a.mul(b)", Tensor::mul, Values.NORMAL);
        binary(m, Div.class, "a.div(b)", Tensor::div, Values.AWAY_FROM_ZERO);
        unary(m, Neg.class, "x.neg()", Tensor::neg, Values.NORMAL);
        unary(m, Exp.class, "x.exp()", Tensor::exp, Values.NORMAL);
        unary(m, Log.class, "x.log()", Tensor::log, Values.POSITIVE);
        unary(m, Sqrt.class, "x.sqrt()", Tensor::sqrt, Values.POSITIVE);
        unary(m, Pow.class, "x.pow(3)", x -> x.pow(3), Values.NORMAL);
        unary(m, Abs.class, "x.abs()", Tensor::abs, Values.AWAY_FROM_ZERO);
        unary(m, Relu.class, "x.relu()", Tensor::relu, Values.AWAY_FROM_ZERO);
        unary(m, Tanh.class, "x.tanh()", Tensor::tanh, Values.NORMAL);
        unary(m, Sigmoid.class, "x.sigmoid()", Tensor::sigmoid, Values.NORMAL);
        unary(m, Silu.class, "x.silu()", Tensor::silu, Values.NORMAL);
        unary(m, Gelu.class, "x.gelu()", Tensor::gelu, Values.NORMAL);
        lastDim(m, Softmax.class, "x.softmax(-1)", x -> x.softmax(-1));
        lastDim(m, LogSoftmax.class, "x.logSoftmax(-1)", x -> x.logSoftmax(-1));
        m.put(
                Sum.class,
                new Problem(
                        Sum.class,
                        "x.sum(…)",
                        List.of(
                                one(Tensor::sum, Values.NORMAL, 1),
                                one(Tensor::sum, Values.NORMAL, 3),
                                one(x -> x.sum(1, false), Values.NORMAL, 2, 3),
                                one(x -> x.sum(0, true), Values.NORMAL, 2, 3),
                                one(x -> x.sum(new int[] {0, 2}, false), Values.NORMAL, 2, 3, 2))));
        m.put(
                Mean.class,
                new Problem(
                        Mean.class,
                        "x.mean(…)",
                        List.of(
                                one(Tensor::mean, Values.NORMAL, 1),
                                one(Tensor::mean, Values.NORMAL, 3),
                                one(x -> x.mean(1, false), Values.NORMAL, 2, 3),
                                one(x -> x.mean(0, true), Values.NORMAL, 2, 3))));
        m.put(
                Expand.class,
                new Problem(
                        Expand.class,
                        "x.expand(…)",
                        List.of(
                                one(x -> x.expand(3), Values.NORMAL, 1),
                                one(x -> x.expand(2, 3), Values.NORMAL, 3),
                                one(x -> x.expand(2, 3, 4), Values.NORMAL, 3, 1))));
        m.put(
                MatMul.class,
                new Problem(
                        MatMul.class,
                        "a.matmul(b)",
                        List.of(
                                two(Tensor::matmul, Values.NORMAL, new int[] {1, 1}, new int[] {1, 1}),
                                two(Tensor::matmul, Values.NORMAL, new int[] {2, 3}, new int[] {3, 2}),
                                two(Tensor::matmul, Values.NORMAL, new int[] {2, 3}, new int[] {3}),
                                two(Tensor::matmul, Values.NORMAL, new int[] {2, 2, 3}, new int[] {3, 2}),
                                two(Tensor::matmul, Values.NORMAL, new int[] {2, 2, 3}, new int[] {2, 3, 4}))));
        m.put(
                CrossEntropy.class,
                new Problem(
                        CrossEntropy.class,
                        "z.crossEntropy(t)",
                        List.of(crossEntropy(1, 2), crossEntropy(3, 4), crossEntropy(4, 5))));
        return m;
    }

    private static void binary(
            Map<Class<? extends Op>, Problem> m, Class<? extends Op> op, String call, Binary f, Values bValues) {
        int[][][] shapes = {
            {{}, {}},
            {{3}, {3}},
            {{3}, {}},
            {{}, {3}},
            {{2, 3}, {2, 3}},
            {{2, 3}, {3}},
            {{2, 3}, {2, 1}},
            {{2, 1}, {1, 3}}
        };
        List<Case> cases = new ArrayList<>();
        for (int[][] s : shapes) {
            cases.add(two(f, bValues, s[0], s[1]));
        }
        m.put(op, new Problem(op, call, cases));
    }

    private static void unary(
            Map<Class<? extends Op>, Problem> m, Class<? extends Op> op, String call, Unary f, Values values) {
        m.put(op, new Problem(op, call, List.of(one(f, values), one(f, values, 3), one(f, values, 2, 3))));
    }

    /** Along the last dim, so rank ≥ 1: a single class first. */
    private static void lastDim(Map<Class<? extends Op>, Problem> m, Class<? extends Op> op, String call, Unary f) {
        m.put(
                op,
                new Problem(
                        op,
                        call,
                        List.of(one(f, Values.NORMAL, 1), one(f, Values.NORMAL, 3), one(f, Values.NORMAL, 2, 3))));
    }

    private static Case one(Unary f, Values values, int... shape) {
        return new Case(rnd -> List.of(input(rnd, values, shape)), xs -> f.apply(xs.get(0)));
    }

    private static Case two(Binary f, Values bValues, int[] a, int[] b) {
        return new Case(
                rnd -> List.of(input(rnd, Values.NORMAL, a), input(rnd, bValues, b)),
                xs -> f.apply(xs.get(0), xs.get(1)));
    }

    private static Case crossEntropy(int rows, int classes) {
        return new Case(
                rnd -> {
                    int[] t = new int[rows];
                    for (int r = 0; r < rows; r++) {
                        t[r] = rnd.nextInt(classes);
                    }
                    return List.of(input(rnd, Values.NORMAL, rows, classes), Tensor.ofInts(t, rows));
                },
                xs -> xs.get(0).crossEntropy(xs.get(1)));
    }

    private static Tensor input(Random rnd, Values values, int... shape) {
        NdArray v = Tensor.randn(DType.FLOAT64, rnd, shape).value();
        switch (values) {
            case POSITIVE:
                v = v.map(x -> 0.5 + Math.abs(x));
                break;
            case AWAY_FROM_ZERO:
                v = v.map(x -> x + Math.copySign(0.5, x));
                break;
            default:
                break;
        }
        return Tensor.of(v).requiresGrad(true);
    }
}
