package dev.jgrad.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import dev.jgrad.core.testing.Gens;
import org.junit.jupiter.api.Test;

/** Shape: a value compared by its dims; NumPy broadcasting. */
class ShapeTest {
    @Test
    void shapesCompareAndPrintByValue() {
        assertEquals(Shape.of(2, 3), Shape.of(new int[] {2, 3}));
        assertEquals(Shape.of(2, 3).hashCode(), Shape.of(2, 3).hashCode());
        assertNotEquals(Shape.of(2, 3), Shape.of(3, 2));
        assertEquals("[2, 3]", Shape.of(2, 3).toString());
        assertEquals("[]", Shape.scalar().toString());
        assertEquals(1, Shape.scalar().size());
        assertTrue(Shape.scalar().isScalar());
    }

    @Test
    void rowMajorStridesAndNegativeAxes() {
        assertArrayEquals(new int[] {12, 4, 1}, Shape.of(2, 3, 4).strides());
        assertEquals(4, Shape.of(2, 3, 4).dim(-1));
        assertEquals(1, Shape.of(2, 3, 4).axis(-2));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> Shape.of(2, 3).axis(2));
        assertTrue(e.getMessage().contains("[2, 3]"), e::getMessage);
    }

    @Test
    void broadcastAlignsFromTheRight() {
        assertEquals(Shape.of(2, 3), Shape.broadcast(Shape.of(2, 1), Shape.of(3)));
        assertEquals(Shape.of(4, 2, 3), Shape.broadcast(Shape.of(4, 1, 1), Shape.of(2, 3)));
        assertEquals(Shape.of(2), Shape.broadcast(Shape.scalar(), Shape.of(2)));
        assertNull(Shape.broadcast(Shape.of(2, 3), Shape.of(4)));
    }

    @Test
    void broadcastIsCommutativeAndEveryOperandStretchesToTheResult() {
        qt().withExamples(200).forAll(Gens.broadcastPairs()).checkAssert(p -> {
            Shape out = Shape.broadcast(p.get(0), p.get(1));
            assertEquals(out, Shape.broadcast(p.get(1), p.get(0)));
            assertEquals(out, Shape.broadcast(p.get(0), out));
            assertEquals(out, Shape.broadcast(out, p.get(1)));
        });
    }
}
