package dev.jgrad.bench;

import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.autograd.GradScope;
import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.data.SplitMix64;
import dev.jgrad.nn.modules.TransformerLM;
import dev.jgrad.nn.optim.AdamW;
import dev.jgrad.nn.optim.GradClip;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Times full training steps of {@link TransformerLM} on the benchmark configs S, M and L, as bench/compare.sh
 * and bench/pytorch/train_bench.py (the same model and step in PyTorch) do.
 *
 * <pre>
 *   one step   logits = model(x);  loss = crossEntropy(logits, y);  loss.backward();
 *              clipGradNorm(params, 1.0);  adamw.step();  adamw.zeroGrad()
 *   optimizer  AdamW lr 1e-3, β = (0.9, 0.95), ε = 1e-8, weight decay 0.01; constant lr (no schedule)
 *   data       one batch drawn once: B·(T+1) ids uniform in [0, vocab) from SplitMix64(seed).nextInt(vocab),
 *              row r is ids[r·(T+1) … r·(T+1)+T]; x = its first T ids, y = its last T (next-token targets).
 *              The same batch every step, so the loss falls as the model memorizes it.
 *   timing     warmup steps untimed, then the median wall time of `steps` timed steps
 *   reported   step ms (median), tokens/s = B·T / median, GFLOP/s = analytic FLOPs per step / median,
 *              MFU = GFLOP/s / peak, peak RSS (VmHWM of /proc/self/status, the whole JVM), first and last loss;
 *              for diagnosis, the mean heap allocation and GC time per timed step
 * </pre>
 *
 * <h2>The analytic FLOP count</h2>
 *
 * Only matrix products are counted (2 FLOPs per multiply-add); norms, softmax, SiLU, RoPE, the loss and AdamW are
 * left out, as in Kaplan et al. (2020) and PaLM's MFU. With L layers, model width d, FFN width f, vocab V, context
 * T and batch B, one token's forward pass multiplies
 *
 * <pre>
 *   q, k, v, output projections   4 · d·d        per layer
 *   SwiGLU w1, w3, w2             3 · d·f        per layer
 *   lm_head                       d·V            (embedding lookups are gathers: no FLOPs)
 *   together N = L·(4d² + 3df) + dV multiply-adds with weights    →  2N FLOPs
 *   scores q·kᵀ                   the token's query against all T keys, d_k per head, h heads: T·d
 *   weights · v                   the same: T·d                                     →  2·2·T·d FLOPs per layer
 * </pre>
 *
 * The attention terms count the full T×T products, masked half included, as PyTorch computes them; jgrad's
 * {@code CausalAttention} skips the blocks above the diagonal and does about 5/8 of that work, but both programs are
 * credited with the same count, so GFLOP/s compare like tokens/s. Backward
 * costs twice the forward: for y = x·W it forms ∂x = g·Wᵀ and ∂W = xᵀ·g, two products of the same size (and so for
 * the attention products). Per token, forward plus backward is 3× the forward:
 *
 * <pre>
 *   FLOPs per token  = 6N + 12·L·T·d
 *   FLOPs per step   = B·T · (6·(L·(4d² + 3df) + dV) + 12·L·T·d)
 * </pre>
 *
 * Run with, e.g.:
 *
 * <pre>
 *   java -Xms2g -Xmx2g -XX:+UseParallelGC --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *        dev.jgrad.bench.TrainBench --config all --threads 2
 * </pre>
 *
 * Each config prints one machine-readable line, e.g.
 * {@code RESULT impl=jgrad config=S threads=2 step_ms=… tokens_per_s=… gflop_per_step=… gflops=… mfu_pct=…
 * rss_mb=… loss_first=… loss_last=… alloc_mb_per_step=… gc_ms_per_step=…}. With {@code --config all}, rss_mb is the peak so far in the one JVM.
 */
public final class TrainBench {
    /** The 2-core FMA peak of the benchmark machine in GFLOP/s, for MFU (override with --peak-gflops). */
    static final double DEFAULT_PEAK_GFLOPS = 400;

    /** A benchmark config: the model's sizes and the batch. */
    record BenchConfig(String name, int vocab, int context, int dModel, int layers, int heads, int dFf, int batch) {
        TransformerLM.Config model() {
            return new TransformerLM.Config(vocab, context, dModel, layers, heads, dFf, 10000.0);
        }

        /** Matrix-product FLOPs of one training step (forward + backward); see the class comment. */
        double flopsPerStep() {
            double n = (double) layers * (4.0 * dModel * dModel + 3.0 * dModel * dFf) + (double) dModel * vocab;
            double perToken = 6 * n + 12.0 * layers * context * dModel;
            return perToken * batch * context;
        }
    }

