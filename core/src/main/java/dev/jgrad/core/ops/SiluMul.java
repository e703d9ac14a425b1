package dev.jgrad.core.ops;

import dev.jgrad.core.kernels.FloatMath;
import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The SwiGLU gate y = silu(a) ⊙ b, with silu(a) = a · σ(a), as one node.
 * <pre>
 *   shapes    a, b of one shape  →  y of that shape
 *   forward   s = σ(a) = 1 / (1 + e^−a),   y = a · s · b
 *   backward  ∂L/∂a = g ⊙ b ⊙ s · (1 + a · (1 − s))        (silu'(a) = s + a · s · (1 − s))
 *             ∂L/∂b = g ⊙ a · s
 * </pre>
 * Forward keeps s, so backward needs no {@code exp}; in float32 the sigmoid runs on the Vector API
 * ({@link FloatMath}) when it is present, else in {@link FloatExp}'s loops; s goes back for reuse once
 * backward has run ({@link #releaseSaved}). No broadcasting: a and b must have the same shape. Elements
 * are split over {@link Parallel}'s threads; each is computed alone, so results do not depend on the
 * thread count.
 */
@GradientRule({"∂L/∂a = g ⊙ b ⊙ s · (1 + a · (1 − s))        (silu'(a) = s + a · s · (1 − s))", "∂L/∂b = g ⊙ a · s"})
public record SiluMul(Tensor a, Tensor b, NdArray s) implements Op {
    /** Elements per parallel chunk. */
    private static final int GRAIN_ELEMENTS = 1 << 14;

    public static Tensor apply(Tensor a, Tensor b) {
        Checks.sameFloatDtype("siluMul", a, b);
        if (!a.shape().equals(b.shape())) {
            throw new IllegalArgumentException(
                    "siluMul: shapes " + a.shape() + " and " + b.shape() + " differ; silu(a) ⊙ b needs equal shapes");
        }
        NdArray s = a.value().emptyLike(); // s, y, ∂a and ∂b: every element written below
        NdArray y = a.value().emptyLike();
        Parallel.forRange(a.numel(), GRAIN_ELEMENTS, (from, to) -> {
            if (a.dtype() == DType.FLOAT32) {
                float[] av = a.value().floats();
                float[] bv = b.value().floats();
                float[] sv = s.floats();
                float[] yv = y.floats();
                sigmoid(av, sv, from, to);
                for (int i = from; i < to; i++) {
                    yv[i] = av[i] * sv[i] * bv[i];
                }
            } else {
                double[] av = a.value().doubles();
                double[] bv = b.value().doubles();
                double[] sv = s.doubles();
                double[] yv = y.doubles();
                for (int i = from; i < to; i++) {
                    sv[i] = Sigmoid.sigma(av[i]);
                    yv[i] = av[i] * sv[i] * bv[i];
                }
            }
        });
        return Tensor.result(y, new SiluMul(a, b, s));
    }

    /**
     * {@code s[i] = σ(a[i]) = 1 / (1 + e^−a[i])} for i in [from, to), float32: on the Vector API when
     * present, else with the exp from {@link FloatExp} in blocks that stay in the L1 cache. For a &lt; −88
     * the result is about 6e-39 instead of a smaller number (the exp is clamped); everywhere else it is
     * within a few float spacings of σ.
     */
    static void sigmoid(float[] a, float[] s, int from, int to) {
        FloatMath simd = FloatMath.vector();
        if (simd != null) {
            simd.sigmoid(a, s, from, to);
        } else {
            plainSigmoid(a, s, from, to);
        }
    }

    /** {@link #sigmoid} in plain Java, for JVMs without the Vector API. */
    static void plainSigmoid(float[] a, float[] s, int from, int to) {
        int[] bits = new int[Math.min(BLOCK, to - from)];
        for (int b = from; b < to; b += BLOCK) {
            int n = Math.min(BLOCK, to - b);
            for (int i = b; i < b + n; i++) s[i] = -a[i];
            FloatExp.expInPlace(s, b, n, bits);
            for (int i = b; i < b + n; i++) s[i] = 1f / (1f + s[i]);
        }
    }

    /** Elements per block of {@link #sigmoid}: a few arrays of this many stay in L1. */
    private static final int BLOCK = 1024;

    /** s is read by backward only, and no one else holds it. */
    @Override
    public void releaseSaved() {
        s.recycle();
    }

    /** True: ∂a and ∂b are new arrays. */
    @Override
    public boolean backwardReturnsFreshArrays() {
        return true;
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(a, b);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray da = g.emptyLike();
        NdArray db = g.emptyLike();
        Parallel.forRange(g.size(), GRAIN_ELEMENTS, (from, to) -> {
            if (g.dtype() == DType.FLOAT32) {
                float[] gv = g.floats();
                float[] av = a.value().floats();
                float[] bv = b.value().floats();
                float[] sv = s.floats();
                float[] dav = da.floats();
                float[] dbv = db.floats();
                for (int i = from; i < to; i++) {
                    float si = sv[i];
                    dav[i] = gv[i] * bv[i] * si * (1 + av[i] * (1 - si));
                    dbv[i] = gv[i] * av[i] * si;
                }
            } else {
                double[] gv = g.doubles();
                double[] av = a.value().doubles();
                double[] bv = b.value().doubles();
                double[] sv = s.doubles();
                double[] dav = da.doubles();
                double[] dbv = db.doubles();
                for (int i = from; i < to; i++) {
                    double si = sv[i];
                    dav[i] = gv[i] * bv[i] * si * (1 + av[i] * (1 - si));
                    dbv[i] = gv[i] * av[i] * si;
                }
            }
        });
        return Arrays.asList(da, db);
    }
}
