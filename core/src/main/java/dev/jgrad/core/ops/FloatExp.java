package dev.jgrad.core.ops;

/**
 * {@code e^x} over a run of a float array, in place, written as five simple loops so that HotSpot's
 * C2 compiles the arithmetic ones to SIMD code; about five times faster than calling
 * {@code Math.exp} per element. Used by the float32 kernels whose time goes into exp (the SwiGLU
 * gate's sigmoid, attention's softmax). A double version of the same loops serves cross-entropy,
 * which computes in double for float32 logits: {@link #expInPlace(double[], int, long[])}.
 * <pre>
 *   x ← clamp(x, −87.3, 88)                       e^x stays a normal float, 2^k below never overflows
 *   k = round(x · log₂e),   r = x − k · ln 2       |r| ≤ (ln 2)/2; k found by adding 1.5·2²³ (the
 *                                                  float's rounding puts round(x·log₂e) in the low bits)
 *   e^x = 2^k · e^r,   e^r ≈ Σ_{n ≤ 7} rⁿ / n!     Taylor remainder &lt; 0.35⁸/8! ≈ 5e-9, below float's 6e-8
 *   2^k is built from its bits: exponent field k + 127
 * </pre>
 * ln 2 is split into a high part with few mantissa bits (exact in k · LN2_HI) and a small low part, so
 * that r keeps its precision (Cody and Waite). The result is within a few float spacings of
 * {@code (float) Math.exp(x)} for x in [−87.3, 88]; below −87.3 it is 1.2e-38 instead of a smaller
 * number or 0, above 88 it is e^88 instead of a larger number or ∞. NaN stays NaN.
 *
 * <p>The loops: (1) clamp, vectorized; (2) the bits of MAGIC + k, a bit move that C2 does not
 * vectorize, so it gets a loop of its own; (3) reduce and evaluate e^r, all float arithmetic, which C2
 * vectorizes; (4) integer shift into the exponent field, vectorized; (5) multiply by 2^k.
 */
final class FloatExp {
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693145752f; // ln 2 rounded to 16 bits: k · LN2_HI is exact
    private static final float LN2_LO = 1.42860677e-6f; // ln 2 − LN2_HI
    private static final float MAGIC = 12582912f; // 1.5 · 2²³
    private static final int MAGIC_BITS = 0x4B400000; // its bits: k = bits(MAGIC + k) − MAGIC_BITS for |k| < 2²²
    private static final float LO = -87.3f;
    private static final float HI = 88f;

    private static final double LOG2E_D = 1.4426950408889634;
    private static final double LN2_HI_D = 6.93147180369123816490e-01; // ln 2, low 32 bits zero: k · LN2_HI_D is exact
    private static final double LN2_LO_D = 1.90821492927058770002e-10; // ln 2 − LN2_HI_D
    private static final double MAGIC_D = 6755399441055744.0; // 1.5 · 2⁵²: MAGIC_D + y rounds y to an integer
    private static final long MAGIC_BITS_D = Double.doubleToRawLongBits(MAGIC_D);

    private FloatExp() {}

    /** {@code a[off + i] = e^{a[off + i]}} for i in [0, n), using {@code bits[0, n)} as scratch. */
    static void expInPlace(float[] a, int off, int n, int[] bits) {
        for (int i = 0; i < n; i++) {
            a[off + i] = Math.min(Math.max(a[off + i], LO), HI);
        }
        for (int i = 0; i < n; i++) { // the bits of MAGIC + k, before a is overwritten
            bits[i] = Float.floatToRawIntBits(a[off + i] * LOG2E + MAGIC);
        }
        for (int i = 0; i < n; i++) { // the same float operations give the same k
            float x = a[off + i];
            float k = (x * LOG2E + MAGIC) - MAGIC;
            float r = (x - k * LN2_HI) - k * LN2_LO;
            float p = 1f / 720 + r * (1f / 5040); // Σ_{n ≤ 7} rⁿ / n! by Horner's rule, innermost first
            p = 1f / 120 + r * p;
            p = 1f / 24 + r * p;
            p = 1f / 6 + r * p;
            p = 1f / 2 + r * p;
            p = 1f + r * p;
            a[off + i] = 1f + r * p;
        }
        for (int i = 0; i < n; i++) {
            bits[i] = (bits[i] - MAGIC_BITS + 127) << 23; // 2^k
        }
        for (int i = 0; i < n; i++) {
            a[off + i] *= Float.intBitsToFloat(bits[i]);
        }
    }

    /**
     * {@code x[i] = e^{x[i]}} for i in [0, n) and {@code x[i] ≤ 0}, good enough for float results: relative
     * error below 1e-14 (float's spacing is 6e-8). Written as five simple loops, as the float version is, so that
     * C2 compiles the arithmetic ones to SIMD code; {@code bits[0, n)} is scratch. Cross-entropy uses it for
     * float32 logits, whose sums and gradients it computes in double and rounds once.
     * <pre>
     *   x ← max(x, −700)                     e^−700 ≈ 1e-304 (0 as a float); 2^k stays a normal double
     *   k = round(x · log₂e),  r = x − k · ln 2     |r| ≤ (ln 2)/2; k from the low bits of MAGIC + x · log₂e
     *   e^x = 2^k · e^r,  e^r ≈ Σ_{n ≤ 11} rⁿ / n!  Taylor remainder &lt; 0.35¹²/12! ≈ 7e-15
     *   2^k is built from its bits: exponent field k + 1023
     * </pre>
     * ln 2 is split in two (Cody and Waite) so that r keeps its precision. e^0 = 1 exactly; NaN stays NaN.
     */
    static void expInPlace(double[] x, int n, long[] bits) {
        for (int i = 0; i < n; i++) {
            x[i] = Math.max(x[i], -700.0);
        }
        for (int i = 0; i < n; i++) { // the bits of MAGIC + k, before x is overwritten
            bits[i] = Double.doubleToRawLongBits(x[i] * LOG2E_D + MAGIC_D);
        }
        for (int i = 0; i < n; i++) { // the same double operations give the same k
            double k = (x[i] * LOG2E_D + MAGIC_D) - MAGIC_D;
            double r = (x[i] - k * LN2_HI_D) - k * LN2_LO_D;
            double p = 1.0 / 3628800 + r * (1.0 / 39916800); // Σ_{n ≤ 11} rⁿ / n!, innermost first
            p = 1.0 / 362880 + r * p;
            p = 1.0 / 40320 + r * p;
            p = 1.0 / 5040 + r * p;
            p = 1.0 / 720 + r * p;
            p = 1.0 / 120 + r * p;
            p = 1.0 / 24 + r * p;
            p = 1.0 / 6 + r * p;
            p = 1.0 / 2 + r * p;
            p = 1 + r * p;
            x[i] = 1 + r * p;
        }
        for (int i = 0; i < n; i++) {
            bits[i] = (bits[i] - MAGIC_BITS_D + 1023) << 52; // 2^k
        }
        for (int i = 0; i < n; i++) {
            x[i] *= Double.longBitsToDouble(bits[i]);
        }
    }
}
