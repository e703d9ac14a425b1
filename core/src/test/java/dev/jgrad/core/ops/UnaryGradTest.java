package dev.jgrad.core.ops;

import static org.quicktheories.QuickTheory.qt;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import dev.jgrad.core.testing.GradientProperty;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backward of the elementwise unary ops against central finite differences, over shapes of rank 0..3
 * (scalars and size-1 dims included).
 *
 * <p>GradCheck's default tolerances (atol 1e-5, rtol 1e-3) are used everywhere: with h = 1e-6 the
 * central difference has O(h²) ≈ 1e-12 truncation error (times a third derivative of order 1 on these
 * domains) and O(ε/h) ≈ 1e-16/1e-6 = 1e-10 rounding error in float64, both far below 1e-5 + 1e-3·|numeric|.
 * So a failure means a wrong backward, not noise.
 */
class UnaryGradTest {
    /** Where an op's inputs are drawn from, so finite differences stay away from kinks and poles. */
    enum Domain {
        /** Standard normal. */
        ANY,
        /** Uniform in [0.5, 2): log, sqrt and fractional powers are smooth there. */
        POSITIVE,
        /** |x| ≥ 0.1 with either sign: relu and abs have their kink at 0, 1/x its pole. */
        AWAY_FROM_ZERO
    }

    record Unary(String name, UnaryOperator<Tensor> f, Domain domain) {
        Tensor input(Random rnd, Shape shape) {
            switch (domain) {
                case POSITIVE:
                    return Gens.positiveInput(rnd, shape);
                case AWAY_FROM_ZERO:
                    return Gens.awayFromZero(rnd, shape, 0.1);
                default:
                    return Gens.input(rnd, shape);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Unary> unaryOps() {
        return Stream.of(
                new Unary("neg", Tensor::neg, Domain.ANY),
                new Unary("exp", Tensor::exp, Domain.ANY),
                new Unary("log", Tensor::log, Domain.POSITIVE),
                new Unary("sqrt", Tensor::sqrt, Domain.POSITIVE),
                new Unary("abs", Tensor::abs, Domain.AWAY_FROM_ZERO),
                new Unary("relu", Tensor::relu, Domain.AWAY_FROM_ZERO),
                new Unary("tanh", Tensor::tanh, Domain.ANY),
                new Unary("sigmoid", Tensor::sigmoid, Domain.ANY),
                new Unary("silu", Tensor::silu, Domain.ANY),
                new Unary("gelu", Tensor::gelu, Domain.ANY),
                new Unary("geluTanh", Tensor::geluTanh, Domain.ANY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unaryOps")
    @GradientProperty(Neg.class)
    @GradientProperty(Exp.class)
    @GradientProperty(Log.class)
    @GradientProperty(Sqrt.class)
    @GradientProperty(Abs.class)
    @GradientProperty(Relu.class)
    @GradientProperty(Tanh.class)
    @GradientProperty(Sigmoid.class)
    @GradientProperty(Silu.class)
    @GradientProperty(Gelu.class)
    @GradientProperty(GeluTanh.class)
    void unaryBackwardMatchesFiniteDifferences(Unary op) {
        qt().withExamples(30).forAll(Gens.shapes(), Gens.seeds()).checkAssert((shape, seed) -> {
            Tensor x = op.input(new Random(seed), shape);
            GradCheck.check(op.name() + " " + shape, xs -> op.f().apply(xs.get(0)), List.of(x), seed);
        });
    }

    /** An exponent and the domain on which x^p is smooth. */
    record Exponent(double p, Domain domain) {
        @Override
        public String toString() {
            return "x^" + p + " on " + domain;
        }
    }

    static Stream<Exponent> exponents() {
        return Stream.of(
                // integer exponents are smooth for either sign (negative ones away from the pole at 0)
                new Exponent(0, Domain.ANY),
                new Exponent(1, Domain.ANY),
                new Exponent(2, Domain.ANY),
                new Exponent(3, Domain.ANY),
                new Exponent(-1, Domain.AWAY_FROM_ZERO),
                new Exponent(-2, Domain.AWAY_FROM_ZERO),
                // fractional exponents are real only for x > 0
                new Exponent(0.5, Domain.POSITIVE),
                new Exponent(1.5, Domain.POSITIVE),
                new Exponent(-0.5, Domain.POSITIVE),
                new Exponent(2.7, Domain.POSITIVE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exponents")
    @GradientProperty(Pow.class)
    void powBackwardMatchesFiniteDifferences(Exponent e) {
        Unary pow = new Unary("pow(" + e.p() + ")", x -> x.pow(e.p()), e.domain());
        qt().withExamples(20).forAll(Gens.shapes(), Gens.seeds()).checkAssert((shape, seed) -> {
            Tensor x = pow.input(new Random(seed), shape);
            GradCheck.check(pow.name() + " " + shape, xs -> pow.f().apply(xs.get(0)), List.of(x), seed);
        });
    }
}
