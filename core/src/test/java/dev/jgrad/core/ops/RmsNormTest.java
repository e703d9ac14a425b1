package dev.jgrad.core.ops;

import static dev.jgrad.core.ops.LinearTest.append;
import static dev.jgrad.core.ops.LinearTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import dev.jgrad.core.testing.GradientProperty;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/** The fused RMS normalization: gradients, a hand-computed case, the unfused composition, errors. */
class RmsNormTest {
    private static final DType F64 = DType.FLOAT64;

    /** x [lead..., d] with lead of rank 0..2, d 1..4, a random gain, eps 1e-5 or 0.5. */
    @Test
    @GradientProperty(RmsNorm.class)
    void rmsNormBackwardMatchesFiniteDifferences() {
        qt().withExamples(40)
                .forAll(Gens.shapes(0, 2), integers().between(1, 4), Generate.booleans(), Gens.seeds())
                .checkAssert((lead, d, bigEps, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor x = Gens.input(rnd, append(lead, d));
                    Tensor w = Gens.input(rnd, Shape.of(d));
                    double eps = bigEps ? 0.5 : 1e-5;
                    GradCheck.check(
                            "rmsNorm " + x.shape() + ", eps " + eps,
                            xs -> RmsNorm.apply(xs.get(0), xs.get(1), eps),
                            List.of(x, w),
                            seed);
                });
    }

    @Test
    void oneRowByHand() {
        // x = [3, 4], w = [1, 2], eps = 0: mean(x²) = 25/2, ρ = 1/√12.5, y = [3ρ, 8ρ]
        // g = [1, 0]: ∂w = g ⊙ x̂ = [3ρ, 0]
        //   ∂y0/∂x0 = w0·(1/r − x0²/(2r³)) = ρ·(1 − 9/25) = 0.64ρ,   ∂y0/∂x1 = −w0·x0·x1/(2r³) = −ρ·12/25 = −0.48ρ
        double rho = 1 / Math.sqrt(12.5);
        Tensor x = Tensor.of(F64, new double[] {3, 4}).requiresGrad(true);
        Tensor w = Tensor.of(F64, new double[] {1, 2}).requiresGrad(true);
        Tensor y = RmsNorm.apply(x, w, 0);
        assertArrayEquals(new double[] {3 * rho, 8 * rho}, y.toDoubleArray(), 1e-15);
        y.backward(Tensor.of(F64, new double[] {1, 0}));
        assertArrayEquals(new double[] {3 * rho, 0}, w.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {0.64 * rho, -0.48 * rho}, x.grad().toDoubleArray(), 1e-15);
    }

    /** Fast path against x / sqrt(mean(x²) + eps) ⊙ w built from elementwise ops and a mean, float64. */
    @Test
    void matchesTheComposition() {
        qt().withExamples(20)
                .forAll(Gens.shapes(1, 3), integers().between(1, 70), Gens.seeds())
                .checkAssert((lead, d, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor x = Gens.input(rnd, append(lead, d));
                    Tensor w = Gens.input(rnd, Shape.of(d));
                    FusedCheck.assertSame(
                            "rmsNorm " + x.shape(),
                            RmsNorm.class,
                            xs -> RmsNorm.apply(xs.get(0), xs.get(1), 1e-5),
                            xs -> {
                                Tensor rms = xs.get(0)
                                        .mul(xs.get(0))
                                        .mean(-1, true)
                                        .add(1e-5)
                                        .sqrt();
                                return xs.get(0).div(rms).mul(xs.get(1));
                            },
                            List.of(x, w),
                            seed,
                            1e-12);
                });
    }

    /** float32 agrees with float64 on enough rows to be split over threads. */
    @Test
    void float32AgreesWithFloat64() {
        Random rnd = new Random(11);
        Tensor x = Gens.input(rnd, Shape.of(3, 700, 96));
        Tensor w = Gens.input(rnd, Shape.of(96));
        Tensor y = RmsNorm.apply(x, w, 1e-5);
        Tensor g = FusedCheck.weights(y, 3);
        y.backward(g);
        Tensor x32 = FusedCheck.to32(x);
        Tensor w32 = FusedCheck.to32(w);
        Tensor y32 = RmsNorm.apply(x32, w32, 1e-5);
        y32.backward(Tensor.of(g.value().cast(DType.FLOAT32)));
        FusedCheck.assertClose("forward", y.value(), y32.value(), 1e-6);
        FusedCheck.assertClose("∂x", x.gradValue(), x32.gradValue(), 1e-5);
        FusedCheck.assertClose("∂w", w.gradValue(), w32.gradValue(), 1e-5);
    }

    @Test
    void badInputNamesTheOpAndTheShapes() {
        IllegalArgumentException weight = assertThrows(
                IllegalArgumentException.class, () -> RmsNorm.apply(Tensor.zeros(2, 3), Tensor.ones(4), 1e-5));
        assertMessage(weight, "rmsNorm", "[2, 3]", "[4]");
        IllegalArgumentException eps = assertThrows(
                IllegalArgumentException.class, () -> RmsNorm.apply(Tensor.zeros(2, 3), Tensor.ones(3), -1));
        assertMessage(eps, "rmsNorm", "-1", "[2, 3]");
        IllegalArgumentException scalar = assertThrows(
                IllegalArgumentException.class, () -> RmsNorm.apply(Tensor.scalar(1), Tensor.ones(1), 1e-5));
        assertMessage(scalar, "rmsNorm", "[]");
    }
}
