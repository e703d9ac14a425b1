package dev.jgrad.core.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatMath} on the Vector API. Each loop runs whole vectors and finishes the last n mod L
 * elements with scalar code of the same operations ({@link Math#fma} for each lane's fused
 * multiply-add), so every element gets the same result wherever it lies in the run.
 *
 * <p>The vector exp is written out inside the one loop that runs it ({@link #expInPlace}, and
 * {@link #expSum} for double); the sigmoid and the softmax row call that loop between passes of their
 * own. As a helper method taking and returning vectors it was sometimes not inlined by C2, which then
 * allocated every vector it passed: 150–190 MB more per L training step, and 10% slower steps.
 */
final class VectorFloatMath implements FloatMath {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int DL = D.length();
    /** Elements per block of {@link #sigmoid}: its three passes over a block stay in L1. */
    private static final int BLOCK = 1024;

    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693145752f; // ln 2 rounded to 16 bits: k · LN2_HI is exact
    private static final float LN2_LO = 1.42860677e-6f; // ln 2 − LN2_HI
    private static final float MAGIC = 12582912f; // 1.5 · 2²³: adding it rounds to an integer in the low bits
    private static final int MAGIC_BITS = 0x4B400000;
    private static final float LO = -87.3f;
    private static final float HI = 88f;
    private static final FloatVector ONE = FloatVector.broadcast(F, 1f);
    private static final FloatVector MINUS_LN2_HI = FloatVector.broadcast(F, -LN2_HI);
    private static final FloatVector F2 = FloatVector.broadcast(F, 1f / 2);
    private static final FloatVector F3 = FloatVector.broadcast(F, 1f / 6);
    private static final FloatVector F4 = FloatVector.broadcast(F, 1f / 24);
    private static final FloatVector F5 = FloatVector.broadcast(F, 1f / 120);
    private static final FloatVector F6 = FloatVector.broadcast(F, 1f / 720);
    private static final FloatVector F7 = FloatVector.broadcast(F, 1f / 5040);

    private static final double LOG2E_D = 1.4426950408889634;
    private static final double LN2_HI_D = 6.93147180369123816490e-01; // low 32 bits zero: k · LN2_HI_D is exact
    private static final double LN2_LO_D = 1.90821492927058770002e-10; // ln 2 − LN2_HI_D
    private static final double MAGIC_D = 6755399441055744.0; // 1.5 · 2⁵²: adding it rounds to an integer
    private static final long MAGIC_BITS_D = Double.doubleToRawLongBits(MAGIC_D);
    private static final DoubleVector ONE_D = DoubleVector.broadcast(D, 1.0);
    private static final DoubleVector C2 = DoubleVector.broadcast(D, 1.0 / 2);
    private static final DoubleVector C3 = DoubleVector.broadcast(D, 1.0 / 6);
    private static final DoubleVector C4 = DoubleVector.broadcast(D, 1.0 / 24);
    private static final DoubleVector C5 = DoubleVector.broadcast(D, 1.0 / 120);
    private static final DoubleVector C6 = DoubleVector.broadcast(D, 1.0 / 720);
    private static final DoubleVector C7 = DoubleVector.broadcast(D, 1.0 / 5040);
    private static final DoubleVector C8 = DoubleVector.broadcast(D, 1.0 / 40320);
    private static final DoubleVector C9 = DoubleVector.broadcast(D, 1.0 / 362880);
    private static final DoubleVector C10 = DoubleVector.broadcast(D, 1.0 / 3628800);
    private static final DoubleVector C11 = DoubleVector.broadcast(D, 1.0 / 39916800);

    @Override
    public void expInPlace(float[] a, int off, int n) {
        int i = 0;
        for (; i <= n - L; i += L) { // the operations of exp(float), in each lane
            FloatVector x = FloatVector.fromArray(F, a, off + i).max(LO).min(HI);
            FloatVector t = x.fma(LOG2E, MAGIC); // MAGIC + k
            FloatVector k = t.sub(MAGIC);
            FloatVector r = k.fma(MINUS_LN2_HI, x).add(k.mul(-LN2_LO));
            FloatVector p = r.fma(F7, F6); // Σ_{n ≤ 7} rⁿ / n! by Horner's rule
            p = p.fma(r, F5);
            p = p.fma(r, F4);
            p = p.fma(r, F3);
            p = p.fma(r, F2);
            p = p.fma(r, ONE);
            p = p.fma(r, ONE);
            IntVector exponent = t.reinterpretAsInts().sub(MAGIC_BITS - 127).lanewise(VectorOperators.LSHL, 23);
            p.mul(exponent.reinterpretAsFloats()).intoArray(a, off + i);
        }
        for (; i < n; i++) {
            a[off + i] = exp(a[off + i]);
        }
    }

    @Override
    public void sigmoid(float[] a, float[] s, int from, int to) {
        for (int b = from; b < to; b += BLOCK) { // −a, e^−a, 1 / (1 + e^−a), a block at a time
            int n = Math.min(BLOCK, to - b);
            int i = 0;
            for (; i <= n - L; i += L) {
                FloatVector.fromArray(F, a, b + i).neg().intoArray(s, b + i);
            }
            for (; i < n; i++) {
                s[b + i] = -a[b + i];
            }
            expInPlace(s, b, n);
            for (i = 0; i <= n - L; i += L) {
                ONE.div(FloatVector.fromArray(F, s, b + i).add(1f)).intoArray(s, b + i);
            }
            for (; i < n; i++) {
                s[b + i] = 1f / (1f + s[b + i]);
            }
        }
    }

    @Override
    public double expShiftedSum(float[] x, int off, int n, float shift, float scale) {
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector.fromArray(F, x, off + j).sub(shift).mul(scale).intoArray(x, off + j);
        }
        for (; j < n; j++) {
            x[off + j] = (x[off + j] - shift) * scale;
        }
        expInPlace(x, off, n);
        FloatVector sum = FloatVector.zero(F);
        for (j = 0; j <= n - L; j += L) {
            sum = sum.add(FloatVector.fromArray(F, x, off + j));
        }
        double total = 0;
        for (int lane = 0; lane < L; lane++) {
            total += sum.lane(lane); // in lane order: the same sum on every thread
        }
        for (; j < n; j++) {
            total += x[off + j];
        }
        return total;
    }

    @Override
    public double expSum(double[] x, int n) {
        DoubleVector sum = DoubleVector.zero(D);
        int i = 0;
        for (; i <= n - DL; i += DL) { // the operations of exp(double), in each lane
            DoubleVector v = DoubleVector.fromArray(D, x, i).max(-700.0);
            DoubleVector t = v.mul(LOG2E_D).add(MAGIC_D); // MAGIC_D + k
            DoubleVector k = t.sub(MAGIC_D);
            DoubleVector r = v.sub(k.mul(LN2_HI_D)).sub(k.mul(LN2_LO_D));
            DoubleVector p = r.fma(C11, C10); // Horner's rule, from r¹¹/11! down
            p = p.fma(r, C9);
            p = p.fma(r, C8);
            p = p.fma(r, C7);
            p = p.fma(r, C6);
            p = p.fma(r, C5);
            p = p.fma(r, C4);
            p = p.fma(r, C3);
            p = p.fma(r, C2);
            p = p.fma(r, ONE_D);
            p = p.fma(r, ONE_D);
            LongVector exponent =
                    t.reinterpretAsLongs().sub(MAGIC_BITS_D - 1023).lanewise(VectorOperators.LSHL, 52);
            DoubleVector e = p.mul(exponent.reinterpretAsDoubles());
            e.intoArray(x, i);
            sum = sum.add(e);
        }
        double total = 0;
        for (int lane = 0; lane < DL; lane++) {
            total += sum.lane(lane); // in lane order: the same sum on every thread
        }
        for (; i < n; i++) {
            x[i] = exp(x[i]);
            total += x[i];
        }
        return total;
    }

    @Override
    public float max(float[] x, int off, int n) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j <= n - L; j += L) {
            m = m.max(FloatVector.fromArray(F, x, off + j));
        }
        float result = m.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) {
            result = Math.max(result, x[off + j]);
        }
        return result;
    }

    @Override
    public void scale(float[] x, int off, int n, float c) {
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector.fromArray(F, x, off + j).mul(c).intoArray(x, off + j);
        }
        for (; j < n; j++) {
            x[off + j] *= c;
        }
    }

    /**
     * e^x for x ≤ 0, as one lane of {@link #expSum}: clamp at −700, k = round(x · log₂e), r = x − k · ln 2
     * (ln 2 in two parts), e^r by its Taylor polynomial of degree 11 (remainder below 7e-15 for
     * |r| ≤ (ln 2)/2), times 2^k.
     */
    private static double exp(double x) {
        x = Math.max(x, -700.0);
        double t = x * LOG2E_D + MAGIC_D;
        double k = t - MAGIC_D;
        double r = (x - k * LN2_HI_D) - k * LN2_LO_D;
        double p = Math.fma(r, 1.0 / 39916800, 1.0 / 3628800);
        p = Math.fma(p, r, 1.0 / 362880);
        p = Math.fma(p, r, 1.0 / 40320);
        p = Math.fma(p, r, 1.0 / 5040);
        p = Math.fma(p, r, 1.0 / 720);
        p = Math.fma(p, r, 1.0 / 120);
        p = Math.fma(p, r, 1.0 / 24);
        p = Math.fma(p, r, 1.0 / 6);
        p = Math.fma(p, r, 1.0 / 2);
        p = Math.fma(p, r, 1.0);
        p = Math.fma(p, r, 1.0);
        return p * Double.longBitsToDouble((Double.doubleToRawLongBits(t) - (MAGIC_BITS_D - 1023)) << 52);
    }

    /** e^x with the operations of one lane of {@link #expInPlace}. */
    private static float exp(float x) {
        x = Math.min(Math.max(x, LO), HI);
        float t = Math.fma(x, LOG2E, MAGIC);
        float k = t - MAGIC;
        float r = Math.fma(k, -LN2_HI, x) + k * -LN2_LO;
        float p = Math.fma(r, 1f / 5040, 1f / 720);
        p = Math.fma(p, r, 1f / 120);
        p = Math.fma(p, r, 1f / 24);
        p = Math.fma(p, r, 1f / 6);
        p = Math.fma(p, r, 1f / 2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (MAGIC_BITS - 127)) << 23);
    }
}
