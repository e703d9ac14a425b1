package dev.jgrad.core.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.autograd.RandomGraph.Kind;
import dev.jgrad.core.ops.Op;
import dev.jgrad.core.tensor.NdArray;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Whole-graph gradient checks on random DAGs ({@link RandomGraph}): backward through 3–15 ops with
 * broadcasting and reused intermediates must match finite differences of the whole graph in float64.
 * A second test breaks one op's backward at a time and shows the property notices.
 */
@SuppressWarnings("try") // scopes that exist only to be closed
class RandomGraphGradTest {

    @Test
    void wholeGraphGradientsMatchFiniteDifferences() {
        qt().withExamples(250).forAll(integers().between(3, 15), longs().all()).checkAssert((ops, seed) -> {
            RandomGraph g = RandomGraph.generate(seed, ops, null);
            GradCheck.check(g.toString(), g::evaluate, g.leaves(), seed);
        });
    }

    @Test
    void theGraphsUseEveryKindOfOpAndReuseIntermediateValues() {
        Set<Class<? extends Op>> seen = new LinkedHashSet<>();
        int reused = 0;
        int graphs = 300;
        for (long seed = 0; seed < graphs; seed++) {
            RandomGraph g = RandomGraph.generate(seed, 3 + (int) (seed % 13), null);
            seen.addAll(g.opClasses());
            if (g.maxReuse() >= 2) {
                reused++;
            }
        }
        Set<String> missing = new TreeSet<>();
        for (Kind k : Kind.values()) {
            if (!seen.contains(k.op)) {
                missing.add(k.op.getSimpleName());
            }
        }
        assertEquals(Set.of(), missing, "ops never drawn in " + graphs + " graphs");
        assertTrue(reused > graphs / 4, "only " + reused + " of " + graphs + " graphs reuse an intermediate value");
    }

    /** Ways to get one op's backward wrong. */
    private enum Breakage {
        /** Uses 1 where it should use g = ∂L/∂out: the classic "forgot the chain rule" bug. */
        IGNORES_G {
            @Override
            List<NdArray> backward(Op op, NdArray g) {
                return op.backward(NdArray.full(g.dtype(), g.shape(), 1));
            }
        },
        /** Right direction, wrong size: every gradient 10% too large. */
        TEN_PERCENT_OFF {
            @Override
            List<NdArray> backward(Op op, NdArray g) {
                List<NdArray> out = new ArrayList<>();
                for (NdArray gk : op.backward(g)) {
                    out.add(gk == null ? null : gk.map(x -> 1.1 * x));
                }
                return out;
            }
        };

        abstract List<NdArray> backward(Op op, NdArray g);
    }

    @Test
    void aBrokenBackwardInAnySingleOpIsCaught() {
        List<String> missed = new ArrayList<>();
        for (Kind kind : EnumSet.allOf(Kind.class)) {
            for (Breakage breakage : Breakage.values()) {
                if (!caught(kind, breakage)) {
                    missed.add(kind.op.getSimpleName() + " " + breakage);
                }
            }
        }
        assertEquals(List.of(), missed, "broken backwards the random graphs did not notice");
    }

    /** Whether some graph containing {@code kind} fails the check once its backward is broken. */
    private static boolean caught(Kind kind, Breakage breakage) {
        for (long seed = 0; seed < 60; seed++) {
            RandomGraph g = RandomGraph.generate(seed * 1_000 + kind.ordinal(), 3 + (int) (seed % 13), kind);
            if (!g.opClasses().contains(kind.op)) {
                continue;
            }
            assertTrue(
                    GradCheck.compare("intact", g::evaluate, g.leaves(), seed).passed(), g::toString);
            GradCheck.Report broken;
            try (GradScope ignored = Autograd.overrideBackward(kind.op, breakage::backward)) {
                broken = GradCheck.compare("broken " + kind, g::evaluate, g.leaves(), seed);
            }
            if (!broken.passed()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void anOverrideIsGoneOnceItsScopeCloses() {
        RandomGraph g = RandomGraph.generate(7, 8, Kind.MUL);
        try (GradScope ignored = Autograd.overrideBackward(Kind.MUL.op, Breakage.IGNORES_G::backward)) {
            assertFalse(GradCheck.compare("broken", g::evaluate, g.leaves(), 7).passed(), g::toString);
        }
        assertTrue(GradCheck.compare("intact", g::evaluate, g.leaves(), 7).passed(), g::toString);
    }
}
