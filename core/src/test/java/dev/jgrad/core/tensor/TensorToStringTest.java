package dev.jgrad.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Printing: values as nested brackets, then shape and dtype; more than 1000 elements are summarized. */
class TensorToStringTest {
    @Test
    void smallTensorsShowEveryValueTheShapeAndTheDtype() {
        assertEquals(
                "tensor([1.0, 2.5], shape=[2], dtype=float64)",
                Tensor.of(DType.FLOAT64, new double[] {1, 2.5}).toString());
        assertEquals("tensor(3.0, shape=[], dtype=float32)", Tensor.scalar(3).toString());
        assertEquals(
                "tensor([1, 2], shape=[2], dtype=int32)",
                Tensor.ofInts(new int[] {1, 2}).toString());
    }

    @Test
    void matricesPrintRowByRow() {
        String s = Tensor.of(new double[][] {{1, 2}, {3, 4}}).toString();
        assertTrue(s.startsWith("tensor([[1.0, 2.0],\n"), s);
        assertTrue(s.contains("[3.0, 4.0]]"), s);
        assertTrue(s.endsWith("shape=[2, 2], dtype=float32)"), s);
    }

    @Test
    void gradientStateIsShown() {
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1}).requiresGrad(true);
        assertTrue(x.toString().contains("requiresGrad=true"), x::toString);
        assertTrue(x.mul(x).toString().contains("op=mul"), () -> x.mul(x).toString());
    }

    @Test
    void largeTensorsAreTruncated() {
        // 2000 elements > 1000: the first and last three of each long dim, "..." between
        String s = Tensor.arange(2000).toString();
        assertTrue(s.contains("[0.0, 1.0, 2.0, ..., 1997.0, 1998.0, 1999.0]"), s);
        assertTrue(s.contains("shape=[2000]") && s.contains("dtype=float32"), s);
        assertTrue(s.length() < 120, s);

        String m = Tensor.zeros(DType.FLOAT64, 100, 100).toString();
        assertTrue(m.contains("...") && m.contains("shape=[100, 100]") && m.contains("dtype=float64"), m);
        assertTrue(m.split("\n").length <= 8, m); // 3 rows, "...", 3 rows: 7 lines, not 100
    }

    @Test
    void aThousandElementsStillPrintInFull() {
        // summarizing starts above 1000 elements, as PyTorch's default print threshold
        String s = Tensor.arange(1000).toString();
        assertFalse(s.contains("..."), "1000 elements were summarized");
        assertTrue(s.contains("998.0, 999.0]"), s);
    }
}
