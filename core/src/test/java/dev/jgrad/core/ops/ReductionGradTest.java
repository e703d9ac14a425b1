package dev.jgrad.core.ops;

import static org.quicktheories.QuickTheory.qt;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import dev.jgrad.core.testing.GradientProperty;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.quicktheories.generators.Generate;

/**
 * Backward of sum, mean and max against finite differences: over all dims (the no-argument form), one
 * dim, or several, with and without keepdim, and with dims counted from either end.
 *
 * <p>Default GradCheck tolerances (atol 1e-5, rtol 1e-3): sum and mean are linear, so the central
 * difference is exact up to O(ε/h) ≈ 1e-10 rounding in float64. Max is piecewise linear: its inputs
 * are pairwise ≥ 0.15 apart by construction ({@link Gens#distinctInput}), so x ± h (h = 1e-6) never
 * changes which element is the maximum and the difference is again exact.
 */
class ReductionGradTest {
    /** A reduction and how to call it over some dims. */
    interface Reduction {
        Tensor all(Tensor x);

        Tensor over(Tensor x, int[] dims, boolean keepdim);

        default Tensor input(Random rnd, Shape shape) {
            return Gens.input(rnd, shape);
        }
    }

    record Named(String name, Reduction r) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Named> reductions() {
        return Stream.of(
                new Named("sum", new Reduction() {
                    @Override
                    public Tensor all(Tensor x) {
                        return x.sum();
                    }

                    @Override
                    public Tensor over(Tensor x, int[] dims, boolean keepdim) {
                        return dims.length == 1 ? x.sum(dims[0], keepdim) : x.sum(dims, keepdim);
                    }
                }),
                new Named("mean", new Reduction() {
                    @Override
                    public Tensor all(Tensor x) {
                        return x.mean();
                    }

                    @Override
                    public Tensor over(Tensor x, int[] dims, boolean keepdim) {
                        return dims.length == 1 ? x.mean(dims[0], keepdim) : x.mean(dims, keepdim);
                    }
                }),
                new Named("max", new Reduction() {
                    @Override
                    public Tensor all(Tensor x) {
                        return x.max();
                    }

                    @Override
                    public Tensor over(Tensor x, int[] dims, boolean keepdim) {
                        return dims.length == 1 ? x.max(dims[0], keepdim) : x.max(dims, keepdim);
                    }

                    @Override
                    public Tensor input(Random rnd, Shape shape) {
                        return Gens.distinctInput(rnd, shape, 0.1); // no ties: max is smooth around each x
                    }
                }));
    }

    /** The dims picked by {@code mask}, each negative (counted from the end) when {@code fromEnd}. */
    private static int[] dims(Shape shape, int[] mask, boolean fromEnd) {
        return IntStream.range(0, shape.rank())
                .filter(i -> mask[i] == 1)
                .map(i -> fromEnd ? i - shape.rank() : i)
                .toArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reductions")
    @GradientProperty(Sum.class)
    @GradientProperty(Mean.class)
    @GradientProperty(Max.class)
    void reductionBackwardMatchesFiniteDifferences(Named op) {
        qt().withExamples(50)
                .forAll(
                        Gens.shapes(),
                        Generate.intArrays(Generate.constant(Gens.MAX_RANK), Generate.range(0, 1)),
                        Generate.range(0, 3), // bit 0: keepdim, bit 1: dims counted from the end
                        Gens.seeds())
                .checkAssert((shape, mask, flags, seed) -> {
                    Tensor x = op.r().input(new Random(seed), shape);
                    int[] dims = dims(shape, mask, (flags & 2) != 0);
                    boolean keepdim = (flags & 1) != 0;
                    String call = dims.length == 0
                            ? op.name() + "() of " + shape
                            : op.name() + "(" + Arrays.toString(dims) + ", keepdim=" + keepdim + ") of " + shape;
                    GradCheck.check(
                            call,
                            xs -> dims.length == 0
                                    ? op.r().all(xs.get(0))
                                    : op.r().over(xs.get(0), dims, keepdim),
                            List.of(x),
                            seed);
                });
    }
}
