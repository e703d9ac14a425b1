package dev.jgrad.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.ops.Linear;
import org.junit.jupiter.api.Test;

/** NdArray.empty takes recycled storage of the same length; small arrays and int arrays are never pooled. */
class BufferPoolTest {
    /** A length no other test uses, so that the shared pool holds none of it. */
    private static final int N = 5 * 2459; // more than MIN_LENGTH

    @Test
    void emptyReusesRecycledStorageOfTheSameLength() {
        assumeTrue(BufferPool.enabled(), "jgrad.bufferPool=false");
        NdArray a = NdArray.empty(DType.FLOAT32, Shape.of(N));
        float[] storage = a.floats();
        a.recycle();
        NdArray b = NdArray.empty(DType.FLOAT32, Shape.of(5, N / 5));
        assertSame(storage, b.floats(), "the same length gets the recycled array, whatever the shape");
        assertNotSame(storage, NdArray.empty(DType.FLOAT32, Shape.of(N)).floats(), "each array is handed out once");

        NdArray d = NdArray.empty(DType.FLOAT64, Shape.of(N));
        double[] doubles = d.doubles();
        d.recycle();
        assertSame(doubles, NdArray.empty(DType.FLOAT64, Shape.of(N)).doubles());
    }

    @Test
    void smallArraysAreNotPooled() {
        NdArray a = NdArray.empty(DType.FLOAT32, Shape.of(BufferPool.MIN_LENGTH - 1));
        float[] storage = a.floats();
        a.recycle();
        assertNotSame(
                storage,
                NdArray.empty(DType.FLOAT32, Shape.of(BufferPool.MIN_LENGTH - 1))
                        .floats());
    }

    /** The tests run with jgrad.bufferPool.poison=true: recycled storage reads NaN until it is overwritten. */
    @Test
    void poisonedStorageIsNaN() {
        assumeTrue(BufferPool.enabled() && Boolean.getBoolean("jgrad.bufferPool.poison"), "poison is off");
        NdArray a = NdArray.empty(DType.FLOAT32, Shape.of(N + 1));
        a.fillInPlace(1);
        a.recycle();
        NdArray b = NdArray.empty(DType.FLOAT32, Shape.of(N + 1));
        for (float v : b.floats()) {
            assertTrue(Float.isNaN(v));
        }
    }

    /** An int array (token ids, targets) never goes to the pool and always comes back as zeros. */
    @Test
    void intArraysAreNewZeros() {
        NdArray a = NdArray.empty(DType.INT32, Shape.of(N));
        a.recycle();
        for (int v : NdArray.empty(DType.INT32, Shape.of(N)).ints()) {
            assertEquals(0, v);
        }
    }

    /** Backward recycles a consumed intermediate gradient: the pool grows, and a leaf keeps its own. */
    @Test
    void backwardRecyclesConsumedGradientsOnly() {
        assumeTrue(BufferPool.enabled(), "jgrad.bufferPool=false");
        int rows = 2 * BufferPool.MIN_LENGTH + 1;
        Tensor w = Tensor.ones(8, 8).requiresGrad(true);
        Tensor x = Tensor.ones(rows, 8).requiresGrad(true);
        Tensor h = Linear.apply(x, w, null); // [rows, 8], all 8
        Tensor y = Linear.apply(h, w, null); // all 64
        long before = BufferPool.pooledBytes();
        Autograd.backward(y.sum(), null, false);
        assertTrue(BufferPool.pooledBytes() > before, "∂h, consumed by the first linear's backward, is recycled");
        assertEquals(64, x.gradValue().get(0), 0.0); // ∂h = g·w = 8, ∂x = ∂h·w = 64
        assertEquals(16.0 * rows, w.gradValue().get(0), 0.0); // ∂w = gᵀ·h + ∂hᵀ·x = 8·rows + 8·rows
    }

    /**
     * A gradient that passes through a view op (reshape) stays the engine's own: the linear after the reshape
     * consumes it and hands it back, as when the two linears meet directly.
     */
    @Test
    void gradientsPassedThroughReshapeAreStillRecycled() {
        assumeTrue(BufferPool.enabled(), "jgrad.bufferPool=false");
        int rows = 2 * BufferPool.MIN_LENGTH + 3;
        long direct = recycledBytes(rows, false);
        long throughReshape = recycledBytes(rows, true);
        assertEquals((long) rows * 8 * Float.BYTES, direct, "∂h, consumed by the first linear");
        assertEquals(direct, throughReshape, "∂h reshaped on its way to the first linear");
    }

    /** Bytes handed back by backward through linear → (reshape →) linear → sum, and checks the gradient. */
    private static long recycledBytes(int rows, boolean reshape) {
        Tensor w = Tensor.ones(8, 8).requiresGrad(true);
        Tensor x = Tensor.ones(rows, 8).requiresGrad(true);
        Tensor h = Linear.apply(x, w, null); // all 8
        if (reshape) {
            h = h.reshape(1, rows, 8);
        }
        Tensor y = Linear.apply(h, w, null); // all 64
        long before = BufferPool.pooledBytes();
        Autograd.backward(y.sum(), null, false);
        long recycled = BufferPool.pooledBytes() - before;
        assertEquals(64, x.gradValue().get(0), 0.0);
        assertEquals(64, x.gradValue().get(x.numel() - 1), 0.0);
        return recycled;
    }
}
