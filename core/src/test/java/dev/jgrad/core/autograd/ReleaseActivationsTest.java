package dev.jgrad.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Autograd.releaseActivations(): a backward pass hands back the storage of the intermediates it freed, and
 * only theirs. The tests run with jgrad.bufferPool.poison=true, so storage handed back by mistake reads NaN.
 */
@SuppressWarnings("try") // release scopes that exist only to be closed
class ReleaseActivationsTest {
    /** A length no other test uses, above the pool's minimum, so the pool holds only what these tests give it. */
    private static final int N = 4111;

    private static Tensor random(long seed) {
        return Tensor.randn(new Random(seed), N);
    }

    @Test
    void releasedIntermediateRefusesToBeRead() {
        Tensor w = random(1).requiresGrad(true);
        Tensor h = w.mul(w);
        Tensor loss = h.sum();
        try (GradScope ignored = Autograd.releaseActivations()) {
            loss.backward();
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, h::value);
        assertTrue(e.getMessage().contains("mul result [" + N + "] was released"), e.getMessage());
        assertThrows(IllegalStateException.class, h::item);
        assertThrows(IllegalStateException.class, h::toFloatArray);
        assertThrows(IllegalStateException.class, h::detach);
        assertEquals(Shape.of(N), h.shape(), "the shape stays readable");
        assertTrue(h.toString().contains("released"), h.toString());
    }

    @Test
    void keptValuesSurviveAndOnlyFreedStorageIsHandedOut() {
        assumeTrue(!"false".equals(System.getProperty("jgrad.bufferPool")), "recycling is off");
        Tensor w = random(2).requiresGrad(true);
        Tensor c = random(3); // an input that does not require grad
        float[] wBefore = w.toFloatArray();
        float[] cBefore = c.toFloatArray();

        Tensor h = w.mul(c);
        Tensor twice = h.mul(2);
        Tensor detached = twice.detach();
        float[] twiceBefore = detached.toFloatArray();
        Tensor viewOfLeaf = w.reshape(1, N).reshape(N); // in the graph, sharing w's storage
        Tensor loss = h.add(viewOfLeaf).add(twice).sum();
        float[] hStorage = h.value().floats();
        try (GradScope ignored = Autograd.releaseActivations()) {
            loss.backward();
        }

        assertArrayEquals(wBefore, w.toFloatArray(), "the leaf");
        assertArrayEquals(cBefore, c.toFloatArray(), "the constant input");
        assertArrayEquals(twiceBefore, detached.toFloatArray(), "the detached intermediate");
        assertArrayEquals(twiceBefore, twice.toFloatArray(), "the intermediate that was detached");
        assertEquals(loss.item(), loss.item(), "the output stays readable");
        assertFalse(Double.isNaN(loss.item()));
        float[] expectedGrad = new float[N];
        for (int i = 0; i < N; i++) {
            expectedGrad[i] = 3 * cBefore[i] + 1; // ∂/∂w of Σ (w·c + w + 2·w·c)
        }
        assertArrayEquals(expectedGrad, w.grad().toFloatArray(), 1e-5f);

        Set<float[]> handedOut = Collections.newSetFromMap(new IdentityHashMap<>());
        List<NdArray> taken = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            NdArray a = NdArray.empty(DType.FLOAT32, Shape.of(N));
            taken.add(a);
            handedOut.add(a.floats());
        }
        assertTrue(handedOut.contains(hStorage), "the freed intermediate's storage is reused");
        assertFalse(handedOut.contains(w.value().floats()), "never the leaf's (nor its views')");
        assertFalse(handedOut.contains(c.value().floats()), "never a constant input's");
        assertFalse(handedOut.contains(detached.value().floats()), "never a detached value's");
        assertArrayEquals(wBefore, w.toFloatArray(), "the leaf, after taking storage from the pool");
    }

    @Test
    void releasesOnlyInsideTheScopeAndNeverWhenTheGraphIsKept() {
        Tensor w = random(4).requiresGrad(true);
        Tensor h = w.exp();
        float[] expected = h.toFloatArray();
        h.sum().backward();
        assertArrayEquals(expected, h.toFloatArray(), "no scope");

        Tensor g = w.exp();
        try (GradScope ignored = Autograd.releaseActivations()) {
            g.sum().backward(true);
        }
        assertArrayEquals(expected, g.toFloatArray(), "retainGraph");

        try (GradScope outer = Autograd.releaseActivations()) {
            try (GradScope inner = Autograd.releaseActivations()) {
                w.exp().sum().backward();
            }
            Tensor m = w.exp();
            m.sum().backward();
            assertThrows(IllegalStateException.class, m::value, "the outer scope is still open");
        }
        Tensor k = w.exp();
        k.sum().backward();
        assertArrayEquals(expected, k.toFloatArray(), "the scope is closed");
    }
}
