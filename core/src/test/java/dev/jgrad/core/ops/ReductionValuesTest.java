package dev.jgrad.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Forward values of sum, mean, max, softmax and logSoftmax on small hand-computed cases. */
class ReductionValuesTest {
    private static final double EXACT = 0;

    /** [[1, 2, 3], [4, 5, 6]] in float64. */
    private static Tensor m23() {
        return Tensor.of(DType.FLOAT64, new double[][] {{1, 2, 3}, {4, 5, 6}});
    }

    private static void assertTensor(Shape shape, double[] values, Tensor t) {
        assertEquals(shape, t.shape());
        assertArrayEquals(values, t.toDoubleArray(), 1e-15);
    }

    @Test
    void sumOverAllOneAndSeveralDims() {
        // rows: 1+2+3 = 6, 4+5+6 = 15; columns: 5, 7, 9; all: 21
        assertTensor(Shape.scalar(), new double[] {21}, m23().sum());
        assertTensor(Shape.of(3), new double[] {5, 7, 9}, m23().sum(0, false));
        assertTensor(Shape.of(2), new double[] {6, 15}, m23().sum(1, false));
        assertTensor(Shape.of(2, 1), new double[] {6, 15}, m23().sum(-1, true));
        assertTensor(Shape.scalar(), new double[] {21}, m23().sum(new int[] {0, 1}, false));
        assertTensor(Shape.of(1, 1), new double[] {21}, m23().sum(new int[] {1, 0}, true));
    }

    @Test
    void sumOverTheOuterDimsOfARank3Tensor() {
        // x[i][j][k] = 12i + 4j + k over [2, 3, 4]; Σ_{i,k} = Σ_i Σ_k (12i + 4j + k) = 4·12 + 8·4j + 2·6 = 60 + 32j
        Tensor x = Tensor.arange(DType.FLOAT64, 0, 24, 1).reshape(2, 3, 4);
        assertTensor(Shape.of(3), new double[] {60, 92, 124}, x.sum(new int[] {0, 2}, false));
        assertTensor(Shape.of(1, 3, 1), new double[] {60, 92, 124}, x.sum(new int[] {0, -1}, true));
    }

    @Test
    void meanOverAllAndOneDim() {
        assertTensor(Shape.scalar(), new double[] {3.5}, m23().mean());
        assertTensor(Shape.of(3), new double[] {2.5, 3.5, 4.5}, m23().mean(0, false));
        assertTensor(Shape.of(2, 1), new double[] {2, 5}, m23().mean(1, true));
        // ∂ mean / ∂x = 1/n = 1/6 for every element
        Tensor x = m23().requiresGrad(true);
        x.mean().backward();
        assertArrayEquals(
                new double[] {1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0},
                x.grad().toDoubleArray(),
                EXACT);
    }

    @Test
    void maxOverAllAndOneDim() {
        Tensor x = Tensor.of(DType.FLOAT64, new double[][] {{1, 9, 3}, {7, 5, -6}});
        assertTensor(Shape.scalar(), new double[] {9}, x.max());
        assertTensor(Shape.of(3), new double[] {7, 9, 3}, x.max(0, false));
        assertTensor(Shape.of(2, 1), new double[] {9, 7}, x.max(-1, true));
    }

    @Test
    void maxSplitsTheGradientEquallyBetweenTies() {
        // max([1, 3, 3]) = 3, reached twice: each tie gets ½ (PyTorch's amax convention), the rest 0
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1, 3, 3}).requiresGrad(true);
        Tensor m = x.max();
        assertEquals(3, m.item(), EXACT);
        m.backward();
        assertArrayEquals(new double[] {0, 0.5, 0.5}, x.grad().toDoubleArray(), EXACT);
    }

    @Test
    void softmaxOfZeroAndLn2IsAThirdAndTwoThirds() {
        // softmax([0, ln 2]) = [1, 2] / 3
        Tensor p = Tensor.of(DType.FLOAT64, new double[] {0, Math.log(2)}).softmax(0);
        assertArrayEquals(new double[] {1 / 3.0, 2 / 3.0}, p.toDoubleArray(), 1e-15);
        // logSoftmax = log of that = [−ln 3, ln 2 − ln 3]
        Tensor lp = Tensor.of(DType.FLOAT64, new double[] {0, Math.log(2)}).logSoftmax(-1);
        assertArrayEquals(new double[] {-Math.log(3), Math.log(2) - Math.log(3)}, lp.toDoubleArray(), 1e-15);
    }

    @Test
    void softmaxAlongDim0NormalizesColumns() {
        // columns: [0, ln 3] → [¼, ¾];  [0, 0] → [½, ½]
        Tensor x = Tensor.of(DType.FLOAT64, new double[][] {{0, 0}, {Math.log(3), 0}});
        assertArrayEquals(new double[] {0.25, 0.5, 0.75, 0.5}, x.softmax(0).toDoubleArray(), 1e-15);
        // along dim 1 (rows): [0, 0] → [½, ½];  [ln 3, 0] → [¾, ¼]
        assertArrayEquals(new double[] {0.5, 0.5, 0.75, 0.25}, x.softmax(1).toDoubleArray(), 1e-15);
    }

    @Test
    void softmaxOfLargeLogitsDoesNotOverflow() {
        // subtracting the max first: [1000, 1000 + ln 3] behaves like [0, ln 3] → [¼, ¾]; e^1000 would be ∞
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1000, 1000 + Math.log(3)});
        assertArrayEquals(new double[] {0.25, 0.75}, x.softmax(0).toDoubleArray(), 1e-12);
        double[] lp = x.logSoftmax(0).toDoubleArray();
        assertFalse(Double.isNaN(lp[0]) || Double.isInfinite(lp[0]));
        assertEquals(-Math.log(4), lp[0], 1e-12);
    }

    @Test
    void softmaxBackwardAtAKnownPoint() {
        // p = [⅓, ⅔]; L = p₀ (g = [1, 0]):  ∂L/∂x_i = p_i (g_i − Σ_j g_j p_j) = [⅓·⅔, ⅔·(−⅓)] = [2/9, −2/9]
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {0, Math.log(2)}).requiresGrad(true);
        x.softmax(0).narrow(0, 0, 1).sum().backward();
        assertArrayEquals(new double[] {2 / 9.0, -2 / 9.0}, x.grad().toDoubleArray(), 1e-15);
    }

    @Test
    void aSumOverSize1DimsIsACopyNotAViewOfItsInput() {
        // NdArray's contract: only reshape shares storage. A sum over dims of size 1 must still return new
        // storage, or updating the input in place (an optimizer step via assign) rewrites the sum.
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {5}, 1, 1);
        Tensor all = x.sum();
        Tensor overDim = x.sum(0, true);
        x.assign(Tensor.of(DType.FLOAT64, new double[] {7}, 1, 1).value());
        assertEquals(5, all.item(), EXACT, "x.sum() changed when x was assigned");
        assertEquals(5, overDim.item(), EXACT, "x.sum(0, true) changed when x was assigned");
    }
}
