package dev.jgrad.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;

import dev.jgrad.core.testing.Gens;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * The broadcasting loops (merged dims, unit-stride and scalar fast paths, flat loops split over threads)
 * against a reference that computes every element from its multi-index, one at a time.
 */
class NdArrayLoopsTest {
    /** Broadcast pairs of rank ≤ 3, each dim scaled by 1 or 13, in both float types; all four operations. */
    @Test
    void arithMatchesElementByElementBroadcasting() {
        qt().withExamples(60)
                .forAll(Gens.broadcastPairs(), Generate.range(0, 1), Generate.booleans(), Gens.seeds())
                .checkAssert((pair, big, f32, seed) -> {
                    int scale = big == 1 ? 13 : 1;
                    Random rnd = new Random(seed);
                    DType dtype = f32 ? DType.FLOAT32 : DType.FLOAT64;
                    NdArray a = random(rnd, dtype, scaled(pair.get(0), scale));
                    NdArray b = random(rnd, dtype, scaled(pair.get(1), scale));
                    for (NdArray.Arith kind : NdArray.Arith.values()) {
                        NdArray fast = a.arith(kind, b);
                        NdArray slow = reference(kind, a, b);
                        assertEquals(slow.shape(), fast.shape());
                        assertArrayEquals(
                                slow.toDoubleArray(),
                                fast.toDoubleArray(),
                                0,
                                kind + " " + a.shape() + " " + b.shape());
                    }
                });
    }

    /** Same shapes and scalar operands large enough to be split over threads (flat loops). */
    @Test
    void largeFlatOperandsMatchTheReference() {
        Random rnd = new Random(3);
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
            NdArray a = random(rnd, dtype, Shape.of(7, 211, 97));
            NdArray b = random(rnd, dtype, Shape.of(7, 211, 97));
            NdArray s = random(rnd, dtype, Shape.of(1, 1));
            for (NdArray.Arith kind : NdArray.Arith.values()) {
                assertArrayEquals(
                        reference(kind, a, b).toDoubleArray(), a.arith(kind, b).toDoubleArray(), 0);
                assertArrayEquals(
                        reference(kind, a, s).toDoubleArray(), a.arith(kind, s).toDoubleArray(), 0);
                assertArrayEquals(
                        reference(kind, s, a).toDoubleArray(), s.arith(kind, a).toDoubleArray(), 0);
            }
        }
    }

    /** map splits large arrays over threads; every element is still fn of its own input. */
    @Test
    void mapOfALargeArrayMatchesAnElementLoop() {
        Random rnd = new Random(8);
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
            NdArray a = random(rnd, dtype, Shape.of(3, 70_001));
            NdArray y = a.map(Math::tanh);
            for (int i = 0; i < a.size(); i++) {
                double expected = dtype == DType.FLOAT32 ? (float) Math.tanh(a.get(i)) : Math.tanh(a.get(i));
                if (y.get(i) != expected) {
                    throw new AssertionError(dtype + " map at " + i + ": " + y.get(i) + " vs " + expected);
                }
            }
        }
        NdArray ints = NdArray.wrap(new int[] {1, -2, 3}, Shape.of(3));
        assertArrayEquals(new int[] {2, -4, 6}, ints.map(v -> 2 * v).ints());
    }

    /** sumTo undoes a broadcast: each target element is the sum of the elements broadcast from it. */
    @Test
    void sumToMatchesElementByElementSums() {
        qt().withExamples(60)
                .forAll(Gens.broadcastSources(), Generate.range(0, 1), Generate.booleans(), Gens.seeds())
                .checkAssert((pair, big, f32, seed) -> {
                    int scale = big == 1 ? 11 : 1;
                    Shape full = scaled(pair.get(0), scale);
                    Shape target = scaled(pair.get(1), scale);
                    // dims that are 1 in the source stay 1; scaling keeps them broadcastable
                    NdArray x = random(new Random(seed), f32 ? DType.FLOAT32 : DType.FLOAT64, full);
                    NdArray fast = x.sumTo(target);
                    double[] slow = new double[target.size()];
                    int[] idx = new int[full.rank()];
                    for (int i = 0; i < full.size(); i++) {
                        unflatten(i, full, idx);
                        slow[broadcastIndex(idx, full, target)] += x.get(i);
                    }
                    assertEquals(target, fast.shape());
                    // n sequential float additions are each off by at most half a spacing of the running sum
                    double largest = Arrays.stream(slow).max().orElse(0);
                    double n = (double) full.size() / target.size();
                    double tol = f32 ? n * Math.ulp((float) largest) : 1e-9;
                    assertArrayEquals(slow, fast.toDoubleArray(), tol, full + " → " + target);
                });
    }

    private static Shape scaled(Shape s, int scale) {
        return Shape.of(Arrays.stream(s.dims()).map(d -> d == 1 ? 1 : d * scale).toArray());
    }

    private static NdArray random(Random rnd, DType dtype, Shape shape) {
        NdArray a = NdArray.zeros(dtype, shape);
        for (int i = 0; i < a.size(); i++) {
            a.set(i, 0.5 + rnd.nextDouble()); // away from 0, so division is tame
        }
        return a;
    }

    private static NdArray reference(NdArray.Arith kind, NdArray a, NdArray b) {
        Shape out = Shape.broadcast(a.shape(), b.shape());
        NdArray z = NdArray.zeros(a.dtype(), out);
        int[] idx = new int[out.rank()];
        for (int i = 0; i < out.size(); i++) {
            unflatten(i, out, idx);
            double x = a.get(broadcastIndex(idx, out, a.shape()));
            double y = b.get(broadcastIndex(idx, out, b.shape()));
            double r;
            if (a.dtype() == DType.FLOAT32) { // one float operation, as the kernels do
                float fx = (float) x;
                float fy = (float) y;
                r = kind == NdArray.Arith.ADD
                        ? fx + fy
                        : kind == NdArray.Arith.SUB ? fx - fy : kind == NdArray.Arith.MUL ? fx * fy : fx / fy;
            } else {
                r = kind == NdArray.Arith.ADD
                        ? x + y
                        : kind == NdArray.Arith.SUB ? x - y : kind == NdArray.Arith.MUL ? x * y : x / y;
            }
            z.set(i, r);
        }
        return z;
    }

    private static void unflatten(int flat, Shape s, int[] idx) {
        for (int d = s.rank() - 1; d >= 0; d--) {
            idx[d] = flat % s.dim(d);
            flat /= s.dim(d);
        }
    }

    /** The flat index in {@code in} of the element that broadcasting puts at {@code idx} of {@code out}. */
    private static int broadcastIndex(int[] idx, Shape out, Shape in) {
        int shift = out.rank() - in.rank();
        int flat = 0;
        for (int d = 0; d < in.rank(); d++) {
            int i = in.dim(d) == 1 ? 0 : idx[d + shift];
            flat = flat * in.dim(d) + i;
        }
        return flat;
    }
}
