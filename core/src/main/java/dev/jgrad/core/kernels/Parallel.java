package dev.jgrad.core.kernels;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Data-parallel loops over an index range {@code [0, n)} on one fixed pool of daemon threads.
 *
 * <pre>
 *   chunks    [0, n) is cut into ⌈n / grain⌉ chunks [c·grain, min(n, (c+1)·grain))
 *   threads   the caller and up to threads() − 1 pool threads take chunks from a shared counter
 * </pre>
 *
 * <p>The chunk boundaries depend only on {@code n} and {@code grain}, never on timing or on the
 * number of threads; only <em>which</em> thread runs a chunk does. So a body whose chunks write
 * disjoint outputs, each computed in a fixed order, gives bit-identical results with 1 thread or
 * many. Taking chunks from a counter (instead of handing each thread a fixed share) keeps both cores
 * busy when another process steals one of them.
 *
 * <p>The loop runs inline on the calling thread, chunk by chunk in order, when there is only one
 * chunk, when the pool has one thread, or when the caller is itself a pool thread: a body may call
 * {@code forRange} again without deadlocking the pool.
 *
 * <p>The number of threads is {@code Runtime.availableProcessors()} unless the system property
 * {@code jgrad.threads} or {@link #setThreads} says otherwise; it is fixed once the pool has started.
 */
public final class Parallel {

    /** A loop body: handles the indices {@code [from, to)}. */
    @FunctionalInterface
    public interface IntRange {
        void apply(int from, int to);
    }

    private static final Object LOCK = new Object();
    private static volatile int threads; // 0 until decided; read without the lock once set
    private static volatile ThreadPoolExecutor pool; // null until the first parallel loop

    private Parallel() {}

    /** The number of threads a parallel loop may use, the caller included. */
    public static int threads() {
        int decided = threads; // every product and loop asks: no lock once the number is known
        if (decided != 0) {
            return decided;
        }
        synchronized (LOCK) {
            if (threads == 0) {
                threads = threadsFromProperty();
            }
            return threads;
        }
    }

    /**
     * Sets the number of threads, the caller included. May be called before the first parallel loop,
     * or later with the value already in force.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     * @throws IllegalStateException if the pool already runs with a different number of threads
     */
    public static void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("Parallel.setThreads: need at least 1 thread, got " + n);
        }
        synchronized (LOCK) {
            if (pool != null && threads != n) {
                throw new IllegalStateException("Parallel.setThreads(" + n + "): the pool already runs with " + threads
                        + " threads; call setThreads before the first parallel loop");
            }
            threads = n;
        }
    }

    /** Whether the current thread belongs to the pool (a loop started here runs inline). */
    public static boolean inWorker() {
        return Thread.currentThread() instanceof Worker;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of one index each; for bodies where one index is
     * a lot of work (a batch item, a block of matrix rows).
     */
    public static void forRange(int n, IntRange body) {
        forRange(n, 1, body);
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of {@code grain} indices (the last may be
     * shorter), in parallel when there is more than one chunk. Choose {@code grain} so that one chunk
     * is worth at least some tens of microseconds; with {@code n ≤ grain} the loop runs inline.
     *
     * @throws IllegalArgumentException if {@code n < 0} or {@code grain < 1}
     */
    public static void forRange(int n, int grain, IntRange body) {
        forRange(n, grain, threads(), body);
    }

    /** As {@link #forRange(int, int, IntRange)} with at most {@code maxThreads} threads (the caller included). */
    static void forRange(int n, int grain, int maxThreads, IntRange body) {
        if (n < 0 || grain < 1) {
            throw new IllegalArgumentException(
                    "Parallel.forRange: need n ≥ 0 and grain ≥ 1, got n = " + n + ", grain = " + grain);
        }
        int chunks = (int) (((long) n + grain - 1) / grain);
        int helpers = Math.min(Math.min(maxThreads, threads()), chunks) - 1;
        if (helpers <= 0 || inWorker()) {
            for (int c = 0; c < chunks; c++) {
                body.apply(c * grain, (int) Math.min(n, (long) (c + 1) * grain));
            }
            return;
        }
        Loop loop = new Loop(n, grain, chunks, body);
        ThreadPoolExecutor p = pool();
        for (int h = 0; h < helpers; h++) {
            p.execute(loop::runChunks);
        }
        loop.runChunks();
        loop.await();
    }

    private static ThreadPoolExecutor pool() {
        ThreadPoolExecutor p = pool;
        if (p == null) {
            synchronized (LOCK) {
                p = pool;
                if (p == null) {
                    int size = Math.max(1, threads() - 1); // the caller is the other thread
                    AtomicInteger count = new AtomicInteger();
                    p = new ThreadPoolExecutor(
                            size,
                            size,
                            0,
                            TimeUnit.SECONDS,
                            new SpinningQueue(),
                            r -> new Worker(r, "jgrad-parallel-" + count.incrementAndGet()));
                    pool = p;
                }
            }
        }
        return p;
    }

    private static int threadsFromProperty() {
        String value = System.getProperty("jgrad.threads");
        if (value == null || value.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "Parallel: system property jgrad.threads must be a positive integer, got \"" + value + "\"");
    }

    /**
     * The pool's work queue. A worker that finds it empty spins for up to {@link #SPIN_NANOS} before
     * parking: a training step runs hundreds of short parallel loops back to back, and waking a parked
     * thread for each (tens of microseconds) made two threads slower than one on small models.
     */
    private static final class SpinningQueue extends LinkedBlockingQueue<Runnable> {
        private static final long serialVersionUID = 1L;
        private static final long SPIN_NANOS = 200_000;

        @Override
        public Runnable take() throws InterruptedException {
            long deadline = System.nanoTime() + SPIN_NANOS;
            do {
                Runnable r = poll();
                if (r != null) {
                    return r;
                }
                Thread.onSpinWait();
            } while (System.nanoTime() - deadline < 0);
            return super.take();
        }
    }

    /** A pool thread; loops started on one run inline. */
    private static final class Worker extends Thread {
        Worker(Runnable r, String name) {
            super(r, name);
            setDaemon(true);
        }
    }

    /** One parallel loop: chunks are claimed from {@code next}; {@code done} counts finished ones. */
    private static final class Loop {
        private final int n;
        private final int grain;
        private final int chunks;
        private final IntRange body;
        private final AtomicInteger next = new AtomicInteger();
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Loop(int n, int grain, int chunks, IntRange body) {
            this.n = n;
            this.grain = grain;
            this.chunks = chunks;
            this.body = body;
            this.done = new CountDownLatch(chunks);
        }

        void runChunks() {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) { // after a failure the remaining chunks are skipped
                        body.apply(c * grain, (int) Math.min(n, (long) (c + 1) * grain));
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            }
        }

        void await() {
            long deadline = System.nanoTime() + SpinningQueue.SPIN_NANOS; // the other chunks are usually near done
            while (done.getCount() > 0 && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the chunks in flight must finish before we return
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException) {
                throw (RuntimeException) t;
            }
            if (t instanceof Error) {
                throw (Error) t;
            }
            if (t != null) {
                throw new IllegalStateException("Parallel.forRange: loop body failed", t);
            }
        }
    }
}
