package dev.jgrad.core.kernels;

import java.util.Arrays;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;

/**
 * Float32 GEMM through EJML's {@code CommonOps_FDRM}: the fallback when {@code jdk.incubator.vector}
 * is not in the boot layer. Single-threaded per product ({@link Gemm#sgemmBatched} still runs the
 * products of a batch in parallel).
 *
 * <p>{@code FMatrixRMaj.wrap} views an array from index 0 only, so an operand at a non-zero offset is
 * copied first (and C copied back). EJML's result does not depend on {@code threads}.
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
            float[] b,
            int bOff,
            float[] c,
            int cOff,
            boolean accumulate,
            int threads) {
        FMatrixRMaj ma = transA ? wrap(k, m, a, aOff) : wrap(m, k, a, aOff);
        FMatrixRMaj mb = transB ? wrap(n, k, b, bOff) : wrap(k, n, b, bOff);
        FMatrixRMaj mc = cOff == 0 ? FMatrixRMaj.wrap(m, n, c) : new FMatrixRMaj(m, n);
        if (cOff != 0 && accumulate) {
            System.arraycopy(c, cOff, mc.data, 0, m * n);
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
        if (mc.data != c) {
            System.arraycopy(mc.data, 0, c, cOff, m * n);
        }
    }

    /** A rows × cols view of {@code x} from {@code off}: the array itself at offset 0, else a copy. */
    private static FMatrixRMaj wrap(int rows, int cols, float[] x, int off) {
        return FMatrixRMaj.wrap(rows, cols, off == 0 ? x : Arrays.copyOfRange(x, off, off + rows * cols));
    }
}
