package dev.jgrad.nn.optim;

/**
 * A learning rate as a function of the step number t = 0, 1, 2, …; the training loop calls
 * {@link #apply(Optimizer, long)} before each step.
 */
public interface LrSchedule {
    /** The learning rate for step {@code t ≥ 0}. */
    double lr(long t);

    /** Sets {@code optimizer}'s learning rate for step {@code t} and returns it. */
    default double apply(Optimizer optimizer, long t) {
        double lr = lr(t);
        optimizer.setLr(lr);
        return lr;
    }

    /** The same rate at every step. */
    static LrSchedule constant(double lr) {
        return new Constant(lr);
    }

    /** Linear warmup, then a half cosine down to {@code minLr}; see {@link CosineWithWarmup}. */
    static LrSchedule cosine(double maxLr, double minLr, long warmupIters, long cosineCycleIters) {
        return new CosineWithWarmup(maxLr, minLr, warmupIters, cosineCycleIters);
    }

    /** α(t) = α for every t. */
    record Constant(double lr) implements LrSchedule {
        public Constant {
            checkRate("constant", "lr", lr);
        }

        @Override
        public double lr(long t) {
            checkStep(t);
            return lr;
        }
    }

    /**
     * Cosine annealing with linear warmup, as in CS336's {@code get_lr_cosine_schedule}.
     *
     * <pre>
     *   t &lt; T_w            α = t / T_w · α_max                                      warmup from 0
     *   T_w ≤ t ≤ T_c      α = α_min + ½ (1 + cos((t − T_w) / (T_c − T_w) · π)) (α_max − α_min)
     *   t &gt; T_c            α = α_min
     * </pre>
     *
     * So α(T_w) = α_max, the cosine's midpoint gives (α_max + α_min)/2, and α(T_c) = α_min. With T_w = 0 there is no
     * warmup; with T_c = T_w the cosine has no length and α jumps from α_max at T_w to α_min after it.
     */
    record CosineWithWarmup(double maxLr, double minLr, long warmupIters, long cosineCycleIters) implements LrSchedule {
        public CosineWithWarmup {
            checkRate("cosine", "maxLr", maxLr);
            checkRate("cosine", "minLr", minLr);
            if (minLr > maxLr)
                throw new IllegalArgumentException(
                        "cosine: minLr " + minLr + " exceeds maxLr " + maxLr + "; the schedule decays from max to min");
            if (warmupIters < 0)
                throw new IllegalArgumentException("cosine: warmupIters must be ≥ 0, got " + warmupIters);
            if (cosineCycleIters < warmupIters)
                throw new IllegalArgumentException("cosine: cosineCycleIters " + cosineCycleIters
                        + " is before the end of warmup at warmupIters " + warmupIters + "; need T_c ≥ T_w");
        }

        @Override
        public double lr(long t) {
            checkStep(t);
            if (t < warmupIters) return (double) t / warmupIters * maxLr;
            if (t > cosineCycleIters) return minLr;
            if (cosineCycleIters == warmupIters) return maxLr; // t = T_w = T_c: the cosine's start
            double progress = (double) (t - warmupIters) / (cosineCycleIters - warmupIters);
            return minLr + 0.5 * (1 + Math.cos(progress * Math.PI)) * (maxLr - minLr);
        }
    }

    private static void checkRate(String schedule, String what, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr))
            throw new IllegalArgumentException(schedule + ": " + what + " must be finite and ≥ 0, got " + lr);
    }

    private static void checkStep(long t) {
        if (t < 0) throw new IllegalArgumentException("lr: step must be ≥ 0, got " + t);
    }
}
