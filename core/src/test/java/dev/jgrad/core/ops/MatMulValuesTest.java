package dev.jgrad.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Matmul of small integer matrices, whose products are exact in both float types (every partial sum
 * is an integer far below 2²⁴), in each of NumPy's shape cases.
 */
class MatMulValuesTest {
    private static void assertTensor(Shape shape, double[] values, Tensor t) {
        assertEquals(shape, t.shape());
        assertArrayEquals(values, t.toDoubleArray(), 0);
    }

    @ParameterizedTest
    @EnumSource(names = {"FLOAT32", "FLOAT64"})
    void matrixTimesMatrix(DType dtype) {
        // [[1, 2], [3, 4]] · [[5, 6], [7, 8]] = [[1·5 + 2·7, 1·6 + 2·8], [3·5 + 4·7, 3·6 + 4·8]] = [[19, 22], [43, 50]]
        Tensor a = Tensor.of(dtype, new double[][] {{1, 2}, {3, 4}});
        Tensor b = Tensor.of(dtype, new double[][] {{5, 6}, {7, 8}});
        assertTensor(Shape.of(2, 2), new double[] {19, 22, 43, 50}, a.matmul(b));
        // a [2, 3] · b [3, 1]:  [1, 2, 3]·[1, 0, −1] = −2,  [4, 5, 6]·[1, 0, −1] = −2
        Tensor c = Tensor.of(dtype, new double[][] {{1, 2, 3}, {4, 5, 6}});
        Tensor d = Tensor.of(dtype, new double[] {1, 0, -1}, 3, 1);
        assertTensor(Shape.of(2, 1), new double[] {-2, -2}, c.matmul(d));
    }

    @ParameterizedTest
    @EnumSource(names = {"FLOAT32", "FLOAT64"})
    void oneDimensionalOperands(DType dtype) {
        Tensor u = Tensor.of(dtype, new double[] {1, 2, 3});
        Tensor v = Tensor.of(dtype, new double[] {4, 5, 6});
        Tensor m = Tensor.of(dtype, new double[][] {{1, 2}, {3, 4}, {5, 6}});
        // vector · vector = 4 + 10 + 18 = 32, a scalar
        assertTensor(Shape.scalar(), new double[] {32}, u.matmul(v));
        // [3] · [3, 2] = [1 + 6 + 15, 2 + 8 + 18] = [22, 28]
        assertTensor(Shape.of(2), new double[] {22, 28}, u.matmul(m));
        // [2, 3] · [3] (u as a column): mᵀ · u gives the same two sums, [22, 28]
        assertTensor(Shape.of(2), new double[] {22, 28}, m.T().matmul(u));
    }

    @ParameterizedTest
    @EnumSource(names = {"FLOAT32", "FLOAT64"})
    void batchedWithBroadcastBatchDims(DType dtype) {
        // a [2, 1, 2]: batch of two rows [1, 2] and [3, 4];  b [2, 1]: one column [1, 10] shared by both
        Tensor a = Tensor.of(dtype, new double[] {1, 2, 3, 4}, 2, 1, 2);
        Tensor b = Tensor.of(dtype, new double[] {1, 10}, 2, 1);
        assertTensor(Shape.of(2, 1, 1), new double[] {21, 43}, a.matmul(b));
        // a [2, 1, 1, 2] against b [3, 2, 1] with b's three columns [1, 0], [0, 1], [1, 1]:
        // batch dims [2, 1] and [3] broadcast to [2, 3]; entry (i, j) = row_i · column_j
        Tensor a4 = Tensor.of(dtype, new double[] {1, 2, 3, 4}, 2, 1, 1, 2);
        Tensor b3 = Tensor.of(dtype, new double[] {1, 0, 0, 1, 1, 1}, 3, 2, 1);
        assertTensor(Shape.of(2, 3, 1, 1), new double[] {1, 2, 3, 3, 4, 7}, a4.matmul(b3));
    }

    @Test
    void backwardOfASumOfProducts() {
        // L = Σ (a·b):  ∂L/∂a = 1·bᵀ (each row = row sums of b),  ∂L/∂b = aᵀ·1 (each column = column sums of a)
        Tensor a = Tensor.of(DType.FLOAT64, new double[][] {{1, 2}, {3, 4}}).requiresGrad(true);
        Tensor b = Tensor.of(DType.FLOAT64, new double[][] {{5, 6}, {7, 8}}).requiresGrad(true);
        a.matmul(b).sum().backward();
        assertArrayEquals(new double[] {11, 15, 11, 15}, a.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[] {4, 4, 6, 6}, b.grad().toDoubleArray(), 0);
    }
}
