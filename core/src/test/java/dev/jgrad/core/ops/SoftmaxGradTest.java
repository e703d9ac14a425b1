package dev.jgrad.core.ops;

import static org.quicktheories.QuickTheory.qt;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import dev.jgrad.core.testing.GradientProperty;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.quicktheories.generators.Generate;

/**
 * Backward of softmax and logSoftmax against finite differences, along every dim of shapes of rank
 * 1..3 (dims given from the front and from the end), including size-1 dims where softmax is constant 1.
 *
 * <p>Default GradCheck tolerances (atol 1e-5, rtol 1e-3): both are smooth with derivatives of order 1
 * on standard normal inputs; with h = 1e-6 the central difference has O(h²) ≈ 1e-12 truncation and
 * O(ε/h) ≈ 1e-10 rounding error in float64, far below the bound.
 */
class SoftmaxGradTest {
    record Along(String name, BiFunction<Tensor, Integer, Tensor> f) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Along> softmaxes() {
        return Stream.of(new Along("softmax", Tensor::softmax), new Along("logSoftmax", Tensor::logSoftmax));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("softmaxes")
    @GradientProperty(Softmax.class)
    @GradientProperty(LogSoftmax.class)
    void softmaxBackwardMatchesFiniteDifferencesAlongEachDim(Along op) {
        qt().withExamples(40)
                .forAll(Gens.shapes(1, 3), Generate.range(0, 2), Generate.booleans(), Gens.seeds())
                .checkAssert((shape, d, fromEnd, seed) -> {
                    int axis = d % shape.rank();
                    int dim = fromEnd ? axis - shape.rank() : axis;
                    Tensor x = Gens.input(new Random(seed), shape);
                    GradCheck.check(
                            op.name() + "(" + dim + ") of " + shape,
                            xs -> op.f().apply(xs.get(0), dim),
                            List.of(x),
                            seed);
                });
    }
}
