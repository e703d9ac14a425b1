package dev.jgrad.nn.functional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The functions that the layers do not already exercise on their own: masks, attention and argument checks. */
class FTest {
    @Test
    void causalMaskHidesExactlyTheLaterKeys() {
        // row i, column j: 1 where j > i
        assertArrayEquals(new int[] {0, 1, 1, 0, 0, 1, 0, 0, 0}, F.causalMask(3).toIntArray());
        assertArrayEquals(new int[] {0}, F.causalMask(1).toIntArray());
    }

    @Test
    void attentionWithEqualScoresAveragesTheValues() {
        // q = 0 makes every score 0: unmasked, each query averages all of v; causally, query i averages v_0 … v_i.
        Tensor q = Tensor.zeros(DType.FLOAT64, 3, 2);
        Tensor k = Tensor.randn(DType.FLOAT64, new Random(1), 3, 2);
        Tensor v = Tensor.of(DType.FLOAT64, new double[][] {{3, 0}, {0, 3}, {6, 6}});
        assertArrayEquals(
                new double[] {3, 3, 3, 3, 3, 3},
                F.scaledDotProductAttention(q, k, v, null).toDoubleArray(),
                1e-12);
        assertArrayEquals(
                new double[] {3, 0, 1.5, 1.5, 3, 3},
                F.scaledDotProductAttention(q, k, v, F.causalMask(3)).toDoubleArray(),
                1e-12);
    }

    @Test
    void errorsNameTheShapes() {
        IllegalArgumentException norm =
                assertThrows(IllegalArgumentException.class, () -> F.rmsNorm(Tensor.zeros(2, 3), Tensor.ones(4), 1e-5));
        assertTrue(norm.getMessage().contains("[2, 3]") && norm.getMessage().contains("[4]"), norm.getMessage());
        IllegalArgumentException bias = assertThrows(
                IllegalArgumentException.class,
                () -> F.linear(Tensor.zeros(2, 3), Tensor.zeros(4, 3), Tensor.zeros(3)));
        assertTrue(bias.getMessage().contains("bias [3]"), bias.getMessage());
        IllegalArgumentException rope = assertThrows(
                IllegalArgumentException.class,
                () -> F.rope(Tensor.zeros(2, 4), Tensor.zeros(2, 3), Tensor.zeros(2, 3)));
        assertTrue(rope.getMessage().contains("[2, 3]"), rope.getMessage());
        IllegalArgumentException ids =
                assertThrows(IllegalArgumentException.class, () -> F.embedding(Tensor.zeros(2), Tensor.zeros(4, 3)));
        assertTrue(ids.getMessage().contains("int32"), ids.getMessage());
    }
}
