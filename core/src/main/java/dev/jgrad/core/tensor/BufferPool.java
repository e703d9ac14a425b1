package dev.jgrad.core.tensor;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Storage handed back for reuse, so that a training step's big buffers are recycled instead of allocated
 * again: in Java every new array is zeroed by the allocating thread, while the other threads wait, and
 * every allocated byte brings the next garbage collection closer. Autograd gives back the gradients that
 * only it holds, once they are consumed, and ops give back what they saved for backward only, once it has
 * run (attention's P, the SwiGLU gate's sigmoid; {@code Op.releaseSaved}), and under
 * {@code Autograd.releaseActivations()} a backward pass gives back the graph's intermediate values, all through
 * {@link NdArray#recycle}; ops that overwrite every element of a result take their storage from here
 * ({@link NdArray#empty}). A training step repeats its shapes, so a step's backward pass reuses its own
 * consumed gradients, and the next forward pass the last one's activations.
 *
 * <p>Arrays are kept by exact length, only from {@link #MIN_LENGTH} elements up (smaller ones are cheap
 * to allocate), and at most {@link #capacityBytes()} bytes in all; beyond that a given-back array is left
 * to the garbage collector.
 *
 * <p>System properties: {@code jgrad.bufferPool=false} turns recycling off (every {@code empty} is a new
 * zeroed array); {@code jgrad.bufferPoolMb} sets the capacity (default: a third of the maximum heap,
 * enough for the activations of a training step that fits the heap comfortably);
 * {@code jgrad.bufferPool.poison=true} fills every given-back array with NaN, so that a result that does
 * not overwrite all of its storage shows up as NaN (the tests run with it).
 */
final class BufferPool {
    /** Arrays shorter than this are not kept. */
    static final int MIN_LENGTH = 4096;

    private static final boolean ENABLED = !"false".equals(System.getProperty("jgrad.bufferPool"));
    private static final boolean POISON = Boolean.getBoolean("jgrad.bufferPool.poison");
    private static final long CAPACITY = capacityFromProperty();

    /** Free arrays by element size and length: key (bytes per element) << 32 | length. */
    private static final Map<Long, ArrayDeque<Object>> FREE = new HashMap<>();

    private static long pooledBytes;

    private BufferPool() {}

    /** A float array of length n: a given-back one if there is one (contents unspecified), else a new one. */
    static float[] floats(int n) {
        Object a = take(Float.BYTES, n);
        return a != null ? (float[]) a : new float[n];
    }

    /** A double array of length n, as {@link #floats}. */
    static double[] doubles(int n) {
        Object a = take(Double.BYTES, n);
        return a != null ? (double[]) a : new double[n];
    }

    /** Keeps {@code a} for reuse, if it is long enough and there is room. */
    static void give(float[] a) {
        if (ENABLED && a.length >= MIN_LENGTH) {
            if (POISON) {
                Arrays.fill(a, Float.NaN);
            }
            put(Float.BYTES, a.length, a);
        }
    }

    /** Keeps {@code a} for reuse, as {@link #give(float[])}. */
    static void give(double[] a) {
        if (ENABLED && a.length >= MIN_LENGTH) {
            if (POISON) {
                Arrays.fill(a, Double.NaN);
            }
            put(Double.BYTES, a.length, a);
        }
    }

    private static synchronized Object take(int elementBytes, int n) {
        if (!ENABLED || n < MIN_LENGTH) {
            return null;
        }
        ArrayDeque<Object> free = FREE.get(key(elementBytes, n));
        if (free == null || free.isEmpty()) {
            return null;
        }
        pooledBytes -= (long) elementBytes * n;
        return free.pop();
    }

    private static synchronized void put(int elementBytes, int n, Object array) {
        long bytes = (long) elementBytes * n;
        if (pooledBytes + bytes <= CAPACITY) {
            FREE.computeIfAbsent(key(elementBytes, n), k -> new ArrayDeque<>()).push(array);
            pooledBytes += bytes;
        }
    }

    private static long key(int elementBytes, int n) {
        return (long) elementBytes << 32 | n;
    }

    /** Bytes held for reuse now. */
    static synchronized long pooledBytes() {
        return pooledBytes;
    }

    /** The most bytes held at once. */
    static long capacityBytes() {
        return CAPACITY;
    }

    /** Whether recycling is on ({@code jgrad.bufferPool} is not {@code false}). */
    static boolean enabled() {
        return ENABLED;
    }

    private static long capacityFromProperty() {
        String mb = System.getProperty("jgrad.bufferPoolMb");
        if (mb == null || mb.isBlank()) {
            return Runtime.getRuntime().maxMemory() / 3;
        }
        try {
            long value = Long.parseLong(mb.trim());
            if (value >= 0) {
                return value << 20;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("jgrad.bufferPoolMb must be a whole number of MiB ≥ 0, got \"" + mb + "\"");
    }
}
