package dev.jgrad.core.ops;

import static org.quicktheories.QuickTheory.qt;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import dev.jgrad.core.testing.GradientProperty;
import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.quicktheories.generators.Generate;

/**
 * Backward of the broadcasting ops (add, sub, mul, div, where, maskedFill) against finite differences,
 * over pairs and triples of shapes that broadcast together: dims stretched from 1, leading dims added,
 * scalars against tensors. Each gradient must come back summed to its own input's shape.
 *
 * <p>Default GradCheck tolerances (atol 1e-5, rtol 1e-3): with h = 1e-6 the central difference has
 * O(h²) truncation and O(ε/h) ≈ 1e-10 rounding error in float64, far below the bound; these ops are at
 * most quadratic in their inputs (div: a pole, kept at |b| ≥ 0.5).
 */
class BroadcastingGradTest {
    record Binary(String name, BinaryOperator<Tensor> f) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Binary> binaryOps() {
        return Stream.of(
                new Binary("add", Tensor::add),
                new Binary("sub", Tensor::sub),
                new Binary("mul", Tensor::mul),
                new Binary("div", Tensor::div));
    }

    /** Which of the two inputs require grad: 0 both, 1 only a, 2 only b (ops skip work for the others). */
    private static boolean requires(int which, int input) {
        return which == 0 || which == input + 1;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binaryOps")
    @GradientProperty(Add.class)
    @GradientProperty(Sub.class)
    @GradientProperty(Mul.class)
    @GradientProperty(Div.class)
    void binaryBackwardMatchesFiniteDifferencesUnderBroadcasting(Binary op) {
        qt().withExamples(40)
                .forAll(Gens.broadcastPairs(), Generate.range(0, 2), Gens.seeds())
                .checkAssert((shapes, which, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor a = Gens.input(rnd, shapes.get(0)).requiresGrad(requires(which, 0));
                    // b is a divisor for div: keep it away from the pole at 0
                    Tensor b = Gens.awayFromZero(rnd, shapes.get(1), 0.5).requiresGrad(requires(which, 1));
                    GradCheck.check(
                            op.name() + " " + shapes.get(0) + ", " + shapes.get(1),
                            xs -> op.f().apply(xs.get(0), xs.get(1)),
                            List.of(a, b),
                            seed);
                });
    }

    @Test
    @GradientProperty(Where.class)
    void whereBackwardMatchesFiniteDifferencesUnderBroadcasting() {
        qt().withExamples(40).forAll(Gens.broadcastShapes(3), Gens.seeds()).checkAssert((shapes, seed) -> {
            Random rnd = new Random(seed);
            Tensor condition = Gens.ints(rnd, shapes.get(0), 2);
            Tensor a = Gens.input(rnd, shapes.get(1));
            Tensor b = Gens.input(rnd, shapes.get(2));
            GradCheck.check(
                    "where " + shapes, xs -> Tensor.where(condition, xs.get(0), xs.get(1)), List.of(a, b), seed);
        });
    }

    @Test
    @GradientProperty(MaskedFill.class)
    void maskedFillBackwardMatchesFiniteDifferences() {
        qt().withExamples(40).forAll(Gens.broadcastSources(), Gens.seeds()).checkAssert((shapes, seed) -> {
            Random rnd = new Random(seed);
            Shape xShape = shapes.get(0);
            Tensor mask = Gens.ints(rnd, shapes.get(1), 2);
            Tensor x = Gens.input(rnd, xShape);
            double fill = rnd.nextGaussian();
            GradCheck.check(
                    "maskedFill " + xShape + " mask " + shapes.get(1),
                    xs -> xs.get(0).maskedFill(mask, fill),
                    List.of(x),
                    seed);
        });
    }
}
