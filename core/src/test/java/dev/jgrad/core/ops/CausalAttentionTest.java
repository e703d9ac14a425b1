package dev.jgrad.core.ops;

import static dev.jgrad.core.ops.LinearTest.append;
import static dev.jgrad.core.ops.LinearTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import dev.jgrad.core.testing.GradientProperty;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/** Fused causal attention: gradients, a hand-computed case, the unfused composition, layouts, errors. */
class CausalAttentionTest {
    private static final DType F64 = DType.FLOAT64;

    /** q, k, v [lead..., T, h·d_k] with lead of rank 0..1, T 1..4, h and d_k 1..3. */
    @Test
    @GradientProperty(CausalAttention.class)
    void causalAttentionBackwardMatchesFiniteDifferences() {
        qt().withExamples(40)
                .forAll(
                        Gens.shapes(0, 1),
                        integers().between(1, 4),
                        Generate.intArrays(Generate.constant(2), Generate.range(1, 3)),
                        Gens.seeds())
                .checkAssert((lead, t, hd, seed) -> {
                    Random rnd = new Random(seed);
                    Shape shape = append(append(lead, t), hd[0] * hd[1]);
                    List<Tensor> qkv = List.of(Gens.input(rnd, shape), Gens.input(rnd, shape), Gens.input(rnd, shape));
                    GradCheck.check(
                            "causalAttention " + shape + ", " + hd[0] + " heads",
                            xs -> CausalAttention.apply(xs.get(0), xs.get(1), xs.get(2), hd[0]),
                            qkv,
                            seed);
                });
    }

    /** Self-attention of one tensor (q = k = v): the three gradients add up in the one input. */
    @Test
    @GradientProperty(CausalAttention.class)
    void oneInputAsQueryKeyAndValue() {
        qt().withExamples(20)
                .forAll(integers().between(1, 4), integers().between(1, 2), Gens.seeds())
                .checkAssert((t, heads, seed) -> {
                    Tensor x = Gens.input(new Random(seed), Shape.of(2, t, 2 * heads));
                    GradCheck.check(
                            "causalAttention(x, x, x) " + x.shape(),
                            xs -> CausalAttention.apply(xs.get(0), xs.get(0), xs.get(0), heads),
                            List.of(x),
                            seed);
                });
    }

    @Test
    void twoPositionsByHand() {
        // One head, d_k = 1 (√d_k = 1): q = [1, 1], k = [0, ln 3], v = [4, 8]
        //   row 0 sees key 0 only: p = [1, 0], y0 = 4
        //   row 1: scores [1·0, 1·ln 3] → p = [1, 3] / 4 = [1/4, 3/4], y1 = 4/4 + 3·8/4 = 7
        // g = [0, 1]:  ∂v = Pᵀg = [1/4, 3/4];  ∂P row 1 = g1·v = [4, 8], rowsum(∂P ⊙ P) = 1 + 6 = 7
        //   ∂S row 1 = P ⊙ (∂P − 7) = [1/4·(−3), 3/4·1] = [−3/4, 3/4];  row 0 has g0 = 0, so ∂S row 0 = 0
        //   ∂q = ∂S·K = [0, 3/4·ln 3],   ∂k = ∂Sᵀ·Q = [−3/4, 3/4]
        double ln3 = Math.log(3);
        Tensor q = Tensor.of(F64, new double[] {1, 1}, 2, 1).requiresGrad(true);
        Tensor k = Tensor.of(F64, new double[] {0, ln3}, 2, 1).requiresGrad(true);
        Tensor v = Tensor.of(F64, new double[] {4, 8}, 2, 1).requiresGrad(true);
        Tensor y = CausalAttention.apply(q, k, v, 1);
        assertArrayEquals(new double[] {4, 7}, y.toDoubleArray(), 1e-14);
        y.backward(Tensor.of(F64, new double[] {0, 1}, 2, 1));
        assertArrayEquals(new double[] {0.25, 0.75}, v.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {0, 0.75 * ln3}, q.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {-0.75, 0.75}, k.grad().toDoubleArray(), 1e-15);
    }

    /**
     * Fast path against the composition: split heads, q·kᵀ/√d_k, maskedFill(j &gt; i, −∞), softmax, ·v,
     * merge heads; float64, values and all three gradients.
     */
    @Test
    void matchesMaskedSoftmaxAttention() {
        qt().withExamples(20)
                .forAll(
                        Gens.shapes(0, 2),
                        integers().between(1, 20),
                        Generate.intArrays(Generate.constant(2), Generate.range(1, 5)),
                        Gens.seeds())
                .checkAssert((lead, t, hd, seed) -> {
                    Random rnd = new Random(seed);
                    Shape shape = append(append(lead, t), hd[0] * hd[1]);
                    List<Tensor> qkv = List.of(Gens.input(rnd, shape), Gens.input(rnd, shape), Gens.input(rnd, shape));
                    FusedCheck.assertSame(
                            "causalAttention " + shape + ", " + hd[0] + " heads",
                            CausalAttention.class,
                            xs -> CausalAttention.apply(xs.get(0), xs.get(1), xs.get(2), hd[0]),
                            xs -> composed(xs.get(0), xs.get(1), xs.get(2), hd[0]),
                            qkv,
                            seed,
                            1e-12);
                });
    }

