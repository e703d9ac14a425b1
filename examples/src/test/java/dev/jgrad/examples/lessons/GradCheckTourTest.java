package dev.jgrad.examples.lessons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.ops.Exp;
import dev.jgrad.core.ops.Mul;
import dev.jgrad.core.ops.Op;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GradCheckTourTest {
    @Test
    void everyPermittedOpIsCoveredAndEveryCheckPasses() {
        List<GradCheckTour.Row> rows = GradCheckTour.run();
        Set<String> covered = new HashSet<>();
        for (GradCheckTour.Row r : rows) {
            assertEquals(GradCheckTour.Status.PASS, r.status(), () -> r.op() + " " + r.call() + ": " + r.note());
            covered.add(r.op());
        }
        for (Class<?> op : Op.class.getPermittedSubclasses()) {
            assertTrue(covered.contains(op.getSimpleName()), op.getSimpleName() + " has no row");
        }
    }

    @Test
    void aCaseThatDoesNotRecordItsOpFails() {
        // claims to test Exp but computes tanh: the graph check must notice
        Tensor x = Tensor.randn(DType.FLOAT64, new Random(3), 2).requiresGrad(true);
        GradCheckTour.Case wrong = new GradCheckTour.Case(
                Exp.class, "x.tanh()", List.of(x), xs -> xs.get(0).tanh(), "");
        GradCheckTour.Row row = GradCheckTour.check(wrong);
        assertEquals(GradCheckTour.Status.FAIL, row.status());
        assertTrue(row.note().contains("no Exp node"), row.note());
    }

    @Test
    void aWrongGradientFails() {
        // L = Σ w ⊙ x ⊙ stop(x): backward treats the detached factor as a constant and gives w·x, while the
        // finite difference sees x² and gives 2·w·x; relative error |w·x − 2·w·x| / |2·w·x| = ½ everywhere
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {0.5, -1.5}).requiresGrad(true);
        GradCheckTour.Case halfGradient = new GradCheckTour.Case(
                Mul.class,
                "x.mul(x.detach())",
                List.of(x),
                xs -> xs.get(0).mul(xs.get(0).detach()),
                "");
        GradCheckTour.Row row = GradCheckTour.check(halfGradient);
        assertEquals(GradCheckTour.Status.FAIL, row.status());
        assertFalse(Double.isNaN(row.maxAbsError()));
        assertEquals(0.5, row.maxRelError(), 1e-6);
    }
}
