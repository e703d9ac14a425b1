package dev.jgrad.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.autograd.AnomalyException.Phase;
import dev.jgrad.core.ops.Mul;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Autograd.detectAnomaly(): the first non-finite forward output or backward gradient names its op. */
@SuppressWarnings("try") // scopes that exist only to be closed
class AnomalyModeTest {

    private static Tensor leaf(double... values) {
        return Tensor.of(DType.FLOAT64, values).requiresGrad(true);
    }

    @Test
    void offByDefaultNaNFlowsThroughSilently() {
        assertFalse(Autograd.isAnomalyEnabled());
        Tensor x = leaf(-1, 4);
        Tensor y = x.log().sum(); // log(−1) = NaN
        y.backward();
        assertTrue(Double.isNaN(y.item()));
    }

    @Test
    void forwardNaNNamesTheOpTheInputsAndTheCallersLine() {
        Tensor x = leaf(-1, 4);
        AnomalyException e;
        try (GradScope ignored = Autograd.detectAnomaly()) {
            assertTrue(Autograd.isAnomalyEnabled());
            Tensor y = x.mul(2);
            e = null;
            try {
                y.log(); // log(−2) = NaN at flat index 0
            } catch (AnomalyException thrown) {
                e = thrown;
            }
        }
        assertNotNull(e);
        assertFalse(Autograd.isAnomalyEnabled());
        assertEquals("log", e.op());
        assertEquals(Phase.FORWARD, e.phase());
        assertEquals(List.of(Shape.of(2)), e.inputShapes());
        assertEquals(AnomalyModeTest.class.getName(), e.createdAt().getClassName());
        assertTrue(
                e.getMessage().startsWith("detectAnomaly: forward of log produced NaN at flat index 0"),
                e.getMessage());
        assertTrue(e.getMessage().contains("[2] float64 (finite)"), e.getMessage());
    }

    @Test
    void forwardInfinityIsReportedToo() {
        Tensor x = leaf(1, 0);
        try (GradScope ignored = Autograd.detectAnomaly()) {
            Tensor one = Tensor.ones(DType.FLOAT64, 2);
            AnomalyException e = assertThrows(AnomalyException.class, () -> one.div(x)); // 1 / 0 = +Inf
            assertEquals("div", e.op());
            assertEquals(List.of(Shape.of(2), Shape.of(2)), e.inputShapes());
            assertTrue(e.getMessage().contains("produced Infinity at flat index 1"), e.getMessage());
        }
    }

    @Test
    void backwardInfinityWithAFiniteForwardPointsAtTheLineThatCreatedTheOp() {
        Tensor x = leaf(0, 4); // sqrt(0) = 0 is fine, but ∂sqrt/∂x = 1 / (2·sqrt(0)) = +Inf
        AnomalyException e;
        int line;
        try (GradScope ignored = Autograd.detectAnomaly()) {
            line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
            Tensor y = x.sqrt().sum();
            assertEquals(2, y.item(), 0);
            e = assertThrows(AnomalyException.class, y::backward);
        }
        assertEquals("sqrt", e.op());
        assertEquals(Phase.BACKWARD, e.phase());
        assertEquals(List.of(Shape.of(2)), e.inputShapes());
        assertEquals(line, e.createdAt().getLineNumber(), e.getMessage());
        assertEquals(
                "backwardInfinityWithAFiniteForwardPointsAtTheLineThatCreatedTheOp",
                e.createdAt().getMethodName());
        assertTrue(
                e.getMessage()
                        .contains("backward of sqrt returned Infinity in the gradient of input 0 [2] at flat index 0"),
                e.getMessage());
        assertNotNull(e.getCause(), "the creation stack rides along as the cause");
        assertTrue(e.getCause().getMessage().startsWith("sqrt was created here"));
        assertNull(x.grad(), "nothing was accumulated once the anomaly was found");
    }

    @Test
    void aDeliberatelyBrokenBackwardIsCaughtAtTheOpThatBrokeIt() {
        Tensor a = leaf(1, 2);
        Tensor b = leaf(3, 4);
        try (GradScope ignored = Autograd.detectAnomaly();
                GradScope broken = Autograd.overrideBackward(Mul.class, (op, g) -> {
                    NdArray nan = NdArray.full(DType.FLOAT64, Shape.of(2), Double.NaN);
                    return List.of(nan, nan);
                })) {
            Tensor y = a.add(b).mul(a).exp().sum();
            AnomalyException e = assertThrows(AnomalyException.class, y::backward);
            assertEquals("mul", e.op());
            assertEquals(Phase.BACKWARD, e.phase());
            assertTrue(e.getMessage().contains("incoming gradient [2] finite"), e.getMessage());
        }
    }

