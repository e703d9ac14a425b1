package dev.jgrad.core.kernels;

/**
 * The loops of the exp-based ops (the SwiGLU gate's sigmoid, attention's softmax rows, float32
 * cross-entropy's exp in double), written on the Vector API. C2 compiles the plain-Java versions of
 * these loops (in the ops) partly to scalar code; with these, SwiGLU's forward runs 1.7× faster and
 * cross-entropy 1.3× (one thread).
 *
 * <p>The float exp is the ops' {@code FloatExp} with the same constants, range reduction and
 * polynomial, evaluated in vector lanes with fused multiply-adds (the double one likewise, see
 * {@link #expSum}):
 * <pre>
 *   x ← clamp(x, −87.3, 88),   k = round(x · log₂e),   r = x − k · ln 2    (ln 2 in two parts)
 *   e^x = 2^k · Σ_{n ≤ 7} rⁿ / n!                                         2^k from its exponent bits
 * </pre>
 * so it is within a few float spacings of {@code (float) Math.exp(x)} on [−87.3, 88], and clamped
 * outside it, as the plain version is. Sums over a row are taken lane by lane and the lanes are added
 * in a fixed order, so a row's result never depends on which thread computes it.
 *
 * <p>These loops run exactly when {@link Gemm} runs its Vector API kernel (the module
 * {@code jdk.incubator.vector} is in the boot layer and {@code jgrad.gemm} does not ask for EJML), so
 * {@code -Djgrad.gemm=ejml} selects the portable path of every kernel. Only the class {@link #vector()}
 * loads by name touches the module; callers run their plain loops when it returns null.
 */
public interface FloatMath {
    /** {@code a[off + i] = e^{a[off + i]}} for i in [0, n). */
    void expInPlace(float[] a, int off, int n);

    /** {@code s[i] = σ(a[i]) = 1 / (1 + e^{−a[i]})} for i in [from, to). */
    void sigmoid(float[] a, float[] s, int from, int to);

    /**
     * The causal softmax row step: {@code x[off + j] ← e^{(x[off + j] − shift) · scale}} for j in [0, n),
     * returning Σ_j of the new values (added in double).
     */
    double expShiftedSum(float[] x, int off, int n, float shift, float scale);

    /**
     * Cross-entropy's exp, in double for float32 logits: {@code x[i] ← e^{x[i]}} for i in [0, n) and x[i] ≤ 0
     * (clamped at −700), relative error below 1e-14, as the ops' plain {@code FloatExp}; returns Σ_i of the
     * new values.
     */
    double expSum(double[] x, int n);

    /** {@code max_{j < n} x[off + j]} (−∞ for n = 0). */
    float max(float[] x, int off, int n);

    /** {@code x[off + j] *= c} for j in [0, n). */
    void scale(float[] x, int off, int n, float c);

    /** The Vector API loops when {@link Gemm#backend()} is {@code vector}, otherwise null. */
    static FloatMath vector() {
        return Loaded.VECTOR;
    }

    /** Loads the implementation once, by name, so that this interface never links the incubator module. */
    final class Loaded {
        private static final FloatMath VECTOR = load();

        private Loaded() {}

        private static FloatMath load() {
            if (!Gemm.backend().equals("vector")) {
                return null;
            }
            try {
                return Class.forName("dev.jgrad.core.kernels.VectorFloatMath")
                        .asSubclass(FloatMath.class)
                        .getDeclaredConstructor()
                        .newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new IllegalStateException("floatMath: cannot load the Vector API loops", e);
            }
        }
    }
}
