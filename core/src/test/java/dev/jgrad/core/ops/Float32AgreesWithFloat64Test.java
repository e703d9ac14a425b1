package dev.jgrad.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.quicktheories.generators.Generate;

/**
 * Training runs in float32, but finite differences can only check float64, and several ops have a
 * separate float32 code path (typed loops, the Vector API matmul kernel with its transposed operands in
 * backward). So: on the same values (float32-representable, so both dtypes see identical inputs), the
 * float32 forward and backward must agree with the float64 ones, which GradCheck has verified, to within
 * float32 rounding.
 *
 * <p>Tolerance |y₃₂ − y₆₄| ≤ 1e-4 + 1e-4·|y₆₄|: float32 rounds each operation to a relative 6e-8; the
 * longest reductions here sum ≤ 64 terms of order 1 (≤ 64 · 8 · 6e-8 ≈ 3e-5 absolute), the larger matmuls
 * are compared with a bound scaled by their inner length instead. A wrong formula or a misrouted element
 * is off by order 1.
 */
class Float32AgreesWithFloat64Test {
    /** The float32 and float64 copies of one set of values, both leaves requiring grad. */
    private record Twin(List<Tensor> f32, List<Tensor> f64) {
        static Twin of(List<Tensor> float64Inputs) {
            List<Tensor> a = new ArrayList<>();
            List<Tensor> b = new ArrayList<>();
            for (Tensor x : float64Inputs) {
                NdArray single = x.value().cast(DType.FLOAT32);
                a.add(Tensor.of(single).requiresGrad(true));
                b.add(Tensor.of(single.cast(DType.FLOAT64)).requiresGrad(true));
            }
            return new Twin(a, b);
        }
    }

    /** Runs f in both dtypes with the same random output weights and compares outputs and gradients. */
    static void assertAgree(String name, Function<List<Tensor>, Tensor> f, List<Tensor> inputs, long seed, double tol) {
        Twin t = Twin.of(inputs);
        Tensor y32 = f.apply(t.f32());
        Tensor y64 = f.apply(t.f64());
        assertEquals(DType.FLOAT32, y32.dtype(), name);
        assertEquals(y64.shape(), y32.shape(), name);
        Random rnd = new Random(seed);
        NdArray w = NdArray.zeros(DType.FLOAT32, y64.shape());
        for (int i = 0; i < w.size(); i++) {
            w.set(i, rnd.nextGaussian());
        }
        y32.backward(Tensor.of(w));
        y64.backward(Tensor.of(w.cast(DType.FLOAT64)));
        close(name + " forward", y64.toDoubleArray(), y32.toDoubleArray(), tol);
        for (int k = 0; k < inputs.size(); k++) {
            assertEquals(DType.FLOAT32, t.f32().get(k).grad().dtype(), name);
            close(
                    name + " gradient of input " + k,
                    t.f64().get(k).grad().toDoubleArray(),
                    t.f32().get(k).grad().toDoubleArray(),
                    tol);
        }
    }

