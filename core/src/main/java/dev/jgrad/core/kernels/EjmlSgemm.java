package dev.jgrad.core.kernels;

import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;

/**
 * Float32 GEMM through EJML's {@code CommonOps_FDRM}: the fallback when {@code jdk.incubator.vector}
 * is not in the boot layer. Single-threaded per product ({@link Gemm#sgemmBatched} still runs the
 * products of a batch in parallel).
 *
 * <p>{@code FMatrixRMaj.wrap} views a whole contiguous array from index 0 only, so an operand at a
 * non-zero offset or with a leading dimension longer than its rows is copied first (and C copied
 * back). EJML's result does not depend on {@code threads}.
 */
final class EjmlSgemm implements SgemmBackend {

    @Override
    public String name() {
        return "ejml";
    }

    @Override
    public String toString() {
        return "ejml (CommonOps_FDRM)";
    }

    @Override
    public void sgemm(
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
            int threads) {
        FMatrixRMaj ma = transA ? wrap(k, m, a, aOff, lda) : wrap(m, k, a, aOff, lda);
        FMatrixRMaj mb = transB ? wrap(n, k, b, bOff, ldb) : wrap(k, n, b, bOff, ldb);
        boolean inPlace = cOff == 0 && ldc == n && c.length == m * n;
        FMatrixRMaj mc = inPlace ? FMatrixRMaj.wrap(m, n, c) : new FMatrixRMaj(m, n);
        if (!inPlace && accumulate) {
            copyRows(c, cOff, ldc, mc.data, 0, n, m, n);
        }
        if (accumulate) {
            if (transA) {
                if (transB) {
                    CommonOps_FDRM.multAddTransAB(ma, mb, mc);
                } else {
                    CommonOps_FDRM.multAddTransA(ma, mb, mc);
                }
            } else if (transB) {
                CommonOps_FDRM.multAddTransB(ma, mb, mc);
            } else {
                CommonOps_FDRM.multAdd(ma, mb, mc);
            }
        } else {
            if (transA) {
                if (transB) {
                    CommonOps_FDRM.multTransAB(ma, mb, mc);
                } else {
                    CommonOps_FDRM.multTransA(ma, mb, mc);
                }
            } else if (transB) {
                CommonOps_FDRM.multTransB(ma, mb, mc);
            } else {
                CommonOps_FDRM.mult(ma, mb, mc);
            }
        }
        if (!inPlace) {
            copyRows(mc.data, 0, n, c, cOff, ldc, m, n);
        }
    }

    /**
     * A rows × cols view of the matrix at {@code x[off]} with rows {@code ld} apart: the array itself when that
     * is exactly the whole array, else a contiguous copy.
     */
    private static FMatrixRMaj wrap(int rows, int cols, float[] x, int off, int ld) {
        if (off == 0 && ld == cols && x.length == rows * cols) {
            return FMatrixRMaj.wrap(rows, cols, x);
        }
        FMatrixRMaj copy = new FMatrixRMaj(rows, cols);
        copyRows(x, off, ld, copy.data, 0, cols, rows, cols);
        return copy;
    }

    private static void copyRows(
            float[] from, int fromOff, int fromLd, float[] to, int toOff, int toLd, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(from, fromOff + r * fromLd, to, toOff + r * toLd, cols);
        }
    }
}
