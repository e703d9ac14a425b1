package dev.jgrad.bench;

import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.ops.CrossEntropy;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
 * Forward + backward of mean cross-entropy on float32 logits {@code (N, V)}: the fused node against the
 * same loss composed from public ops.
 *
 * <pre>
 *   fused      logits.crossEntropy(targets), backward()                          (one node)
 *   unfused    logits.logSoftmax(−1).reshape(−1).indexSelect(0, r·V + t_r).neg().mean(), backward()
 *   fusedNode  CrossEntropy.apply, then the node's own backward(1), bypassing the engine: what the
 *              node itself allocates, without the engine's copy of a leaf's first gradient
 *   threads    Parallel's thread count (the fused kernel splits rows; the unfused ops are serial)
 * </pre>
 *
 * Each iteration clears the gradient, as a training step after {@code zeroGrad} does. Run with JMH's
 * GC profiler to see bytes allocated per operation (one N×V float32 buffer is 4·N·V bytes):
 *
 * <pre>
 *   java -jar bench/target/benchmarks.jar CrossEntropyBench -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms3g", "-Xmx3g", "--add-modules=jdk.incubator.vector"})
public class CrossEntropyBench {
    @Param({"4096"})
    public int n;

    @Param({"512", "8192"})
    public int v;

    @Param({"1", "2"})
    public int threads;

    private Tensor logits;
    private Tensor targets;
    private Tensor flatIndex;
    private final NdArray one = NdArray.scalar(DType.FLOAT32, 1);

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads);
        Random rnd = new Random(1);
        logits = Tensor.randn(rnd, n, v).requiresGrad(true);
        int[] t = new int[n];
        int[] index = new int[n];
        for (int r = 0; r < n; r++) {
            t[r] = rnd.nextInt(v);
            index[r] = r * v + t[r];
        }
        targets = Tensor.ofInts(t);
        flatIndex = Tensor.ofInts(index);
    }

    @Benchmark
    public double fused() {
        logits.zeroGrad();
        Tensor loss = logits.crossEntropy(targets);
        loss.backward();
        return loss.item() + logits.gradValue().floats()[0];
    }

    @Benchmark
    public double unfused() {
        logits.zeroGrad();
        Tensor loss = logits.logSoftmax(-1)
                .reshape(-1)
                .indexSelect(0, flatIndex)
                .neg()
                .mean();
        loss.backward();
        return loss.item() + logits.gradValue().floats()[0];
    }

    @Benchmark
    public double fusedNode() {
        Tensor loss = CrossEntropy.apply(logits, targets);
        NdArray grad = loss.op().backward(one).get(0);
        return loss.item() + grad.floats()[0];
    }
}