    /** S, M, L as the issue fixes them: vocab, context, d_model, layers, heads, d_ff, batch. */
    static final Map<String, BenchConfig> CONFIGS = new LinkedHashMap<>();

    static {
        for (BenchConfig c : List.of(
                new BenchConfig("S", 256, 64, 64, 2, 4, 192, 16),
                new BenchConfig("M", 512, 128, 128, 4, 4, 384, 16),
                new BenchConfig("L", 2048, 256, 256, 4, 8, 768, 8))) {
            CONFIGS.put(c.name(), c);
        }
    }

    /** What one config measured. */
    record Result(
            BenchConfig config,
            int threads,
            double stepMs,
            double tokensPerS,
            double gflops,
            double mfuPct,
            double rssMb,
            double lossFirst,
            double lossLast,
            long parameters,
            double allocMbPerStep,
            double gcMsPerStep,
            double[] stepMsAll) {
        String line() {
            return String.format(
                    Locale.ROOT,
                    "RESULT impl=jgrad config=%s threads=%d step_ms=%.3f tokens_per_s=%.1f gflop_per_step=%.4f"
                            + " gflops=%.2f mfu_pct=%.2f rss_mb=%.1f loss_first=%.6f loss_last=%.6f alloc_mb_per_step=%.1f"
                            + " gc_ms_per_step=%.1f",
                    config.name(),
                    threads,
                    stepMs,
                    tokensPerS,
                    config.flopsPerStep() / 1e9,
                    gflops,
                    mfuPct,
                    rssMb,
                    lossFirst,
                    lossLast,
                    allocMbPerStep,
                    gcMsPerStep);
        }
    }

    private TrainBench() {}

