package dev.jgrad.core.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.ops.Add;
import dev.jgrad.core.ops.CrossEntropy;
import dev.jgrad.core.ops.GradientRule;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExplainTest {
    /** logits = x · w + b, loss = crossEntropy(logits, t): x [4, 3] constant, w [3, 2], b [2]. */
    private static Tensor[] tinyModel(long seed) {
        Random rnd = new Random(seed);
        Tensor x = Tensor.randn(DType.FLOAT64, rnd, 4, 3);
        Tensor w = Tensor.randn(DType.FLOAT64, rnd, 3, 2).requiresGrad(true);
        Tensor b = Tensor.randn(DType.FLOAT64, rnd, 2).requiresGrad(true);
        Tensor t = Tensor.ofInts(new int[] {1, 0, 0, 1}, 4);
        Tensor logits = x.matmul(w).add(b);
        Tensor loss = logits.crossEntropy(t);
        return new Tensor[] {loss, logits, w, b, x};
    }

    @Test
    void visitsNodesOutputsFirstWithTheOpsOwnRuleAndShapes() {
        Tensor[] m = tinyModel(1);
        BackwardTrace trace = Explain.backward(m[0]);
        assertEquals(3, trace.visited());
        List<BackwardTrace.Step> steps = trace.steps();
        assertEquals(
                List.of("crossEntropy", "add", "matmul"),
                steps.stream().map(BackwardTrace.Step::op).toList());
        BackwardTrace.Step add = steps.get(1);
        assertEquals(Arrays.asList(Add.class.getAnnotation(GradientRule.class).value()), add.rule());
        assertEquals(Shape.of(4, 2), add.outShape());
        assertEquals(
                List.of("a", "b"),
                add.inputs().stream().map(BackwardTrace.InputGrad::name).toList());
        assertEquals(Shape.of(2), add.inputs().get(1).shape());
        assertTrue(add.inputs().get(1).leaf());
        assertFalse(add.inputs().get(0).leaf());
        BackwardTrace.Step matmul = steps.get(2);
        assertNull(matmul.inputs().get(0).stats(), "x is a constant: no gradient is computed for it");
        assertNotNull(matmul.inputs().get(1).stats());
        // the root's incoming gradient is ∂L/∂L = 1
        GradStats g = steps.get(0).g();
        assertEquals(1, g.norm(), 0);
        assertEquals(1, g.min(), 0);
        assertEquals(1, g.max(), 0);
        assertEquals(0, g.nanCount());
    }

    @Test
    void tensorExplainBackwardIsTheSameTraceAndTheSameGradients() {
        Tensor[] a = tinyModel(7);
        Tensor[] b = tinyModel(7);
        BackwardTrace viaTensor = a[0].explainBackward();
        BackwardTrace viaExplain = Explain.backward(b[0]);
        assertEquals(viaExplain.toString(), viaTensor.toString());
        assertEquals(
                Arrays.toString(b[2].grad().toDoubleArray()),
                Arrays.toString(a[2].grad().toDoubleArray()));
    }

    @Test
    void namesTheAxesSummedToUndoBroadcasting() {
        Tensor[] m = tinyModel(2);
        BackwardTrace trace = Explain.backward(m[0]);
        BackwardTrace.Step add = trace.steps().get(1);
        assertArrayEquals(new int[0], add.inputs().get(0).summedAxes()); // a [4, 2] is the output's shape
        assertArrayEquals(new int[] {0}, add.inputs().get(1).summedAxes()); // b [2] was stretched over 4 rows
        assertTrue(trace.toString().contains("summed over axis 0 to undo broadcasting"), trace::toString);

        Random rnd = new Random(3);
        Tensor a = Tensor.randn(DType.FLOAT64, rnd, 2, 1, 3).requiresGrad(true);
        Tensor c = Tensor.randn(DType.FLOAT64, rnd, 4, 1).requiresGrad(true);
        BackwardTrace both = Explain.backward(a.mul(c).sum());
        BackwardTrace.Step mul = both.steps().get(1);
        assertArrayEquals(new int[] {1}, mul.inputs().get(0).summedAxes()); // [2, 1, 3] → [2, 4, 3]
        assertArrayEquals(new int[] {0, 2}, mul.inputs().get(1).summedAxes()); // [4, 1] → [2, 4, 3]

        Tensor batch = Tensor.randn(DType.FLOAT64, rnd, 5, 2, 3).requiresGrad(true);
        Tensor shared = Tensor.randn(DType.FLOAT64, rnd, 3, 2).requiresGrad(true);
        BackwardTrace mm = Explain.backward(batch.matmul(shared).sum());
        assertArrayEquals(new int[] {0}, mm.steps().get(1).inputs().get(1).summedAxes()); // one matrix for 5 batches
        assertArrayEquals(new int[0], mm.steps().get(1).inputs().get(0).summedAxes());
    }

    @Test
    void leavesGetTheSameGradientsAsAPlainBackward() {
        Tensor[] explained = tinyModel(4);
        Tensor[] plain = tinyModel(4);
        Explain.backward(explained[0]);
        plain[0].backward();
        assertArrayEquals(plain[2].grad().toDoubleArray(), explained[2].grad().toDoubleArray(), 0);
        assertArrayEquals(plain[3].grad().toDoubleArray(), explained[3].grad().toDoubleArray(), 0);
    }

    @Test
    void statsAreNormMinMaxAndNanCountOfTheGradient() {
        Tensor[] m = tinyModel(5);
        BackwardTrace trace = Explain.backward(m[0]);
        double[] gw = m[2].grad().toDoubleArray(); // w is used once, so its .grad() is the matmul's share
        GradStats s = trace.steps().get(2).inputs().get(1).stats();
        double sumSq = 0;
        for (double v : gw) {
            sumSq += v * v;
        }
        assertEquals(Math.sqrt(sumSq), s.norm(), 1e-12);
        assertEquals(Arrays.stream(gw).min().getAsDouble(), s.min(), 0);
        assertEquals(Arrays.stream(gw).max().getAsDouble(), s.max(), 0);
        assertEquals(0, s.nanCount());
        GradStats withNan =
                GradStats.of(NdArray.wrap(new double[] {Double.NaN, -2, 1, Double.POSITIVE_INFINITY}, Shape.of(4)));
        assertEquals(1, withNan.nanCount());
        assertEquals(1, withNan.infCount());
        assertEquals(-2, withNan.min(), 0);
        assertEquals(Math.sqrt(5), withNan.norm(), 1e-15);
    }

    @Test
    void crossEntropyRowShowsSoftmaxOneHotAndTheirDifferenceAsTheGradient() {
        Tensor[] m = tinyModel(6);
        double[] z = m[1].toDoubleArray(); // logits [4, 2]
        BackwardTrace trace = Explain.backward(m[0], Explain.Options.defaults().withRow(2));
        BackwardTrace.CrossEntropyRow row = trace.steps().get(0).crossEntropy();
        assertNotNull(row);
        assertEquals(2, row.row());
        assertEquals(0, row.target());
        assertArrayEquals(new int[] {0, 1}, row.columns());
        // softmax of row 2 by hand, p_a = e^z_a / Σ e^z
        double e0 = Math.exp(z[4]);
        double e1 = Math.exp(z[5]);
        double[] p = {e0 / (e0 + e1), e1 / (e0 + e1)};
        assertArrayEquals(p, row.p(), 1e-12);
        assertArrayEquals(new double[] {1, 0}, row.onehot(), 0);
        assertArrayEquals(new double[] {p[0] - 1, p[1]}, row.difference(), 1e-12);
        assertEquals(0.25, row.scale(), 0); // g = 1, mean over N = 4 rows
        assertArrayEquals(new double[] {(p[0] - 1) / 4, p[1] / 4}, row.gradient(), 1e-12);
        String text = trace.toString();
        assertTrue(text.contains("p = softmax z") && text.contains("p − onehot") && text.contains("onehot(t)"), text);
    }

    @Test
    void crossEntropyRowWithManyClassesShowsTheTargetAndTheMostProbableOthers() {
        Random rnd = new Random(7);
        Tensor z = Tensor.randn(DType.FLOAT64, rnd, 3, 20).requiresGrad(true);
        double[] zs = z.toDoubleArray();
        Tensor loss = z.crossEntropy(Tensor.ofInts(new int[] {4, 17, 9}, 3));
        BackwardTrace trace =
                Explain.backward(loss, Explain.Options.defaults().withRow(1).withColumns(5));
        BackwardTrace.CrossEntropyRow row = trace.steps().get(0).crossEntropy();
        List<Integer> others = new ArrayList<>();
        for (int a = 0; a < 20; a++) {
            if (a != 17) {
                others.add(a);
            }
        }
        others.sort(Comparator.comparingDouble((Integer a) -> zs[20 + a]).reversed());
        List<Integer> expected = new ArrayList<>(others.subList(0, 4));
        expected.add(17);
        expected.sort(null);
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), row.columns());
        assertTrue(trace.toString().contains("…"), trace::toString);
    }

    @Test
    void crossEntropyRowExplainsIgnoredAndOutOfRangeRows() {
        Random rnd = new Random(8);
        Tensor z = Tensor.randn(DType.FLOAT64, rnd, 2, 3).requiresGrad(true);
        Tensor t = Tensor.ofInts(new int[] {CrossEntropy.DEFAULT_IGNORE_INDEX, 1}, 2);
        BackwardTrace ignored = Explain.backward(z.crossEntropy(t));
        assertTrue(ignored.steps().get(0).crossEntropy().note().contains("ignore"));
        BackwardTrace outside =
                Explain.backward(z.crossEntropy(t), Explain.Options.defaults().withRow(5));
        assertTrue(outside.steps().get(0).crossEntropy().note().contains("outside the 2 rows"));
    }

    @Test
    void findsWhereTheFirstNonFiniteGradientWasBorn() {
        // sqrt′(0) = 1/(2·0) = ∞: sum hands a finite g to sqrt, which returns ∞ for x = 0
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {0, 4}, 2).requiresGrad(true);
        BackwardTrace trace = Explain.backward(x.sqrt().mul(3).sum());
        assertNotNull(trace.nanOrigin());
        assertEquals("sqrt", trace.nanOrigin().op());
        assertEquals(1, trace.nanOrigin().inputs().get(0).stats().infCount());
        assertTrue(trace.toString().contains("first NaN/∞: #3 sqrt"), trace::toString);

        Tensor[] m = tinyModel(9);
        assertNull(Explain.backward(m[0]).nanOrigin());
    }

    @Test
    void keepsOnlyTheLimitButCountsEveryNode() {
        Tensor x = Tensor.randn(DType.FLOAT64, new Random(10), 3).requiresGrad(true);
        Tensor c = Tensor.ones(DType.FLOAT64, 3);
        Tensor y = x;
        for (int i = 0; i < 3000; i++) {
            y = y.add(c);
        }
        BackwardTrace trace =
                Explain.backward(y.sum(), Explain.Options.defaults().withLimit(10));
        assertEquals(10, trace.steps().size());
        assertEquals(3001, trace.visited());
        assertEquals(Map.of("sum", 1, "add", 3000), trace.opCounts());
        String text = trace.toString();
        assertTrue(text.contains("… 2991 more nodes not shown (limit 10)"), text);
        assertTrue(text.contains("add ×3000"), text);
        assertArrayEquals(new double[] {1, 1, 1}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void remembersNodeGradientsOnlyWhenTheGraphIsRetained() {
        Tensor[] freed = tinyModel(11);
        BackwardTrace t1 = Explain.backward(freed[0]);
        assertTrue(t1.gradNorm(freed[1]).isEmpty());

        Tensor[] kept = tinyModel(11);
        BackwardTrace t2 = Explain.backward(kept[0], Explain.Options.defaults().withRetainGraph(true));
        GradStats logitsGrad = t2.steps().get(0).inputs().get(0).stats();
        assertEquals(logitsGrad.norm(), t2.gradNorm(kept[1]).getAsDouble(), 0);
        assertNotNull(kept[0].op(), "graph retained");
    }

    @Test
    void callsTensorsByTheGivenNames() {
        Tensor[] m = tinyModel(13);
        BackwardTrace trace = Explain.backward(
                m[0], Explain.Options.defaults().withNames(Map.of("w", m[2], "bias", m[3], "logits", m[1])));
        String text = trace.toString();
        assertTrue(text.contains("#1 crossEntropy   logits = logits [4, 2] → []"), text);
        assertTrue(text.contains("#2 add   a [4, 2], b = bias [2] → [4, 2]"), text);
        assertEquals("w", trace.steps().get(2).inputs().get(1).tensor());
        assertEquals(
                List.of("bias", "w"),
                trace.leaves().stream().map(BackwardTrace.Leaf::name).toList());
    }

    @Test
    void rejectsNonsenseOptions() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> Explain.Options.defaults().withLimit(-1));
        assertTrue(e.getMessage().contains("limit -1"), e.getMessage());
    }

    @Test
    void printsEveryStepWithRuleShapesAndStats() {
        Tensor[] m = tinyModel(12);
        String text = Explain.backward(m[0]).toString();
        assertTrue(text.startsWith("backward from crossEntropy [] float64: 3 nodes visited"), text);
        assertTrue(text.contains("#2 add   a [4, 2], b [2] → [4, 2]"), text);
        assertTrue(text.contains("rule     ∂L/∂a = g,  ∂L/∂b = g"), text);
        assertTrue(text.contains("∂L/∂a    not needed (a constant)"), text);
        assertTrue(text.contains("#3 matmul.b [3, 2]"), text);
        assertTrue(text.contains("every gradient is finite"), text);
    }
}