    @Test
    void gradientsThatOverflowWhenAddedUpAreBlamedOnTheNodeTheyReach() {
        // y = x·1 is used twice; each use sends back ∂L/∂y = 3·10³⁸ (finite in float32), but their sum is +Inf
        Tensor x = Tensor.of(new float[] {1e-30f}).requiresGrad(true);
        try (GradScope ignored = Autograd.detectAnomaly()) {
            Tensor y = x.mul(1);
            Tensor loss = y.mul(3e38).add(y.mul(3e38)).sum();
            assertTrue(Double.isFinite(loss.item()));
            AnomalyException e = assertThrows(AnomalyException.class, loss::backward);
            assertEquals("mul", e.op());
            assertTrue(e.getMessage().contains("overflowed when added up"), e.getMessage());
        }
    }

    @Test
    void aNonFiniteSeedIsReported() {
        Tensor x = leaf(1, 2);
        try (GradScope ignored = Autograd.detectAnomaly()) {
            Tensor y = x.mul(x);
            AnomalyException e = assertThrows(
                    AnomalyException.class,
                    () -> y.backward(Tensor.of(DType.FLOAT64, new double[] {1, Double.NEGATIVE_INFINITY})));
            assertTrue(e.getMessage().contains("it is the gradient passed to backward"), e.getMessage());
        }
    }

    @Test
    void theMinusInfinityOfAnAttentionMaskIsNotAnAnomaly() {
        Tensor scores = Tensor.of(DType.FLOAT64, new double[] {0.5, 1.5, -0.25, 2.0}, 2, 2)
                .requiresGrad(true);
        Tensor mask = Tensor.ofInts(new int[] {0, 1, 0, 0}, 2, 2); // causal: row 0 sees only column 0
        try (GradScope ignored = Autograd.detectAnomaly()) {
            Tensor p = scores.maskedFill(mask, Double.NEGATIVE_INFINITY).softmax(-1);
            assertEquals(0, p.value().get(1), 0); // exp(−∞) = 0
            p.mul(p).sum().backward();
            assertNotNull(scores.grad());
        }
    }

    @Test
    void maskedFillStillReportsNonFiniteValuesWhereTheMaskIsClear() {
        Tensor x = leaf(1, Double.NaN);
        Tensor mask = Tensor.ofInts(new int[] {1, 0});
        try (GradScope ignored = Autograd.detectAnomaly()) {
            AnomalyException e =
                    assertThrows(AnomalyException.class, () -> x.maskedFill(mask, Double.NEGATIVE_INFINITY));
            assertTrue(e.getMessage().contains("NaN at flat index 1"), e.getMessage());
            assertTrue(e.getMessage().contains("(already holds NaN)"), e.getMessage());
        }
    }

    @Test
    void opsRecordedOutsideTheModeHaveNoKnownCreationSite() {
        Tensor x = leaf(0, 1);
        Tensor y = x.sqrt().sum();
        try (GradScope ignored = Autograd.detectAnomaly()) {
            AnomalyException e = assertThrows(AnomalyException.class, y::backward);
            assertNull(e.createdAt());
            assertNull(e.getCause());
            assertTrue(e.getMessage().contains("created outside detectAnomaly()"), e.getMessage());
        }
    }

    @Test
    void theModeIsPerThreadAndScopesNest() throws Exception {
        try (GradScope outer = Autograd.detectAnomaly()) {
            try (GradScope inner = Autograd.detectAnomaly()) {
                assertTrue(Autograd.isAnomalyEnabled());
            }
            assertTrue(Autograd.isAnomalyEnabled(), "closing the inner scope keeps the outer one on");
            AtomicReference<Boolean> other = new AtomicReference<>();
            List<Throwable> failures = new ArrayList<>();
            Thread t = new Thread(() -> {
                other.set(Autograd.isAnomalyEnabled());
                try {
                    Tensor.of(DType.FLOAT64, new double[] {-1}).log(); // NaN, but not checked here
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            });
            t.start();
            t.join();
            assertEquals(Boolean.FALSE, other.get());
            assertTrue(failures.isEmpty(), failures.toString());
        }
        assertFalse(Autograd.isAnomalyEnabled());
    }

    @Test
    void closingAScopeTwiceDoesNotTurnOffAnotherOne() {
        GradScope first = Autograd.detectAnomaly();
        first.close();
        try (GradScope second = Autograd.detectAnomaly()) {
            first.close();
            assertTrue(Autograd.isAnomalyEnabled());
        }
        assertFalse(Autograd.isAnomalyEnabled());
    }

    @Test
    void finiteTrainingStepsPassUntouched() {
        Tensor w = Tensor.of(DType.FLOAT64, new double[] {0.5, -0.25, 1.0, 2.0}, 2, 2)
                .requiresGrad(true);
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1, 2, 3, 4}).reshape(2, 2);
        double withMode;
        try (GradScope ignored = Autograd.detectAnomaly()) {
            Tensor loss = x.matmul(w).tanh().logSoftmax(-1).mean();
            loss.backward();
            withMode = loss.item();
        }
        double[] gradWithMode = w.grad().toDoubleArray();
        w.zeroGrad();
        Tensor loss = x.matmul(w).tanh().logSoftmax(-1).mean();
        loss.backward();
        assertEquals(loss.item(), withMode, 0);
        assertArrayEquals(w.grad().toDoubleArray(), gradWithMode, 0);
    }
}
