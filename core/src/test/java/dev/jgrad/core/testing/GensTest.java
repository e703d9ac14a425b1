package dev.jgrad.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The shared generators keep their promises, since every gradient property (here and in nn) relies on them. */
class GensTest {
    @Test
    void shapesHaveRank0To3AndDims1To4() {
        qt().withExamples(200).forAll(Gens.shapes()).checkAssert(s -> {
            assertTrue(s.rank() <= Gens.MAX_RANK, s::toString);
            for (int d : s.dims()) {
                assertTrue(d >= 1 && d <= Gens.MAX_DIM, s::toString);
            }
        });
    }

    @Test
    void broadcastShapesBroadcastTogether() {
        qt().withExamples(200).forAll(Gens.broadcastShapes(3)).checkAssert(shapes -> {
            assertEquals(3, shapes.size());
            Shape out = Shape.broadcast(Shape.broadcast(shapes.get(0), shapes.get(1)), shapes.get(2));
            assertNotNull(out, shapes::toString);
        });
    }

    @Test
    void broadcastSourcesBroadcastToTheirTarget() {
        qt().withExamples(200).forAll(Gens.broadcastSources()).checkAssert(pair -> {
            assertEquals(pair.get(0), Shape.broadcast(pair.get(1), pair.get(0)), pair::toString);
        });
    }

    @Test
    void inputsAreFloat64LeavesThatRequireGrad() {
        Random rnd = new Random(5);
        for (Tensor t : List.of(
                Gens.input(rnd, Shape.of(2, 3)),
                Gens.positiveInput(rnd, Shape.of(4)),
                Gens.awayFromZero(rnd, Shape.scalar(), 0.1),
                Gens.distinctInput(rnd, Shape.of(3, 3), 0.1),
                Gens.input(new double[] {1, 2}, 2))) {
            assertEquals(DType.FLOAT64, t.dtype());
            assertTrue(t.requiresGrad() && t.isLeaf());
        }
        assertEquals(Shape.scalar(), Gens.input(new double[] {1}).shape());
        assertEquals(Shape.scalar(), Gens.awayFromZero(rnd, Shape.scalar(), 0.1).shape());
    }

    @Test
    void domainRestrictedInputsStayInTheirDomain() {
        qt().withExamples(50).forAll(Gens.shapes(), Gens.seeds()).checkAssert((shape, seed) -> {
            Random rnd = new Random(seed);
            for (double v : Gens.positiveInput(rnd, shape).toDoubleArray()) {
                assertTrue(v >= 0.5 && v < 2, () -> "positive input " + v);
            }
            for (double v : Gens.awayFromZero(rnd, shape, 0.1).toDoubleArray()) {
                assertTrue(Math.abs(v) >= 0.1, () -> "away-from-zero input " + v);
            }
            double[] d = Gens.distinctInput(rnd, shape, 0.1).toDoubleArray();
            Arrays.sort(d);
            for (int i = 1; i < d.length; i++) {
                assertTrue(d[i] - d[i - 1] >= 0.15 - 1e-12, () -> "distinct input gap in " + Arrays.toString(d));
            }
        });
    }
}
