package dev.jgrad.core.kernels;

import java.util.Arrays;

/**
 * Float64 GEMM as a plain row loop, for gradient checks, where exactness matters more than speed.
 *
 * <pre>
 *   row_i = Σ_p op(A)[i, p] · op(B)[p, :]      summed in increasing p into a zeroed row
 *   C[i, :] = row_i,  or  C[i, :] + row_i       when accumulating
 * </pre>
 *
 * When B is transposed it is first copied into k × n order, so the inner loop runs over contiguous
 * memory (and auto-vectorises). Rows are spread over {@link Parallel}'s threads; each row is computed
 * by one thread in a fixed order, so the result does not depend on the thread count.
 */
final class LoopDgemm {

    /** Rows are grouped into chunks of about this many flops. */
    private static final long CHUNK_FLOPS = 1L << 17;

    private LoopDgemm() {}

    /** C = op(A)·op(B) (+ C); sizes ≥ 1 and ranges already checked by {@link Gemm}. */
    static void dgemm(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            double[] a,
            int aOff,
            double[] b,
            int bOff,
            double[] c,
            int cOff,
            boolean accumulate) {
        double[] bkn;
        int bStart;
        if (transB) { // B is stored n × k: copy it into k × n order
            bkn = new double[k * n];
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) {
                    bkn[p * n + j] = b[bOff + j * k + p];
                }
            }
            bStart = 0;
        } else {
            bkn = b;
            bStart = bOff;
        }
        int grain = (int) Math.max(1, Math.min(m, CHUNK_FLOPS / (2L * n * k)));
        Parallel.forRange(m, grain, (from, to) -> {
            double[] row = new double[n];
            for (int i = from; i < to; i++) {
                Arrays.fill(row, 0.0);
                for (int p = 0; p < k; p++) {
                    double aip = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
                    int bp = bStart + p * n;
                    for (int j = 0; j < n; j++) {
                        row[j] += aip * bkn[bp + j];
                    }
                }
                int ci = cOff + i * n;
                for (int j = 0; j < n; j++) {
                    c[ci + j] = accumulate ? c[ci + j] + row[j] : row[j];
                }
            }
        });
    }
}
