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
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * Backward of matmul against finite differences: plain matrices, batches whose batch dims broadcast
 * (one side batched, both batched, stretched from 1), and 1-D operands (NumPy's promotion of a vector to
 * a row on the left or a column on the right, including vector · vector → scalar).
 *
 * <p>Default GradCheck tolerances (atol 1e-5, rtol 1e-3): matmul is bilinear, so the central difference
 * has no truncation error at all, and its rounding error is O(ε/h) ≈ 1e-10 in float64.
 */
class MatMulGradTest {
    /** {@code dims} followed by m and n. */
    private static Shape matrix(Shape batch, int rows, int cols) {
        int[] d = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        d[batch.rank()] = rows;
        d[batch.rank() + 1] = cols;
        return Shape.of(d);
    }

    @Test
    @GradientProperty(MatMul.class)
    void matmulOfMatricesMatchesFiniteDifferences() {
        qt().withExamples(30)
                .forAll(Generate.range(1, 4), Generate.range(1, 4), Generate.range(1, 4), Gens.seeds())
                .checkAssert((m, k, n, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor a = Gens.input(rnd, Shape.of(m, k));
                    Tensor b = Gens.input(rnd, Shape.of(k, n));
                    GradCheck.check(
                            "matmul " + a.shape() + " @ " + b.shape(),
                            xs -> xs.get(0).matmul(xs.get(1)),
                            List.of(a, b),
                            seed);
                });
    }

    @Test
    @GradientProperty(MatMul.class)
    void batchedMatmulWithBroadcastBatchDimsMatchesFiniteDifferences() {
        // Batch shapes that broadcast together, kept to rank ≤ 2 so operands stay small: e.g. [2, 1]
        // against [3], or [] (an unbatched matrix) against [2, 2].
        qt().withExamples(40)
                .forAll(
                        Gens.broadcastPairs()
                                .assuming(p -> p.get(0).rank() <= 2 && p.get(1).rank() <= 2),
                        Generate.intArrays(Generate.constant(3), Generate.range(1, 3)),
                        Gens.seeds())
                .checkAssert((batches, mkn, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor a = Gens.input(rnd, matrix(batches.get(0), mkn[0], mkn[1]));
                    Tensor b = Gens.input(rnd, matrix(batches.get(1), mkn[1], mkn[2]));
                    GradCheck.check(
                            "matmul " + a.shape() + " @ " + b.shape(),
                            xs -> xs.get(0).matmul(xs.get(1)),
                            List.of(a, b),
                            seed);
                });
    }

    @Test
    @GradientProperty(MatMul.class)
    void matmulWithOneDimensionalOperandsMatchesFiniteDifferences() {
        // variant 0: [k] @ [k] → [];  1: [k] @ [..., k, n] → [..., n];  2: [..., m, k] @ [k] → [..., m]
        qt().withExamples(40)
                .forAll(
                        Generate.range(0, 2),
                        Gens.shapes(0, 2),
                        Generate.intArrays(Generate.constant(3), Generate.range(1, 4)),
                        Gens.seeds())
                .checkAssert((variant, batch, mkn, seed) -> {
                    Random rnd = new Random(seed);
                    int m = mkn[0];
                    int k = mkn[1];
                    int n = mkn[2];
                    Shape aShape = variant == 2 ? matrix(batch, m, k) : Shape.of(k);
                    Shape bShape = variant == 1 ? matrix(batch, k, n) : Shape.of(k);
                    Tensor a = Gens.input(rnd, aShape);
                    Tensor b = Gens.input(rnd, bShape);
                    GradCheck.check(
                            "matmul " + aShape + " @ " + bShape,
                            xs -> xs.get(0).matmul(xs.get(1)),
                            List.of(a, b),
                            seed);
                });
    }

    @Test
    @GradientProperty(MatMul.class)
    void matmulWithOneOperandConstantMatchesFiniteDifferences() {
        // The backward skips the gradient of an operand that does not require it; the other must not care.
        qt().withExamples(20)
                .forAll(Gens.shapes(0, 1), Generate.booleans(), Gens.seeds())
                .checkAssert((batch, leftConstant, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor a = Gens.input(rnd, matrix(batch, 2, 3)).requiresGrad(!leftConstant);
                    Tensor b = Gens.input(rnd, Shape.of(3, 2)).requiresGrad(leftConstant);
                    GradCheck.check(
                            "matmul " + a.shape() + " @ " + b.shape(),
                            xs -> xs.get(0).matmul(xs.get(1)),
                            List.of(a, b),
                            seed);
                });
    }
}
