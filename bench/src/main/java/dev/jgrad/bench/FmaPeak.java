package dev.jgrad.bench;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures this machine's float32 FMA peak, the ceiling that MFU is a fraction of.
 *
 * <pre>
 *   each thread   12 independent chains c_i ← fma(c_i, b, a) on vectors of FloatVector.SPECIES_PREFERRED,
 *                 in registers (no memory traffic): enough chains to cover the FMA latency on every port
 *   reported      2 · lanes · 12 · iterations · threads / seconds, best of 5 rounds, for 1 … threads threads
 * </pre>
 *
 * The issue that set the MFU target assumed two 512-bit FMAs per cycle per core (~197 GFLOP/s per core). On the
 * AMD EPYC (Zen 4) used for bench/README.md this program measures about 117 GFLOP/s per core and 230 on two: Zen 4
 * runs a 512-bit FMA as two 256-bit halves, so a core retires 32 float32 FLOPs per cycle, not 64.
 *
 * <pre>
 *   java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar dev.jgrad.bench.FmaPeak [threads]
 * </pre>
 */
public final class FmaPeak {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final long ITERATIONS = 100_000_000L;

    private FmaPeak() {}

    public static void main(String[] args) throws InterruptedException {
        int maxThreads = args.length > 0
                ? Integer.parseInt(args[0])
                : Runtime.getRuntime().availableProcessors();
        float[] seed = new float[S.length()];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = 0.01f * i;
        }
        chains(1_000_000L, seed); // compile before timing
        for (int threads = 1; threads <= maxThreads; threads++) {
            double best = 0;
            for (int round = 0; round < 5; round++) {
                best = Math.max(best, round(threads, seed));
            }
            System.out.printf(
                    Locale.ROOT,
                    "FMA peak: %d thread(s), %d-bit vectors: %.1f GFLOP/s (%.1f per thread)%n",
                    threads,
                    S.vectorBitSize(),
                    best,
                    best / threads);
        }
    }

    /** GFLOP/s of {@code threads} threads each running the chains once. */
    private static double round(int threads, float[] seed) throws InterruptedException {
        Thread[] workers = new Thread[threads];
        float[] sink = new float[threads];
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int index = t;
            workers[t] = new Thread(() -> sink[index] = chains(ITERATIONS, seed));
            workers[t].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (Float.isNaN(sink[0])) { // keeps the result alive; never true for these inputs
            System.out.println(sink[0]);
        }
        return 2.0 * S.length() * 12 * ITERATIONS * threads / seconds / 1e9;
    }

    /** Twelve independent FMA chains over {@code iterations} steps; returns their sum so none is dead code. */
    private static float chains(long iterations, float[] seed) {
        FloatVector a = FloatVector.fromArray(S, seed, 0);
        FloatVector b = FloatVector.broadcast(S, 0.999f);
        FloatVector c0 = a, c1 = a.add(1), c2 = a.add(2), c3 = a.add(3), c4 = a.add(4), c5 = a.add(5);
        FloatVector c6 = a.add(6), c7 = a.add(7), c8 = a.add(8), c9 = a.add(9), c10 = a.add(10), c11 = a.add(11);
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(b, a);
            c1 = c1.fma(b, a);
            c2 = c2.fma(b, a);
            c3 = c3.fma(b, a);
            c4 = c4.fma(b, a);
            c5 = c5.fma(b, a);
            c6 = c6.fma(b, a);
            c7 = c7.fma(b, a);
            c8 = c8.fma(b, a);
            c9 = c9.fma(b, a);
            c10 = c10.fma(b, a);
            c11 = c11.fma(b, a);
        }
        FloatVector sum = c0.add(c1).add(c2).add(c3).add(c4).add(c5);
        sum = sum.add(c6).add(c7).add(c8).add(c9).add(c10).add(c11);
        return sum.reduceLanes(VectorOperators.ADD);
    }
}
