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

    /**
     * C = op(A)·op(B) (+ C), rows of the stored A, B, C {@code lda}, {@code ldb}, {@code ldc} apart; sizes ≥ 1
     * and ranges already checked by {@link Gemm}.
     */
    static void dgemm(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            double[] a,
            int aOff,
            int lda,
            double[] b,
            int bOff,
            int ldb,
            double[] c,
            int cOff,
            int ldc,
            boolean accumulate) {
        double[] bkn;
        int bStart;
        int bLd;
        if (transB) { // B is stored n × k: copy it into k × n order
            bkn = new double[k * n];
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) {
                    bkn[p * n + j] = b[bOff + j * ldb + p];
                }
            }
            bStart = 0;
            bLd = n;
        } else {
            bkn = b;
            bStart = bOff;
            bLd = ldb;
        }
        int grain = (int) Math.max(1, Math.min(m, CHUNK_FLOPS / (2L * n * k)));
        Parallel.forRange(m, grain, (from, to) -> {
            double[] row = new double[n];
            for (int i = from; i < to; i++) {
                Arrays.fill(row, 0.0);
                for (int p = 0; p < k; p++) {
                    double aip = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    int bp = bStart + p * bLd;
                    for (int j = 0; j < n; j++) {
                        row[j] += aip * bkn[bp + j];
                    }
                }
                int ci = cOff + i * ldc;
                for (int j = 0; j < n; j++) {
                    c[ci + j] = accumulate ? c[ci + j] + row[j] : row[j];
                }
            }
        });
    }
}
