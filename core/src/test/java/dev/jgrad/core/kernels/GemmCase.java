package dev.jgrad.core.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One GEMM problem for the tests: sizes, transpose flags, accumulate, offsets, a batch with strides,
 * and the seed its values come from. Each operand's array has {@code off} unused elements in front
 * and a few behind, filled with sentinels, so writes outside C's range are caught.
 */
record GemmCase(
        int batch,
        int m,
        int n,
        int k,
        boolean transA,
        boolean transB,
        boolean accumulate,
        int aOff,
        int aStride,
        int bOff,
        int bStride,
        int cOff,
        int cStride,
        long seed) {

    /** Unit roundoff of float32 and float64. */
    static final double U_FLOAT = Math.ulp(1.0f) / 2;

    static final double U_DOUBLE = Math.ulp(1.0) / 2;

    private static final int TAIL = 3;

    /** A single product (batch 1) with the given offsets. */
    static GemmCase single(
            int m, int n, int k, boolean transA, boolean transB, boolean accumulate, int off, long seed) {
        return new GemmCase(1, m, n, k, transA, transB, accumulate, off, 0, 2 * off, 0, 3 * off, 0, seed);
    }

    /** The backends to test: EJML always, the Vector API kernel when this JVM has the module. */
    static List<SgemmBackend> backends() {
        List<SgemmBackend> list = new ArrayList<>();
        list.add(Gemm.backend("ejml"));
        if (Gemm.vectorAvailable()) {
            list.add(Gemm.backend("vector"));
        }
        return list;
    }

    int aSize() {
        return m * k;
    }

    int bSize() {
        return k * n;
    }

    int cSize() {
        return m * n;
    }

    /** Array length holding all batch operands of the given size and stride from offset. */
    private int length(int off, int stride, int size) {
        return off + Math.max(0, batch - 1) * stride + size + TAIL;
    }

    /** Values in [−1, 1) from the seed ({@code integers}: small integers, exact in any order of sums). */
    float[] a(boolean integers) {
        return fill(new Random(seed), length(aOff, aStride, aSize()), integers);
    }

    float[] b(boolean integers) {
        return fill(new Random(seed + 1), length(bOff, bStride, bSize()), integers);
    }

    float[] c(boolean integers) {
        return fill(new Random(seed + 2), length(cOff, cStride, cSize()), integers);
    }

    private float[] fill(Random rnd, int length, boolean integers) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = integers ? rnd.nextInt(7) - 3 : 2 * rnd.nextFloat() - 1;
        }
        return x;
    }

    /** Runs this case on {@code backend} with {@code threads}. */
    void run(SgemmBackend backend, int threads, float[] a, float[] b, float[] c) {
        Gemm.sgemmBatched(
                "sgemmBatched",
                backend,
                threads,
                batch,
                transA,
                transB,
                m,
                n,
                k,
                a,
                aOff,
                aStride,
                b,
                bOff,
                bStride,
                c,
                cOff,
                cStride,
                accumulate);
    }

    static double[] toDouble(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        return y;
    }

    /** op(A)[i, p] of product {@code t}. */
    private double opA(double[] a, int t, int i, int p) {
        int base = aOff + t * aStride;
        return transA ? a[base + p * m + i] : a[base + i * k + p];
    }

    /** op(B)[p, j] of product {@code t}. */
    private double opB(double[] b, int t, int p, int j) {
        int base = bOff + t * bStride;
        return transB ? b[base + j * k + p] : b[base + p * n + j];
    }

    /**
     * The expected C in double precision, by the definition: for each output, c0 (when accumulating)
     * plus Σ_t Σ_p op(A_t)[i, p]·op(B_t)[p, j] over the products that write it. Also returns in
     * {@code magnitude} the same sum of absolute values, |c0| + Σ |a||b|, which bounds rounding errors.
     */
    double[] expected(double[] a, double[] b, double[] c0, double[] magnitude) {
        double[] c = c0.clone();
        System.arraycopy(c0, 0, magnitude, 0, c0.length);
        int outputs = cStride == 0 ? Math.min(batch, 1) : batch;
        for (int o = 0; o < outputs; o++) {
            int base = cOff + o * cStride;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = accumulate ? c0[base + i * n + j] : 0;
                    double mag = Math.abs(s);
                    for (int t = cStride == 0 ? 0 : o; t < (cStride == 0 ? batch : o + 1); t++) {
                        for (int p = 0; p < k; p++) {
                            double ab = opA(a, t, i, p) * opB(b, t, p, j);
                            s += ab;
                            mag += Math.abs(ab);
                        }
                    }
                    c[base + i * n + j] = s;
                    magnitude[base + i * n + j] = mag;
                }
            }
        }
        return c;
    }

    /**
     * Asserts that {@code actual} matches the expected C within the rounding bound, and that nothing
     * outside C's range changed.
     *
     * <p>The bound: each term a·b reaches the result through at most k + 1 + batch roundings in
     * precision u (its product, the additions of a blocked sum, the addition to C, across summed
     * products), so by the standard analysis of recursive summation (Higham, Accuracy and Stability of
     * Numerical Algorithms, §3.1) |ĉ − c| ≤ γ_r·(|c0| + Σ|a||b|) with r = k + 2 + batch and
     * γ_r = r·u / (1 − r·u). The check allows twice that: tight enough to catch a wrong or missing
     * term (an error of order |a||b|), loose enough never to fail on correct code.
     */
    void assertClose(String label, double[] expected, double[] magnitude, float[] before, float[] actual, double u) {
        int r = k + 2 + batch;
        double gamma = r * u / (1 - r * u);
        assertOutside(label, before, actual);
        for (int i = 0; i < actual.length; i++) {
            if (insideC(i)) {
                double tol = 2 * gamma * magnitude[i] + Double.MIN_NORMAL;
                if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                    fail(label + " " + this + ": c[" + i + "] = " + actual[i] + ", expected " + expected[i] + " ± "
                            + tol);
                }
            }
        }
    }

    /** Elements of c outside every C range must be unchanged. */
    void assertOutside(String label, float[] before, float[] actual) {
        for (int i = 0; i < actual.length; i++) {
            if (!insideC(i) && Float.floatToRawIntBits(before[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(label + " " + this + ": c[" + i + "] outside C changed from " + before[i] + " to " + actual[i]);
            }
        }
    }

    boolean insideC(int index) {
        int outputs = cStride == 0 ? Math.min(batch, 1) : batch;
        for (int o = 0; o < outputs; o++) {
            int base = cOff + o * cStride;
            if (index >= base && index < base + cSize()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return (batch == 1 ? "" : batch + " × ") + "[" + m + ", " + k + "]" + (transA ? "ᵀ-stored" : "") + " · ["
                + k + ", " + n + "]" + (transB ? "ᵀ-stored" : "") + (accumulate ? " + C" : "") + " offsets "
                + aOff + "/" + bOff + "/" + cOff
                + (batch == 1 ? "" : " strides " + aStride + "/" + bStride + "/" + cStride) + " seed " + seed;
    }
}
