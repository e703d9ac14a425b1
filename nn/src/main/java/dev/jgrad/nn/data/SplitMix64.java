package dev.jgrad.nn.data;

/**
 * SplitMix64, a 64-bit generator whose whole state is one {@code long}, so a run can save it and resume exactly.
 * <pre>
 *   state ← state + γ,   γ = 0x9E3779B97F4A7C15 (2⁶⁴ / golden ratio, odd)
 *   z ← (state ⊕ (state ≫ 30)) · 0xBF58476D1CE4E5B9
 *   z ← (z ⊕ (z ≫ 27)) · 0x94D049BB133111EB
 *   out = z ⊕ (z ≫ 31)
 * </pre>
 * (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014.) The sequence is fixed by
 * these formulas, not by a JDK version, so seeds reproduce everywhere; {@code new SplittableRandom(seed).nextLong()}
 * happens to produce the same numbers in JDK 17.
 */
public final class SplitMix64 {
    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** The whole generator state; {@code new SplitMix64(s)} or {@link #setState(long)} continues from it. */
    public long state() {
        return state;
    }

    public void setState(long state) {
        this.state = state;
    }

    public long nextLong() {
        long z = (state += GAMMA);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * Uniform in [0, bound), without modulo bias: a 63-bit draw u is rejected when it falls in the incomplete last
     * block of {@code bound} values, i.e. when u − (u mod bound) + bound − 1 overflows.
     */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("nextInt: bound must be positive, got " + bound);
        long u, r;
        do {
            u = nextLong() >>> 1;
            r = u % bound;
        } while (u - r + (bound - 1) < 0);
        return (int) r;
    }
}
