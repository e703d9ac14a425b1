package dev.jgrad.bench;

import dev.jgrad.core.kernels.Gemm;
import dev.jgrad.core.kernels.Parallel;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Float32 matrix products of the shapes a small transformer LM trains with, through {@link Gemm}'s
 * public entry points, on the Vector API kernel with 1 and 2 threads and on EJML.
 *
 * <pre>
 *   shape     [batch@]M x K x N[:TT]      C[M, N] = op(A)[M, K] · op(B)[K, N], batch products
 *             TT = transpose flags of A and B (default NN), e.g. 128x4096x512:TN is xᵀ·g
 *   backend   vector-1, vector-2 (the Vector API kernel on 1 or 2 threads), ejml (EJML, 1 thread)
 *   operands  hot: one A, B, C, in cache after the first product (the default);
 *             cold: a rotation of operand sets of at least 128 MB, so each product reads A and B
 *             from memory and writes C there, as the products of a training step mostly do
 *   result    the secondary result "gflop" is the rate of 2·M·N·K·batch per second: GFLOP/s
 * </pre>
 *
 * Each (shape, backend) runs in its own fork, so {@code jgrad.gemm} and the thread count can be set
 * before the first product. Run with, e.g.:
 *
 * <pre>
 *   java -jar bench/target/benchmarks.jar GemmBench -p shape=4096x128x512 -p backend=vector-2
 *   java -jar bench/target/benchmarks.jar GemmBench -p shape=128x2048x128:TN -p backend=vector-2 -p operands=hot,cold
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--add-modules=jdk.incubator.vector"})
public class GemmBench {

    @Param({
        "4096x128x512",
        "4096x512x128",
        "1024x64x64",
        "2048x256x768",
        "2048x768x256",
        "2048x256x2048",
        "128x4096x512:TN",
        "4096x512x128:NT",
        "64@64x16x64:NT",
        "64@64x64x16"
    })
    public String shape;

    @Param({"vector-1", "vector-2", "ejml"})
    public String backend;

    @Param({"hot"})
    public String operands;

    /** Bytes of operands a cold rotation spans: well past this machine's L3 (32 MB, shared). */
    private static final long COLD_BYTES = 128L << 20;

    private int batch;
    private int m;
    private int n;
    private int k;
    private boolean transA;
    private boolean transB;
    private float[][] a;
    private float[][] b;
    private float[][] c;
    private int next;

    /** GFLOP done, reported by JMH as a rate: GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        String name = backend.startsWith("vector") ? "vector" : "ejml";
        System.setProperty("jgrad.gemm", name);
        Parallel.setThreads(backend.equals("vector-2") ? 2 : 1);
        if (!Gemm.backend().equals(name)) {
            throw new IllegalStateException("GemmBench: asked for backend " + name + ", Gemm uses " + Gemm.backend());
        }
        String dims = shape;
        int at = dims.indexOf('@');
        batch = at < 0 ? 1 : Integer.parseInt(dims.substring(0, at));
        dims = dims.substring(at + 1);
        int colon = dims.indexOf(':');
        String flags = colon < 0 ? "NN" : dims.substring(colon + 1);
        dims = colon < 0 ? dims : dims.substring(0, colon);
        String[] mkn = dims.split("x");
        m = Integer.parseInt(mkn[0]);
        k = Integer.parseInt(mkn[1]);
        n = Integer.parseInt(mkn[2]);
        transA = flags.charAt(0) == 'T';
        transB = flags.charAt(1) == 'T';
        long setBytes = 4L * batch * ((long) m * k + (long) k * n + (long) m * n);
        int sets =
                switch (operands) {
                    case "hot" -> 1;
                    case "cold" -> (int) Math.max(2, (COLD_BYTES + setBytes - 1) / setBytes);
                    default -> throw new IllegalArgumentException(
                            "GemmBench: operands must be hot or cold, got " + operands);
                };
        Random rnd = new Random(1);
        a = new float[sets][];
        b = new float[sets][];
        c = new float[sets][];
        for (int i = 0; i < sets; i++) {
            a[i] = random(rnd, batch * m * k);
            b[i] = random(rnd, batch * k * n);
            c[i] = new float[batch * m * n];
        }
    }

    private static float[] random(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = 2 * rnd.nextFloat() - 1;
        }
        return x;
    }

    @Benchmark
    public float[] sgemm(Flops flops) {
        int i = next;
        next = i + 1 == a.length ? 0 : i + 1;
        if (batch == 1) {
            Gemm.sgemm(transA, transB, m, n, k, a[i], 0, b[i], 0, c[i], 0, false);
        } else {
            Gemm.sgemmBatched(batch, transA, transB, m, n, k, a[i], 0, m * k, b[i], 0, k * n, c[i], 0, m * n, false);
        }
        flops.gflop += 2e-9 * batch * m * n * k;
        return c[i];
    }
}