    public static void main(String[] args) {
        String configArg = "all";
        int threads = 2;
        int warmup = 5;
        int steps = 20;
        long seed = 1234;
        double peak = DEFAULT_PEAK_GFLOPS;
        boolean verbose = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--config":
                    configArg = value(args, ++i, a);
                    break;
                case "--threads":
                    threads = intValue(args, ++i, a, 1);
                    break;
                case "--warmup":
                    warmup = intValue(args, ++i, a, 0);
                    break;
                case "--steps":
                    steps = intValue(args, ++i, a, 1);
                    break;
                case "--seed":
                    seed = Long.parseLong(value(args, ++i, a));
                    break;
                case "--peak-gflops":
                    peak = Double.parseDouble(value(args, ++i, a));
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                case "--help":
                case "-h":
                    System.out.println("usage: TrainBench [--config S|M|L|all (all)] [--threads N (2)]"
                            + " [--warmup N (5)] [--steps N (20)] [--seed N (1234)] [--peak-gflops X (400)]"
                            + " [--verbose]");
                    return;
                default:
                    throw new IllegalArgumentException("TrainBench: unknown argument \"" + a + "\" (try --help)");
            }
        }
        List<BenchConfig> configs = new ArrayList<>();
        if (configArg.equalsIgnoreCase("all")) {
            configs.addAll(CONFIGS.values());
        } else {
            for (String name : configArg.split(",")) {
                BenchConfig c = CONFIGS.get(name.trim().toUpperCase(Locale.ROOT));
                if (c == null) {
                    throw new IllegalArgumentException(
                            "TrainBench: --config " + name + " is not one of " + CONFIGS.keySet() + " or all");
                }
                configs.add(c);
            }
        }
        Parallel.setThreads(threads);
        System.out.printf(
                Locale.ROOT,
                "# jgrad TrainBench: threads %d, warmup %d, steps %d, seed %d, java %s, max heap %d MiB%n",
                threads,
                warmup,
                steps,
                seed,
                System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20);
        for (BenchConfig c : configs) {
            Result r = run(c, threads, warmup, steps, seed, peak, verbose);
            System.out.printf(
                    Locale.ROOT,
                    "# %s %s: %,d parameters; step ms min %.1f, median %.1f, max %.1f%n",
                    c.name(),
                    c,
                    r.parameters(),
                    Arrays.stream(r.stepMsAll()).min().orElse(Double.NaN),
                    r.stepMs(),
                    Arrays.stream(r.stepMsAll()).max().orElse(Double.NaN));
            System.out.println(r.line());
            System.out.flush();
        }
    }

    /** Trains config {@code c} for warmup + steps steps and measures the timed ones. */
    @SuppressWarnings("try") // the release scope exists only to be closed
    static Result run(BenchConfig c, int threads, int warmup, int steps, long seed, double peak, boolean verbose) {
        TransformerLM model = new TransformerLM(c.model(), new Random(seed));
        AdamW optimizer = new AdamW(model.namedParameters(), 1e-3, 0.9, 0.95, 1e-8, 0.01);
        List<Tensor> params = model.parameters();
        int[][] batch = batch(c, seed);
        Tensor x = Tensor.ofInts(batch[0], c.batch(), c.context());
        Tensor y = Tensor.ofInts(batch[1], c.batch(), c.context());
        double lossFirst = Double.NaN;
        double lossLast = Double.NaN;
        double[] ms = new double[steps];
        long allocBefore = 0;
        long gcBefore = 0;
        for (int s = 0; s < warmup + steps; s++) {
            if (s == warmup) {
                allocBefore = allocatedBytes();
                gcBefore = gcMillis();
            }
            long t0 = System.nanoTime();
            Tensor loss = model.forward(x).crossEntropy(y);
            double l = loss.item();
            try (GradScope ignored = Autograd.releaseActivations()) {
                loss.backward(); // as the trainer does
            }
            GradClip.clipGradNorm(params, 1.0);
            optimizer.step();
            optimizer.zeroGrad();
            long t1 = System.nanoTime();
            if (!Double.isFinite(l)) {
                throw new IllegalStateException(
                        "TrainBench: config " + c.name() + " diverged at step " + (s + 1) + ": loss " + l);
            }
            if (s == 0) {
                lossFirst = l;
            }
            lossLast = l;
            if (s >= warmup) {
                ms[s - warmup] = (t1 - t0) / 1e6;
            }
            if (verbose) {
                System.out.printf(
                        Locale.ROOT,
                        "# %s step %d%s: %.1f ms, loss %.4f%n",
                        c.name(),
                        s + 1,
                        s < warmup ? " (warmup)" : "",
                        (t1 - t0) / 1e6,
                        l);
            }
        }
        double allocMb = (allocatedBytes() - allocBefore) / (1024.0 * 1024.0) / steps;
        double gcMs = (double) (gcMillis() - gcBefore) / steps;
        double median = median(ms);
        double tokensPerS = (double) c.batch() * c.context() / (median / 1e3);
        double gflops = c.flopsPerStep() / 1e9 / (median / 1e3);
        return new Result(
                c,
                threads,
                median,
                tokensPerS,
                gflops,
                100 * gflops / peak,
                peakRssMb(),
                lossFirst,
                lossLast,
                model.numParameters(),
                allocMb,
                gcMs,
                ms);
    }

    /**
     * The benchmark batch: inputs and next-token targets, each B·T ids, from one stream of B·(T+1) ids
     * {@code SplitMix64(seed).nextInt(vocab)} (bench/pytorch/train_bench.py draws the same ids).
     */
    static int[][] batch(BenchConfig c, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        int b = c.batch(), t = c.context();
        int[] x = new int[b * t];
        int[] y = new int[b * t];
        for (int r = 0; r < b; r++) {
            int prev = rng.nextInt(c.vocab());
            for (int j = 0; j < t; j++) {
                int next = rng.nextInt(c.vocab());
                x[r * t + j] = prev;
                y[r * t + j] = next;
                prev = next;
            }
        }
        return new int[][] {x, y};
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * Bytes allocated on the Java heap so far by the threads alive now (the caller and jgrad's pool), or −1 where
     * the JVM cannot tell.
     */
    static long allocatedBytes() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean)) {
            return -1;
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!threads.isThreadAllocatedMemorySupported() || !threads.isThreadAllocatedMemoryEnabled()) {
            return -1;
        }
        long sum = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, bytes);
        }
        return sum;
    }

    /** Milliseconds the garbage collectors have spent so far, summed over collectors (pauses, for ParallelGC). */
    static long gcMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, gc.getCollectionTime());
        }
        return sum;
    }

    /** The process's peak resident set (VmHWM) in MiB, or NaN where /proc/self/status is missing (not Linux). */
    static double peakRssMb() {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return Double.NaN;
        }
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) / 1024.0; // kB
                }
            }
            return Double.NaN;
        } catch (IOException e) {
            throw new UncheckedIOException("TrainBench: cannot read " + status, e);
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException("TrainBench: " + flag + " needs a value");
        }
        return args[i];
    }

    private static int intValue(String[] args, int i, String flag, int min) {
        String v = value(args, i, flag);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("TrainBench: " + flag + " needs an integer, got \"" + v + "\"", e);
        }
        if (n < min) {
            throw new IllegalArgumentException("TrainBench: " + flag + " must be ≥ " + min + ", got " + n);
        }
        return n;
    }
}
