package dev.jgrad.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Forward values of the layout ops: where each element lands, on small hand-checked cases. */
class LayoutValuesTest {
    private static final double EXACT = 0;

    private static void assertTensor(Shape shape, double[] values, Tensor t) {
        assertEquals(shape, t.shape());
        assertArrayEquals(values, t.toDoubleArray(), EXACT);
    }

    /** [[1, 2], [3, 4], [5, 6]] in float64. */
    private static Tensor m32() {
        return Tensor.of(DType.FLOAT64, new double[][] {{1, 2}, {3, 4}, {5, 6}});
    }

    @Test
    void transposeOfAMatrix() {
        // [[1, 2], [3, 4], [5, 6]]ᵀ = [[1, 3, 5], [2, 4, 6]]
        assertTensor(Shape.of(2, 3), new double[] {1, 3, 5, 2, 4, 6}, m32().T());
        assertTensor(Shape.of(2, 3), new double[] {1, 3, 5, 2, 4, 6}, m32().transpose(-1, 0));
    }

    @Test
    void permuteLayoutOfARank3Tensor() {
        // x[i][j][k] = 12i + 4j + k over [2, 3, 4]; y = x.permute(2, 0, 1) has y[k][i][j] = x[i][j][k],
        // shape [4, 2, 3], stored row-major: y's flat index (k·2 + i)·3 + j
        Tensor x = Tensor.arange(DType.FLOAT64, 0, 24, 1).reshape(2, 3, 4);
        Tensor y = x.permute(2, 0, 1);
        assertEquals(Shape.of(4, 2, 3), y.shape());
        double[] v = y.toDoubleArray();
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    assertEquals(12 * i + 4 * j + k, v[(k * 2 + i) * 3 + j], EXACT);
                }
            }
        }
        // the first row of y: k = 0, i = 0, j = 0..2 → 0, 4, 8
        assertArrayEquals(
                new double[] {0, 4, 8}, y.narrow(0, 0, 1).narrow(1, 0, 1).toDoubleArray(), EXACT);
    }

    @Test
    void reshapeKeepsRowMajorOrderAndInfersMinusOne() {
        assertTensor(Shape.of(2, 3), new double[] {1, 2, 3, 4, 5, 6}, m32().reshape(2, -1));
        assertTensor(Shape.of(6), new double[] {1, 2, 3, 4, 5, 6}, m32().flatten());
        assertTensor(Shape.of(1, 6, 1), new double[] {1, 2, 3, 4, 5, 6}, m32().reshape(1, -1, 1));
        assertTensor(
                Shape.scalar(),
                new double[] {7},
                Tensor.of(DType.FLOAT64, new double[] {7}).reshape());
    }

    @Test
    void squeezeAndUnsqueezeChangeOnlyTheShape() {
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1, 2, 3}, 1, 3, 1);
        assertTensor(Shape.of(3), new double[] {1, 2, 3}, x.squeeze());
        assertTensor(Shape.of(3, 1), new double[] {1, 2, 3}, x.squeeze(0));
        assertTensor(Shape.of(1, 3), new double[] {1, 2, 3}, x.squeeze(-1));
        assertTensor(Shape.of(1, 3, 1, 1), new double[] {1, 2, 3}, x.unsqueeze(-1));
        assertTensor(Shape.of(1, 1, 3, 1), new double[] {1, 2, 3}, x.unsqueeze(1));
    }

    @Test
    void expandRepeatsAlongSize1AndNewDims() {
        // [[1], [2]] expanded to [2, 2, 3]: every row of 3 repeats its single value, and the [2, 3] block twice
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1, 2}, 2, 1);
        assertTensor(Shape.of(2, 2, 3), new double[] {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2}, x.expand(2, 2, 3));
    }

    @Test
    void narrowTakesAContiguousRange() {
        // columns 1..2 of [[1, 2, 3], [4, 5, 6]]; rows 1..2 of m32
        Tensor x = Tensor.of(DType.FLOAT64, new double[][] {{1, 2, 3}, {4, 5, 6}});
        assertTensor(Shape.of(2, 2), new double[] {2, 3, 5, 6}, x.narrow(1, 1, 2));
        assertTensor(Shape.of(2, 2), new double[] {3, 4, 5, 6}, m32().slice(0, 1, 3));
        assertTensor(Shape.of(2, 0), new double[] {}, x.narrow(-1, 3, 0));
    }

    @Test
    void narrowBackwardPlacesTheGradientInItsRange() {
        Tensor x =
                Tensor.of(DType.FLOAT64, new double[][] {{1, 2, 3}, {4, 5, 6}}).requiresGrad(true);
        x.narrow(1, 1, 2)
                .mul(Tensor.of(DType.FLOAT64, new double[] {10, 20}))
                .sum()
                .backward();
        assertArrayEquals(new double[] {0, 10, 20, 0, 10, 20}, x.grad().toDoubleArray(), EXACT);
    }

    @Test
    void concatAlongEachDim() {
        Tensor a = Tensor.of(DType.FLOAT64, new double[][] {{1}, {2}});
        Tensor b = Tensor.of(DType.FLOAT64, new double[][] {{3, 4}, {5, 6}});
        assertTensor(Shape.of(2, 3), new double[] {1, 3, 4, 2, 5, 6}, Tensor.concat(List.of(a, b), 1));
        Tensor c = Tensor.of(DType.FLOAT64, new double[][] {{7, 8}});
        assertTensor(Shape.of(3, 2), new double[] {3, 4, 5, 6, 7, 8}, Tensor.concat(List.of(b, c), 0));
        assertTensor(Shape.of(4, 2), new double[] {7, 8, 3, 4, 5, 6, 7, 8}, Tensor.concat(List.of(c, b, c), -2));
    }

    @Test
    void stackAddsANewDim() {
        Tensor a = Tensor.of(DType.FLOAT64, new double[] {1, 2});
        Tensor b = Tensor.of(DType.FLOAT64, new double[] {3, 4});
        assertTensor(Shape.of(2, 2), new double[] {1, 2, 3, 4}, Tensor.stack(List.of(a, b), 0));
        assertTensor(Shape.of(2, 2), new double[] {1, 3, 2, 4}, Tensor.stack(List.of(a, b), 1));
        assertTensor(Shape.of(2, 2), new double[] {1, 3, 2, 4}, Tensor.stack(List.of(a, b), -1));
    }

    @Test
    void indexSelectWithRepeatsAlongDim0AndDim1() {
        // rows [2, 0, 2] of [[1, 2], [3, 4], [5, 6]]
        Tensor idx = Tensor.ofInts(new int[] {2, 0, 2});
        assertTensor(Shape.of(3, 2), new double[] {5, 6, 1, 2, 5, 6}, m32().indexSelect(0, idx));
        // columns [1, 1]
        assertTensor(
                Shape.of(3, 2), new double[] {2, 2, 4, 4, 6, 6}, m32().indexSelect(1, Tensor.ofInts(new int[] {1, 1})));
        // a rank-2 index replaces the dim by its own dims: [[0, 1], [1, 2]] → shape [2, 2, 2]
        Tensor idx2 = Tensor.ofInts(new int[] {0, 1, 1, 2}, 2, 2);
        assertTensor(Shape.of(2, 2, 2), new double[] {1, 2, 3, 4, 3, 4, 5, 6}, m32().embedding(idx2));
        // a rank-0 index removes the dim
        Tensor idx0 = Tensor.of(NdArray.scalar(DType.INT32, 1));
        assertTensor(Shape.of(2), new double[] {3, 4}, m32().indexSelect(0, idx0));
    }

    @Test
    void indexSelectBackwardAddsTheSharesOfRepeatedIndices() {
        // rows [2, 0, 2]: row 2 is picked twice, row 1 never → ∂Σy/∂x = [[1, 1], [0, 0], [2, 2]]
        Tensor x = m32().requiresGrad(true);
        x.indexSelect(0, Tensor.ofInts(new int[] {2, 0, 2})).sum().backward();
        assertArrayEquals(new double[] {1, 1, 0, 0, 2, 2}, x.grad().toDoubleArray(), EXACT);
    }
}
