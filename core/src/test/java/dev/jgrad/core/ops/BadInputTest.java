package dev.jgrad.core.ops;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad caller input fails at once with {@link IllegalArgumentException}, and the message starts with the
 * op's name as the user wrote it and names the shapes involved (STYLE.md §4).
 */
class BadInputTest {
    private static Tensor zeros(int... shape) {
        return Tensor.zeros(DType.FLOAT64, shape);
    }

    /** Asserts an IllegalArgumentException whose message starts with {@code op + ":"} and contains each part. */
    private static String assertRejected(String op, Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        String m = e.getMessage();
        assertTrue(m.startsWith(op + ":"), () -> "message does not start with \"" + op + ":\": " + m);
        for (String part : parts) {
            assertTrue(m.contains(part), () -> "message does not mention " + part + ": " + m);
        }
        return m;
    }

    static Stream<Arguments> binaryOps() {
        return Stream.of(
                Arguments.of("add", (BinaryOperator<Tensor>) Tensor::add),
                Arguments.of("sub", (BinaryOperator<Tensor>) Tensor::sub),
                Arguments.of("mul", (BinaryOperator<Tensor>) Tensor::mul),
                Arguments.of("div", (BinaryOperator<Tensor>) Tensor::div));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binaryOps")
    void binaryOpsRejectShapesThatDoNotBroadcast(String op, BinaryOperator<Tensor> f) {
        assertRejected(op, () -> f.apply(zeros(2, 3), zeros(4)), "[2, 3]", "[4]");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binaryOps")
    void binaryOpsRejectMixedDtypes(String op, BinaryOperator<Tensor> f) {
        Tensor a = Tensor.zeros(DType.FLOAT32, 2);
        Tensor b = Tensor.zeros(DType.FLOAT64, 2);
        assertRejected(op, () -> f.apply(a, b), "float32", "float64", "[2]");
    }

    @Test
    void matmulInnerDimensionMismatchReadsAsASentence() {
        String m = assertRejected("matmul", () -> zeros(4, 3).matmul(zeros(5, 2)));
        assertEquals("matmul: [4, 3] @ [5, 2]: inner dimensions 3 and 5 differ", m);
    }

    @Test
    void matmulOfVectorsOfDifferentLengths() {
        assertRejected("matmul", () -> zeros(3).matmul(zeros(4)), "[3]", "[4]", "3 and 4");
    }

    @Test
    void matmulBatchDimsThatDoNotBroadcast() {
        assertRejected("matmul", () -> zeros(2, 3, 4).matmul(zeros(3, 4, 5)), "[2, 3, 4]", "[3, 4, 5]");
    }

    @Test
    void matmulOfMixedDtypes() {
        Tensor a = Tensor.zeros(DType.FLOAT32, 2, 2);
        Tensor b = Tensor.zeros(DType.FLOAT64, 2, 2);
        assertRejected("matmul", () -> a.matmul(b), "float32", "float64", "[2, 2]");
    }

    @Test
    void expandToAShapeItDoesNotBroadcastTo() {
        assertRejected("expand", () -> zeros(2, 3).expand(4, 3), "[2, 3]", "[4, 3]");
    }

    @Test
    void reshapeToAnotherElementCount() {
        assertRejected("reshape", () -> zeros(2, 3).reshape(4, 2), "[2, 3]", "[4, 2]", "6", "8");
        assertRejected("reshape", () -> zeros(2, 3).reshape(4, -1), "[2, 3]", "[4, -1]");
    }

    @Test
    void indexSelectIndexOutOfRange() {
        assertRejected(
                "indexSelect", () -> zeros(3, 2).indexSelect(0, Tensor.ofInts(new int[] {0, 3})), "index 3", "[3, 2]");
        assertRejected(
                "indexSelect", () -> zeros(3, 2).indexSelect(1, Tensor.ofInts(new int[] {-1})), "index -1", "[3, 2]");
    }

    @Test
    void indexSelectWithAFloatIndex() {
        assertRejected("indexSelect", () -> zeros(3, 2).indexSelect(0, zeros(2)), "int32", "float64", "[2]");
    }

    @Test
    void narrowOutsideTheDim() {
        assertRejected("narrow", () -> zeros(2, 3).narrow(1, 2, 2), "[2, 4)", "[0, 3)", "[2, 3]");
        assertRejected("narrow", () -> zeros(2, 3).narrow(0, -1, 1), "[2, 3]");
    }

    @Test
    void concatOfShapesThatDifferOutsideTheDim() {
        assertRejected("concat", () -> Tensor.concat(List.of(zeros(2, 3), zeros(3, 4)), 0), "[2, 3]", "[3, 4]");
    }

    @Test
    void stackOfDifferentShapes() {
        assertRejected("stack", () -> Tensor.stack(List.of(zeros(2), zeros(3)), 0), "[2]", "[3]");
    }

    @Test
    void whereOfShapesThatDoNotBroadcast() {
        assertRejected(
                "where",
                () -> Tensor.where(Tensor.ofInts(new int[] {1, 0, 1}), zeros(2, 2), zeros(2)),
                "[3]",
                "[2, 2]",
                "[2]");
    }

    @Test
    void maskedFillWithAMaskThatDoesNotBroadcast() {
        assertRejected("maskedFill", () -> zeros(2, 3).maskedFill(Tensor.ofInts(new int[] {1, 0}), 0), "[2]", "[2, 3]");
    }

    @Test
    void permuteThatRepeatsADim() {
        assertRejected("permute", () -> zeros(2, 3).permute(0, 0), "[2, 3]");
    }

    @Test
    void squeezeOfADimThatIsNotSize1() {
        assertRejected("squeeze", () -> zeros(2, 3).squeeze(1), "[2, 3]");
    }

    @Test
    void requiresGradOnAnIntTensor() {
        assertRejected("requiresGrad", () -> Tensor.ofInts(new int[] {1, 2, 3}).requiresGrad(true), "int32", "[3]");
    }

    @Test
    void sumOverADimOutOfRange() {
        assertRejected("sum", () -> zeros(2, 3).sum(2, false), "dim 2", "[2, 3]");
        assertRejected("sum", () -> zeros(2, 3).sum(new int[] {0, -3}, true), "dim -3", "[2, 3]");
    }

    @Test
    void sumOverADimListedTwice() {
        assertRejected("sum", () -> zeros(2, 3).sum(new int[] {1, -1}, false), "[2, 3]");
    }

    @Test
    void softmaxOverADimOutOfRange() {
        assertRejected("softmax", () -> zeros(2, 3).softmax(-3), "dim -3", "[2, 3]");
        assertRejected("logSoftmax", () -> zeros(2, 3).logSoftmax(2), "dim 2", "[2, 3]");
    }

    @Test
    void dimsOutOfRangeAreReportedByTheOpTheUserCalled() {
        // every message starts with the op as the user wrote it (STYLE.md §4), also when the bad argument
        // is a dim that a helper (Shape.axis, unsqueeze) happens to check first
        assertAll(
                () -> assertRejected("transpose", () -> zeros(2, 3).transpose(0, 2), "dim 2", "[2, 3]"),
                () -> assertRejected("permute", () -> zeros(2, 3).permute(0, 2), "2", "[2, 3]"),
                () -> assertRejected("squeeze", () -> zeros(1, 3).squeeze(2), "dim 2", "[1, 3]"),
                () -> assertRejected("unsqueeze", () -> zeros(2, 3).unsqueeze(3), "dim 3", "[2, 3]"),
                () -> assertRejected("stack", () -> Tensor.stack(List.of(zeros(2), zeros(2)), 2), "2", "[2]"),
                () -> assertRejected("narrow", () -> zeros(2, 3).narrow(2, 0, 1), "dim 2", "[2, 3]"),
                () -> assertRejected(
                        "indexSelect",
                        () -> zeros(2, 3).indexSelect(2, Tensor.ofInts(new int[] {0})),
                        "dim 2",
                        "[2, 3]"),
                () -> assertRejected("concat", () -> Tensor.concat(List.of(zeros(2, 3)), 2), "dim 2", "[2, 3]"));
    }
}
