package dev.jgrad.examples.lessons;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.ops.Abs;
import dev.jgrad.core.ops.Add;
import dev.jgrad.core.ops.Cast;
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
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Lesson 3: every op's backward checked against finite differences, in one table.
 *
 * <pre>
 *   L(x)      = Σ w ⊙ f(x),  w random                 (so a backward that ignores g cannot pass)
 *   numeric_i = (L(x + h·e_i) − L(x − h·e_i)) / 2h,   h = 1e-6, in float64
 *   pass when |backward_i − numeric_i| ≤ 1e-5 + 1e-3·|numeric_i| for every element i
 * </pre>
 *
 * There is one case or more for each record that implements the sealed {@link Op} interface, on small float64
 * inputs. The tour asks {@code Op.class.getPermittedSubclasses()} for the full list: an op without a case gets a
 * {@code NOT COVERED} row and the program exits with status 1, as it does when a check fails. Each case also
 * confirms that its graph really contains the op it claims to test.
 *
 * <p>Where finite differences mislead, the inputs keep away from the trouble: relu and abs are kinked at 0, so
 * their inputs have |x| ≥ 0.1 (h = 1e-6 cannot straddle the kink); log, sqrt and pow get positive inputs; the
 * divisor stays away from 0. {@code Cast} between float32 and float64 cannot be checked this way at all: near 1,
 * float32 values are 1.2e-7 apart, so after rounding x ± h to float32 the step taken differs from 2h = 2e-6 by up
 * to 6%, and rounding the outputs adds as much again, far beyond the 0.1% tolerance. Its backward ({@code g} cast
 * back to the input's dtype) is the same code whatever the dtypes, so the tour checks it on a float64 → float64
 * cast. The "max rel error" column divides by |numeric|, so it is large where the true gradient is 0 or nearly so;
 * the pass test above is what counts.
 *
 * <p>Runs in about a second.
 */
public final class GradCheckTour {
    static final long SEED = 1234;

    private GradCheckTour() {}

    /** One check: {@code f} applied to {@code inputs}, claimed to exercise {@code op}. */
    public record Case(
            Class<? extends Op> op, String call, List<Tensor> inputs, Function<List<Tensor>, Tensor> f, String note) {}

    public enum Status {
        PASS,
        FAIL,
        NOT_COVERED;

        @Override
        public String toString() {
            return this == NOT_COVERED ? "NOT COVERED" : name().toLowerCase(Locale.ROOT);
        }
    }

    /** One line of the table. Errors are the worst over all inputs and elements; NaN when not run. */
    public record Row(
            String op,
            String call,
            String shapes,
            double maxAbsError,
            double maxRelError,
            Status status,
            String note) {}

    public static void main(String[] args) {
        long start = System.nanoTime();
        List<Row> rows = run();
        print(rows, System.out);
        long bad = rows.stream().filter(r -> r.status() != Status.PASS).count();
        System.out.printf(
                Locale.ROOT,
                "%d checks, %d ops, %d not passing (%.1f s)%n",
                rows.size(),
                Op.class.getPermittedSubclasses().length,
                bad,
                (System.nanoTime() - start) / 1e9);
        if (bad > 0) {
            System.exit(1);
        }
    }

    /** Runs every case, then adds a NOT COVERED row for each permitted op that has no case. */
    public static List<Row> run() {
        List<Row> rows = new ArrayList<>();
        List<Case> cases = cases();
        for (Case c : cases) {
            rows.add(check(c));
        }
        for (Class<?> op : Op.class.getPermittedSubclasses()) {
            if (cases.stream().noneMatch(c -> c.op() == op)) {
                rows.add(new Row(
                        op.getSimpleName(), "", "", Double.NaN, Double.NaN, Status.NOT_COVERED, "no case in the tour"));
            }
        }
        return rows;
    }

    /** The cases, one or more per op, inputs drawn from a fixed seed. */
    public static List<Case> cases() {
        Random rnd = new Random(SEED);
        List<Case> cases = new ArrayList<>();

        // Elementwise, one input.
        cases.add(unary(Abs.class, "x.abs()", Tensor::abs, awayFromZero(rnd, 2, 3), "|x| ≥ 0.1: kink at 0"));
        cases.add(unary(Neg.class, "x.neg()", Tensor::neg, randn(rnd, 2, 3), ""));
        cases.add(unary(Exp.class, "x.exp()", Tensor::exp, randn(rnd, 2, 3), ""));
        cases.add(unary(Log.class, "x.log()", Tensor::log, positive(rnd, 2, 3), "x in [0.5, 1.5)"));
        cases.add(unary(Sqrt.class, "x.sqrt()", Tensor::sqrt, positive(rnd, 2, 3), "x in [0.5, 1.5)"));
        cases.add(unary(Pow.class, "x.pow(1.5)", x -> x.pow(1.5), positive(rnd, 2, 3), "x in [0.5, 1.5)"));
        cases.add(unary(Pow.class, "x.pow(3)", x -> x.pow(3), randn(rnd, 2, 3), "integer power, any sign"));
        cases.add(unary(Relu.class, "x.relu()", Tensor::relu, awayFromZero(rnd, 2, 3), "|x| ≥ 0.1: kink at 0"));
        cases.add(unary(Tanh.class, "x.tanh()", Tensor::tanh, randn(rnd, 2, 3), ""));
        cases.add(unary(Sigmoid.class, "x.sigmoid()", Tensor::sigmoid, randn(rnd, 2, 3), ""));
        cases.add(unary(Silu.class, "x.silu()", Tensor::silu, randn(rnd, 2, 3), ""));
        cases.add(unary(Gelu.class, "x.gelu()", Tensor::gelu, randn(rnd, 2, 3), ""));
        cases.add(unary(GeluTanh.class, "x.geluTanh()", Tensor::geluTanh, randn(rnd, 2, 3), ""));
        cases.add(unary(
                Cast.class,
                "Cast.apply(x, float64)",
                x -> Cast.apply(x, DType.FLOAT64),
                randn(rnd, 2, 3),
                "float32 uncheckable: rounding x ± h to float32 swamps h = 1e-6; checked float64→float64"));

        // Elementwise, two inputs, with broadcasting: each gradient is summed back to its input's shape.
        cases.add(binary(Add.class, "a.add(b)", Tensor::add, randn(rnd, 2, 3), randn(rnd, 3), "b broadcast"));
        cases.add(binary(Sub.class, "a.sub(b)", Tensor::sub, randn(rnd, 2, 3), randn(rnd, 2, 1), "b broadcast"));
        cases.add(binary(Mul.class, "a.mul(b)", Tensor::mul, randn(rnd, 2, 3), randn(rnd, 2, 1), "b broadcast"));
        cases.add(binary(
                Div.class, "a.div(b)", Tensor::div, randn(rnd, 2, 3), awayFromZero(rnd, 3), "|b| ≥ 0.1, broadcast"));
        Tensor condition = Tensor.ofInts(new int[] {1, 0, 1, 0, 0, 1}, 2, 3);
        cases.add(new Case(
                Where.class,
                "Tensor.where(c, a, b)",
                List.of(randn(rnd, 2, 3), randn(rnd, 3), condition),
                xs -> Tensor.where(xs.get(2), xs.get(0), xs.get(1)),
                "c int32 [2, 3]"));
        Tensor mask = Tensor.ofInts(new int[] {0, 1, 0}, 1, 3);
        cases.add(new Case(
                MaskedFill.class,
                "x.maskedFill(m, -5)",
                List.of(randn(rnd, 2, 3), mask),
                xs -> xs.get(0).maskedFill(xs.get(1), -5),
                "m int32 [1, 3]"));

        // Reductions and normalizations.
        cases.add(unary(Sum.class, "x.sum(1, false)", x -> x.sum(1, false), randn(rnd, 3, 4), ""));
        cases.add(unary(Sum.class, "x.sum()", Tensor::sum, randn(rnd, 2, 3), ""));
        cases.add(unary(Mean.class, "x.mean(0, true)", x -> x.mean(0, true), randn(rnd, 3, 4), ""));
        cases.add(unary(Max.class, "x.max(1, false)", x -> x.max(1, false), randn(rnd, 3, 4), "no ties"));
        cases.add(unary(Softmax.class, "x.softmax(-1)", x -> x.softmax(-1), randn(rnd, 2, 4), ""));
        cases.add(unary(LogSoftmax.class, "x.logSoftmax(-1)", x -> x.logSoftmax(-1), randn(rnd, 2, 4), ""));
        Tensor targets = Tensor.ofInts(new int[] {1, 0, 3}, 3);
        cases.add(new Case(
                CrossEntropy.class,
                "z.crossEntropy(t)",
                List.of(randn(rnd, 3, 4), targets),
                xs -> xs.get(0).crossEntropy(xs.get(1)),
                "t int32 [3], mean"));
        Tensor padded = Tensor.ofInts(new int[] {2, CrossEntropy.DEFAULT_IGNORE_INDEX, 0, 1}, 2, 2);
        cases.add(new Case(
                CrossEntropy.class,
                "z.crossEntropy(t, NONE, -100)",
                List.of(randn(rnd, 2, 2, 3), padded),
                xs -> xs.get(0).crossEntropy(xs.get(1), CrossEntropy.Reduction.NONE, -100),
                "t int32 [2, 2], one ignored"));

        // Matrix product.
        cases.add(binary(MatMul.class, "a.matmul(b)", Tensor::matmul, randn(rnd, 2, 3), randn(rnd, 3, 4), ""));
        cases.add(binary(
                MatMul.class, "a.matmul(b)", Tensor::matmul, randn(rnd, 2, 2, 3), randn(rnd, 3, 2), "batch broadcast"));
        cases.add(binary(MatMul.class, "a.matmul(v)", Tensor::matmul, randn(rnd, 2, 3), randn(rnd, 3), "1-D v"));

        // Shape ops: no arithmetic, only moving gradients to where the values came from.
        cases.add(unary(Reshape.class, "x.reshape(3, 4)", x -> x.reshape(3, 4), randn(rnd, 2, 6), ""));
        cases.add(unary(Permute.class, "x.permute(2, 0, 1)", x -> x.permute(2, 0, 1), randn(rnd, 2, 3, 4), ""));
        cases.add(unary(Expand.class, "x.expand(2, 3, 4)", x -> x.expand(2, 3, 4), randn(rnd, 3, 1), ""));
        cases.add(unary(Narrow.class, "x.narrow(1, 1, 3)", x -> x.narrow(1, 1, 3), randn(rnd, 3, 5), ""));
        cases.add(binary(
                Concat.class,
                "Tensor.concat([a, b], 1)",
                (a, b) -> Tensor.concat(List.of(a, b), 1),
                randn(rnd, 2, 3),
                randn(rnd, 2, 2),
                ""));
        Tensor index = Tensor.ofInts(new int[] {1, 3, 1}, 3);
        cases.add(new Case(
                IndexSelect.class,
                "x.indexSelect(0, i)",
                List.of(randn(rnd, 4, 3), index),
                xs -> xs.get(0).indexSelect(0, xs.get(1)),
                "i = [1, 3, 1]: repeats add up"));

        // Fused ops of the Transformer: one node each, checked like any other op.
        cases.add(new Case(
                Linear.class,
                "Linear.apply(x, w, b)",
                List.of(randn(rnd, 2, 3), randn(rnd, 4, 3), randn(rnd, 4)),
                xs -> Linear.apply(xs.get(0), xs.get(1), xs.get(2)),
                "y = x·wᵀ + b"));
        cases.add(new Case(
                RmsNorm.class,
                "RmsNorm.apply(x, w, 1e-5)",
                List.of(randn(rnd, 3, 4), randn(rnd, 4)),
                xs -> RmsNorm.apply(xs.get(0), xs.get(1), 1e-5),
                ""));
        cases.add(binary(
                SiluMul.class,
                "SiluMul.apply(a, b)",
                SiluMul::apply,
                randn(rnd, 2, 3),
                randn(rnd, 2, 3),
                "SwiGLU's gate"));
        cases.add(new Case(
                CausalAttention.class,
                "CausalAttention.apply(q, k, v, 2)",
                List.of(randn(rnd, 1, 3, 4), randn(rnd, 1, 3, 4), randn(rnd, 1, 3, 4)),
                xs -> CausalAttention.apply(xs.get(0), xs.get(1), xs.get(2), 2),
                "[B, T, h·d_k], 2 heads"));
        NdArray angles = Tensor.arange(DType.FLOAT64, 0, 3, 1).value();
        NdArray cos = angles.map(Math::cos).reshape(Shape.of(3, 1));
        NdArray sin = angles.map(Math::sin).reshape(Shape.of(3, 1));
        cases.add(unary(
                Rope.class,
                "Rope.apply(x, cos, sin, [2, 0])",
                x -> Rope.apply(x, cos, sin, new int[] {2, 0}),
                randn(rnd, 2, 2),
                "pairs turned by 2 and 0 rad"));
        return cases;
    }

    /** Runs GradCheck on one case (never throws for a failed check: the row says so). */
    public static Row check(Case c) {
        String shapes = c.inputs().stream()
                .map(t -> (t.dtype() == DType.FLOAT64 ? "" : t.dtype() + " ") + t.shape())
                .collect(Collectors.joining(", "));
        String name = c.op().getSimpleName();
        if (!graphContains(c)) {
            return new Row(
                    name, c.call(), shapes, Double.NaN, Double.NaN, Status.FAIL, "graph has no " + name + " node");
        }
        GradCheck.Report report;
        try {
            report = GradCheck.compare(name, c.f(), c.inputs(), SEED);
        } catch (RuntimeException | AssertionError e) {
            return new Row(name, c.call(), shapes, Double.NaN, Double.NaN, Status.FAIL, e.toString());
        }
        double abs = 0, rel = 0;
        for (GradCheck.InputReport r : report.inputs()) {
            abs = Math.max(abs, r.maxAbsError());
            rel = Math.max(rel, r.maxRelError());
        }
        Status status = report.passed() && !report.inputs().isEmpty() ? Status.PASS : Status.FAIL;
        return new Row(name, c.call(), shapes, abs, rel, status, status == Status.PASS ? c.note() : report.toString());
    }

    /** Whether applying the case's function records a node of the claimed op class. */
    static boolean graphContains(Case c) {
        List<Tensor> leaves = new ArrayList<>();
        for (Tensor t : c.inputs()) {
            leaves.add(Tensor.of(t.value().copy()).requiresGrad(t.requiresGrad()));
        }
        Tensor out = c.f().apply(leaves);
        Deque<Tensor> stack = new ArrayDeque<>(List.of(out));
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!stack.isEmpty()) {
            Tensor t = stack.pop();
            if (!seen.add(t) || t.op() == null) {
                continue;
            }
            if (c.op().isInstance(t.op())) {
                return true;
            }
            stack.addAll(t.op().inputs());
        }
        return false;
    }

    /** The table, with the criterion and notes. */
    public static void print(List<Row> rows, PrintStream out) {
        out.printf(
                Locale.ROOT,
                "gradcheck, float64, h = %.0e; pass when |backward − finite difference| ≤ %.0e + %.0e·|finite"
                        + " difference|%n%n",
                GradCheck.STEP,
                GradCheck.ATOL,
                GradCheck.RTOL);
        String format = "%-12s %-30s %-26s %12s %12s  %-11s %s%n";
        out.printf(Locale.ROOT, format, "op", "call", "input shapes", "max abs err", "max rel err", "result", "note");
        for (Row r : rows) {
            out.printf(
                    Locale.ROOT,
                    format,
                    r.op(),
                    r.call(),
                    r.shapes(),
                    number(r.maxAbsError()),
                    number(r.maxRelError()),
                    r.status(),
                    r.note());
        }
        out.println();
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2e", v);
    }

    // ---- inputs ---------------------------------------------------------------------------------

    private static Case unary(Class<? extends Op> op, String call, Function<Tensor, Tensor> f, Tensor x, String note) {
        return new Case(op, call, List.of(x), xs -> f.apply(xs.get(0)), note);
    }

    private interface Binary {
        Tensor apply(Tensor a, Tensor b);
    }

    private static Case binary(Class<? extends Op> op, String call, Binary f, Tensor a, Tensor b, String note) {
        return new Case(op, call, List.of(a, b), xs -> f.apply(xs.get(0), xs.get(1)), note);
    }

    /** Standard normal float64 values that want a gradient. */
    private static Tensor randn(Random rnd, int... shape) {
        return Tensor.randn(DType.FLOAT64, rnd, shape).requiresGrad(true);
    }

    /** Uniform in [0.5, 1.5): safe for log, sqrt and fractional powers. */
    private static Tensor positive(Random rnd, int... shape) {
        return Tensor.of(Tensor.rand(DType.FLOAT64, rnd, shape).value().map(v -> v + 0.5))
                .requiresGrad(true);
    }

    /** Normal values pushed 0.1 away from zero, keeping their sign: |x| ≥ 0.1. */
    private static Tensor awayFromZero(Random rnd, int... shape) {
        NdArray v = Tensor.randn(DType.FLOAT64, rnd, shape).value().map(x -> x + Math.copySign(0.1, x));
        return Tensor.of(v).requiresGrad(true);
    }
}