    /** Attention of each head separately, heads given as [..., T, h, d_k] → [..., h, T, d_k], merged back. */
    static Tensor composed(Tensor q, Tensor k, Tensor v, int heads) {
        int t = q.dim(-2);
        int dk = q.dim(-1) / heads;
        int[] mask = new int[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                mask[i * t + j] = 1;
            }
        }
        Tensor scores = split(q, heads)
                .matmul(split(k, heads).transpose(-2, -1))
                .div(Math.sqrt(dk))
                .maskedFill(Tensor.ofInts(mask, t, t), Double.NEGATIVE_INFINITY);
        Tensor y = scores.softmax(-1).matmul(split(v, heads)).transpose(-3, -2);
        return y.reshape(q.shape().dims());
    }

    private static Tensor split(Tensor x, int heads) {
        int r = x.rank();
        int[] dims = Arrays.copyOf(x.shape().dims(), r + 1);
        dims[r - 1] = heads;
        dims[r] = x.dim(-1) / heads;
        return x.reshape(dims).transpose(-3, -2);
    }

    /** h heads side by side equal one head over the inputs split into [..., h, T, d_k] first. */
    @Test
    void oneHeadOnSplitInputsEqualsManyHeadsOnMergedInputs() {
        Random rnd = new Random(6);
        Shape shape = Shape.of(2, 5, 3 * 4);
        Tensor q = Gens.randn(rnd, shape);
        Tensor k = Gens.randn(rnd, shape);
        Tensor v = Gens.randn(rnd, shape);
        Tensor merged = CausalAttention.apply(q, k, v, 3);
        Tensor split = CausalAttention.apply(split(q, 3), split(k, 3), split(v, 3), 1);
        assertArrayEquals(
                merged.toDoubleArray(),
                split.transpose(-3, -2).reshape(2, 5, 12).toDoubleArray(),
                1e-14);
    }

    /** float32 agrees with float64 at the trainer's size (16 × 64 tokens, 4 heads of 24), split over threads. */
    @Test
    void float32AgreesWithFloat64() {
        Random rnd = new Random(12);
        Shape shape = Shape.of(16, 64, 96);
        List<Tensor> in64 = List.of(Gens.input(rnd, shape), Gens.input(rnd, shape), Gens.input(rnd, shape));
        List<Tensor> in32 =
                List.of(FusedCheck.to32(in64.get(0)), FusedCheck.to32(in64.get(1)), FusedCheck.to32(in64.get(2)));
        Tensor y = CausalAttention.apply(in64.get(0), in64.get(1), in64.get(2), 4);
        Tensor g = FusedCheck.weights(y, 4);
        y.backward(g);
        Tensor y32 = CausalAttention.apply(in32.get(0), in32.get(1), in32.get(2), 4);
        y32.backward(Tensor.of(g.value().cast(DType.FLOAT32)));
        FusedCheck.assertClose("forward", y.value(), y32.value(), 1e-5);
        for (int i = 0; i < 3; i++) {
            FusedCheck.assertClose(
                    "gradient of input " + i,
                    in64.get(i).gradValue(),
                    in32.get(i).gradValue(),
                    1e-5);
        }
    }

    /** The saved probabilities are exactly 0 above the diagonal and sum to 1 along each row. */
    @Test
    void probabilitiesAreCausalAndNormalized() {
        Random rnd = new Random(2);
        Tensor q = Gens.input(rnd, Shape.of(3, 6, 4));
        Tensor y = CausalAttention.apply(q, q, q, 2);
        NdArray p = ((CausalAttention) y.op()).p();
        assertArrayEquals(new int[] {3, 2, 6, 6}, p.shape().dims());
        for (int item = 0; item < 6; item++) {
            for (int i = 0; i < 6; i++) {
                double sum = 0;
                for (int j = 0; j < 6; j++) {
                    double pij = p.get((item * 6 + i) * 6 + j);
                    if (j > i && pij != 0) {
                        throw new AssertionError(
                                "P[" + item + ", " + i + ", " + j + "] = " + pij + " above the diagonal");
                    }
                    sum += pij;
                }
                if (Math.abs(sum - 1) > 1e-14) {
                    throw new AssertionError("row " + i + " of item " + item + " sums to " + sum);
                }
            }
        }
    }

    @Test
    void badInputNamesTheOpAndTheShapes() {
        Tensor a = Tensor.zeros(2, 3, 4);
        IllegalArgumentException shapes = assertThrows(
                IllegalArgumentException.class, () -> CausalAttention.apply(a, Tensor.zeros(2, 4, 4), a, 1));
        assertMessage(shapes, "causalAttention", "[2, 3, 4]", "[2, 4, 4]");
        IllegalArgumentException heads =
                assertThrows(IllegalArgumentException.class, () -> CausalAttention.apply(a, a, a, 3));
        assertMessage(heads, "causalAttention", "3 heads", "[2, 3, 4]");
        IllegalArgumentException rank = assertThrows(
                IllegalArgumentException.class,
                () -> CausalAttention.apply(Tensor.zeros(4), Tensor.zeros(4), Tensor.zeros(4), 1));
        assertMessage(rank, "causalAttention", "[4]");
        IllegalArgumentException dtype = assertThrows(
                IllegalArgumentException.class, () -> CausalAttention.apply(a, a, Tensor.zeros(F64, 2, 3, 4), 1));
        assertMessage(dtype, "causalAttention", "float32", "float64");
    }
}
