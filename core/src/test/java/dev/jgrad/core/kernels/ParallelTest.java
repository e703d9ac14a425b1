package dev.jgrad.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ParallelTest {

    /** The chunks a loop ran, sorted by start. */
    private static List<List<Integer>> chunksRun(int n, int grain, int threads) {
        ConcurrentLinkedQueue<List<Integer>> seen = new ConcurrentLinkedQueue<>();
        Parallel.forRange(n, grain, threads, (from, to) -> seen.add(List.of(from, to)));
        List<List<Integer>> sorted = new ArrayList<>(seen);
        sorted.sort(Comparator.comparing(c -> c.get(0)));
        return sorted;
    }

    @Test
    void chunksDependOnlyOnNAndGrain() {
        qt().withExamples(200)
                .forAll(
                        integers().between(0, 1000),
                        integers().between(1, 60),
                        integers().between(1, 4))
                .checkAssert((n, grain, threads) -> {
                    List<List<Integer>> expected = new ArrayList<>();
                    for (int from = 0; from < n; from += grain) {
                        expected.add(List.of(from, Math.min(n, from + grain)));
                    }
                    assertEquals(expected, chunksRun(n, grain, threads), "n = " + n + ", grain = " + grain);
                });
    }

    @Test
    void twoChunksRunAtTheSameTimeOnTwoThreads() {
        assumeTrue(Parallel.threads() >= 2, "needs a pool of at least 2 threads");
        // Each chunk waits for the other at a barrier: only two threads at once can get past it.
        CyclicBarrier barrier = new CyclicBarrier(2);
        assertTimeoutPreemptively(
                Duration.ofSeconds(30),
                () -> Parallel.forRange(2, 1, (from, to) -> {
                    try {
                        barrier.await(20, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException("the two chunks did not meet", e);
                    }
                }));
    }

    @Test
    void aLoopInsideALoopRunsInlineWithoutDeadlock() {
        int outer = 8;
        AtomicInteger innerIndices = new AtomicInteger();
        AtomicInteger foreignThreads = new AtomicInteger();
        assertTimeoutPreemptively(
                Duration.ofSeconds(30),
                () -> Parallel.forRange(outer, 1, (from, to) -> {
                    Thread me = Thread.currentThread();
                    boolean onPoolThread = Parallel.inWorker(); // the caller's own chunks may still fan out
                    Parallel.forRange(100, 1, (f, t) -> {
                        innerIndices.addAndGet(t - f);
                        if (onPoolThread && Thread.currentThread() != me) {
                            foreignThreads.incrementAndGet();
                        }
                    });
                }));
        assertEquals(outer * 100, innerIndices.get());
        assertEquals(0, foreignThreads.get(), "an inner loop on a pool thread must stay on that thread");
    }

    @Test
    void anExceptionInTheBodyReachesTheCaller() {
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> Parallel.forRange(10, 1, (from, to) -> {
                    if (from == 7) {
                        throw new IllegalStateException("chunk 7 failed");
                    }
                }));
        assertEquals("chunk 7 failed", e.getMessage());
        // The pool still works afterwards.
        AtomicInteger sum = new AtomicInteger();
        Parallel.forRange(10, 1, (from, to) -> sum.addAndGet(from));
        assertEquals(45, sum.get());
    }

    @Test
    void emptyRangeRunsNothing() {
        AtomicInteger calls = new AtomicInteger();
        Parallel.forRange(0, (from, to) -> calls.incrementAndGet());
        assertEquals(0, calls.get());
    }

    @Test
    void badArgumentsAndLateResizesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.forRange(-1, 1, (from, to) -> {}));
        assertThrows(IllegalArgumentException.class, () -> Parallel.forRange(5, 0, (from, to) -> {}));
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
        int threads = Parallel.threads();
        Parallel.setThreads(threads); // the value in force: allowed at any time
        assumeTrue(threads >= 2, "the pool only starts with 2 or more threads");
        Parallel.forRange(4, 1, (from, to) -> {}); // makes sure the pool has started
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.setThreads(threads + 1));
        assertTrue(e.getMessage().contains("already runs with " + threads + " threads"), e.getMessage());
        assertEquals(threads, Parallel.threads());
    }
}
