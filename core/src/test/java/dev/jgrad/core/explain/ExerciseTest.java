package dev.jgrad.core.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.jgrad.core.autograd.BackwardFunction;
import dev.jgrad.core.ops.Concat;
import dev.jgrad.core.ops.CrossEntropy;
import dev.jgrad.core.ops.Mul;
import dev.jgrad.core.ops.Op;
import dev.jgrad.core.ops.Sub;
import dev.jgrad.core.tensor.NdArray;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExerciseTest {
    /** The learner's correct answer: ∂L/∂a = g ⊙ b, ∂L/∂b = g ⊙ a, each summed back to its input's shape. */
    private static final BackwardFunction CORRECT_MUL = (op, g) -> {
        Mul mul = (Mul) op;
        NdArray a = mul.a().value();
        NdArray b = mul.b().value();
        return List.of(g.mul(b).sumTo(a.shape()), g.mul(a).sumTo(b.shape()));
    };

    @Test
    void aCorrectBackwardPassesEveryCase() {
        Exercise.Verdict v = Exercise.grade(Mul.class, CORRECT_MUL);
        assertTrue(v.correct(), v::toString);
        assertEquals(v.casesTotal(), v.casesPassed());
        assertEquals(
                "Mul: correct. Your backward for a.mul(b) agrees with finite differences on all 8 cases, from a [],"
                        + " b [] to a [2, 1], b [1, 3].",
                v.toString());
    }

    @Test
    void forgettingGFailsOnTheFirstCaseAndSaysSo() {
        Exercise.Verdict v = Exercise.grade(Mul.class, (op, g) -> {
            Mul mul = (Mul) op;
            NdArray a = mul.a().value();
            NdArray b = mul.b().value();
            return List.of(b.sumTo(a.shape()), a.sumTo(b.shape())); // the local derivatives, never times g
        });
        assertFalse(v.correct());
        assertEquals("a [], b []", v.shapes());
        assertEquals(0, v.casesPassed());
        assertEquals("a", v.input());
        assertTrue(v.hint().contains("ignores g"), v::toString);
        assertTrue(
                v.toString()
                        .startsWith("Mul: wrong on a [], b [], the smallest failing case (the first one)\n"
                                + "  ∂L/∂a: your backward gives "),
                v::toString);
    }

    @Test
    void forgettingToSumBackABroadcastFailsOnTheFirstBroadcastCase() {
        Exercise.Verdict v = Exercise.grade(Mul.class, (op, g) -> {
            Mul mul = (Mul) op;
            return List.of(g.mul(mul.b().value()), g.mul(mul.a().value()));
        });
        assertFalse(v.correct());
        assertEquals("a [3], b []", v.shapes()); // equal shapes pass; b broadcast from [] is the first failure
        assertEquals(2, v.casesPassed());
        assertEquals("b", v.input());
        assertEquals("∂L/∂b has shape [3], but b has shape [] (a gradient always has its input's shape)", v.mistake());
        assertTrue(v.hint().contains("along axis 0") && v.hint().contains("g.sumTo(b.shape())"), v::toString);
    }

    @Test
    void aWrongSignIsNamed() {
        Exercise.Verdict v = Exercise.grade(Sub.class, (op, g) -> {
            Sub sub = (Sub) op;
            return List.of(g.sumTo(sub.a().shape()), g.sumTo(sub.b().shape())); // ∂L/∂b should be −g
        });
        assertFalse(v.correct());
        assertEquals("b", v.input());
        assertTrue(v.hint().contains("wrong sign"), v::toString);
    }

    @Test
    void swappedGradientsAreNamed() {
        Exercise.Verdict v = Exercise.grade(Mul.class, (op, g) -> {
            Mul mul = (Mul) op;
            NdArray a = mul.a().value();
            NdArray b = mul.b().value();
            return List.of(g.mul(a).sumTo(a.shape()), g.mul(b).sumTo(b.shape()));
        });
        assertFalse(v.correct());
        assertTrue(v.hint().contains("is the gradient of b: are two gradients swapped?"), v::toString);
    }

    @Test
    void aMissingOneOverNIsAFactorOfN() {
        // ∂L/∂z = g · (p − onehot) without the / N: right for one row, N times too big after that
        Exercise.Verdict v = Exercise.grade(CrossEntropy.class, (op, g) -> op.backward(g.scale(3)));
        assertFalse(v.correct());
        assertEquals("logits [1, 2], constant [1] int32", v.shapes());
        assertTrue(v.hint().contains("ignores g") || v.hint().contains("3 times"), v::toString);
        Exercise.Verdict noMean = Exercise.grade(CrossEntropy.class, (op, g) -> {
            CrossEntropy ce = (CrossEntropy) op;
            return op.backward(g.scale(ce.count()));
        });
        assertFalse(noMean.correct());
        assertEquals("logits [3, 4], constant [3] int32", noMean.shapes());
        assertTrue(noMean.hint().contains("3 times the right gradient"), noMean::toString);
    }

    @Test
    void wrongCountsNullsAndExceptionsAreReportedNotThrown() {
        Exercise.Verdict one = Exercise.grade(Mul.class, (op, g) -> List.of(g));
        assertTrue(one.mistake().contains("returned 1 gradients; it must return one per input (a, b)"), one::toString);
        Exercise.Verdict threw = Exercise.grade(Mul.class, (op, g) -> {
            throw new UnsupportedOperationException("not yet");
        });
        assertTrue(threw.mistake().contains("threw java.lang.UnsupportedOperationException: not yet"), threw::toString);
        List<NdArray> withNull = new ArrayList<>();
        withNull.add(null);
        withNull.add(null);
        Exercise.Verdict nulls = Exercise.grade(Mul.class, (op, g) -> withNull);
        assertTrue(nulls.mistake().contains("null for ∂L/∂a"), nulls::toString);
        assertNull(nulls.element());
    }

    @Test
    void unknownOpsNameTheOnesThatHaveProblems() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Exercise.grade(Concat.class, Op::backward));
        assertTrue(
                e.getMessage().contains("no built-in problem for Concat")
                        && e.getMessage().contains("Mul"),
                e.getMessage());
    }

    @Test
    void everyOpsOwnBackwardPassesItsProblem() {
        for (Class<? extends Op> op : Exercise.ops()) {
            Exercise.Verdict v = Exercise.grade(op, Op::backward);
            assertTrue(v.correct(), v::toString);
        }
    }

    @Test
    void anyScaledOwnBackwardFails() {
        List<Class<? extends Op>> ops = new ArrayList<>(Exercise.ops());
        double[] scales = {0, -1, 2, 0.5};
        qt().withExamples(40)
                .forAll(integers().between(0, ops.size() - 1), integers().between(0, scales.length - 1))
                .checkAssert((i, s) -> {
                    double c = scales[s];
                    Exercise.Verdict v = Exercise.grade(ops.get(i), (op, g) -> scaled(op.backward(g), c));
                    assertFalse(v.correct(), () -> ops.get(i).getSimpleName() + " scaled by " + c + " passed");
                });
    }

    private static List<NdArray> scaled(List<NdArray> grads, double c) {
        List<NdArray> out = new ArrayList<>();
        for (NdArray g : grads) {
            out.add(g == null ? null : g.scale(c));
        }
        return out;
    }
}