    private static void close(String what, double[] expected, double[] actual, double tol) {
        for (int i = 0; i < expected.length; i++) {
            double bound = tol + tol * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= bound)) {
                throw new AssertionError(what + " differs at flat index " + i + ": float32 " + actual[i] + ", float64 "
                        + expected[i] + " (of " + Arrays.toString(expected) + ")");
            }
        }
    }

    record Case(String name, Function<List<Tensor>, Tensor> f, Function<Random, Function<Shape, Tensor>> input) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case unary(String name, Function<Tensor, Tensor> f, Function<Random, Function<Shape, Tensor>> in) {
        return new Case(name, xs -> f.apply(xs.get(0)), in);
    }

    private static Function<Random, Function<Shape, Tensor>> normal() {
        return rnd -> s -> Gens.input(rnd, s);
    }

    private static Function<Random, Function<Shape, Tensor>> positive() {
        return rnd -> s -> Gens.positiveInput(rnd, s);
    }

    private static Function<Random, Function<Shape, Tensor>> awayFromZero() {
        return rnd -> s -> Gens.awayFromZero(rnd, s, 0.1);
    }

    private static Function<Random, Function<Shape, Tensor>> distinct() {
        return rnd -> s -> Gens.distinctInput(rnd, s, 0.1);
    }

    static Stream<Case> singleInputOps() {
        return Stream.of(
                unary("neg", Tensor::neg, normal()),
                unary("exp", Tensor::exp, normal()),
                unary("log", Tensor::log, positive()),
                unary("sqrt", Tensor::sqrt, positive()),
                unary("abs", Tensor::abs, awayFromZero()),
                unary("relu", Tensor::relu, awayFromZero()),
                unary("tanh", Tensor::tanh, normal()),
                unary("sigmoid", Tensor::sigmoid, normal()),
                unary("silu", Tensor::silu, normal()),
                unary("gelu", Tensor::gelu, normal()),
                unary("geluTanh", Tensor::geluTanh, normal()),
                unary("pow(3)", x -> x.pow(3), normal()),
                unary("pow(0.5)", x -> x.pow(0.5), positive()),
                unary("sum()", Tensor::sum, normal()),
                unary("sum(-1, keepdim)", x -> x.rank() == 0 ? x.sum() : x.sum(-1, true), normal()),
                unary("mean(0)", x -> x.rank() == 0 ? x.mean() : x.mean(0, false), normal()),
                unary("max(0)", x -> x.rank() == 0 ? x.max() : x.max(0, false), distinct()),
                unary("softmax(0)", x -> x.rank() == 0 ? x : x.softmax(0), normal()),
                unary("softmax(-1)", x -> x.rank() == 0 ? x : x.softmax(-1), normal()),
                unary("logSoftmax(0)", x -> x.rank() == 0 ? x : x.logSoftmax(0), normal()),
                unary("logSoftmax(-1)", x -> x.rank() == 0 ? x : x.logSoftmax(-1), normal()),
                unary("transpose", x -> x.rank() < 2 ? x.neg() : x.transpose(0, -1), normal()),
                unary("flatten", Tensor::flatten, normal()),
                unary("expand", x -> x.expand(prepend(2, x.shape())), normal()),
                unary("narrow", x -> x.rank() == 0 ? x : x.narrow(-1, x.dim(-1) - 1, 1), normal()),
                unary(
                        "indexSelect",
                        x -> x.rank() == 0 ? x : x.indexSelect(0, Tensor.ofInts(new int[] {0, 0})),
                        normal()),
                unary("maskedFill", x -> x.maskedFill(mask(x.neg()), 2), normal()));
    }

    private static int[] prepend(int d, Shape s) {
        int[] out = new int[s.rank() + 1];
        out[0] = d;
        System.arraycopy(s.dims(), 0, out, 1, s.rank());
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("singleInputOps")
    void singleInputOpsAgreeAcrossDtypes(Case op) {
        qt().withExamples(10).forAll(Gens.shapes(), Gens.seeds()).checkAssert((shape, seed) -> {
            Tensor x = op.input().apply(new Random(seed)).apply(shape);
            assertAgree(op.name() + " of " + shape, op.f(), List.of(x), seed, 1e-4);
        });
    }

    @Test
    void broadcastingBinaryOpsAgreeAcrossDtypes() {
        List<Case> ops = List.of(
                new Case("add", xs -> xs.get(0).add(xs.get(1)), normal()),
                new Case("sub", xs -> xs.get(0).sub(xs.get(1)), normal()),
                new Case("mul", xs -> xs.get(0).mul(xs.get(1)), normal()),
                new Case("div", xs -> xs.get(0).div(xs.get(1)), normal()),
                new Case("where", xs -> Tensor.where(mask(xs.get(0)), xs.get(0), xs.get(1)), normal()),
                new Case(
                        "concat",
                        xs -> Tensor.concat(
                                List.of(xs.get(0).flatten(), xs.get(1).flatten()), 0),
                        normal()));
        qt().withExamples(30)
                .forAll(Gens.broadcastPairs(), Generate.range(0, ops.size() - 1), Gens.seeds())
                .checkAssert((shapes, k, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor a = Gens.input(rnd, shapes.get(0));
                    Tensor b = Gens.awayFromZero(rnd, shapes.get(1), 0.5);
                    assertAgree(ops.get(k).name() + " " + shapes, ops.get(k).f(), List.of(a, b), seed, 1e-4);
                });
    }

    /** An int mask of x's shape: 1 where x's (float32-rounded) value is positive. */
    private static Tensor mask(Tensor x) {
        double[] v = x.toDoubleArray();
        int[] m = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            m[i] = v[i] > 0 ? 1 : 0;
        }
        return Tensor.of(NdArray.wrap(m, x.shape()));
    }

    @Test
    void matmulAgreesAcrossDtypesIncludingLargeAndTransposedKernelPaths() {
        // Sizes up to 40 reach the float32 kernel's vector lanes and blocking edges, and its backward runs
        // the transposed-operand products that a forward never does; batches broadcast.
        qt().withExamples(25)
                .forAll(
                        Gens.broadcastPairs()
                                .assuming(p -> p.get(0).rank() <= 1 && p.get(1).rank() <= 1),
                        Generate.intArrays(Generate.constant(3), Generate.range(1, 40)),
                        Gens.seeds())
                .checkAssert((batches, mkn, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor a = Gens.input(rnd, withMatrix(batches.get(0), mkn[0], mkn[1]));
                    Tensor b = Gens.input(rnd, withMatrix(batches.get(1), mkn[1], mkn[2]));
                    // inner lengths up to 40 (forward) and 40 · 4 (a broadcast operand's summed backward):
                    // float32 error ≲ length · 6e-8 · Σ|terms| ≈ 160 · 6e-8 · 160 ≈ 2e-3 in the worst case
                    assertAgree(
                            "matmul " + a.shape() + " @ " + b.shape(),
                            xs -> xs.get(0).matmul(xs.get(1)),
                            List.of(a, b),
                            seed,
                            2e-3);
                });
    }

    private static Shape withMatrix(Shape batch, int rows, int cols) {
        int[] d = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        d[batch.rank()] = rows;
        d[batch.rank() + 1] = cols;
        return Shape.of(d);
    }
}
