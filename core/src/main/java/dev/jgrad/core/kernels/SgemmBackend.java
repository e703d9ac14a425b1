package dev.jgrad.core.kernels;

/**
 * One implementation of float32 {@code C = op(A)·op(B) (+ C)}. {@link Gemm} has checked the arguments
 * (sizes ≥ 1, ranges inside the arrays, C not overlapping A or B) before calling.
 */
interface SgemmBackend {

    /** The name {@code jgrad.gemm} selects this backend by: {@code vector} or {@code ejml}. */
    String name();

    /**
     * C = op(A)·op(B) (+ C when {@code accumulate}), using at most {@code threads} threads. Rows of A, B
     * and C (as stored) start {@code lda}, {@code ldb} and {@code ldc} elements apart. The result must not
     * depend on {@code threads}.
     */
    void sgemm(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float[] a,
            int aOff,
            int lda,
            float[] b,
            int bOff,
            int ldb,
            float[] c,
            int cOff,
            int ldc,
            boolean accumulate,
            int threads);
}
