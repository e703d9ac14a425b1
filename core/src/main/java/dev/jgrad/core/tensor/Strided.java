package dev.jgrad.core.tensor;

/**
 * Walks a row-major shape one innermost row at a time, tracking where each row starts in two
 * operands that are broadcast to it (a broadcast dim has stride 0). Every broadcasting loop in the
 * library (elementwise ops, sums back to an input's shape, expand) is built on this walk, so the
 * per-element work stays in plain array loops.
 */
final class Strided {
    /** Receives one innermost row: output offset, each operand's offset and inner stride, and length. */
    interface RowVisitor {
        void row(int out, int a, int strideA, int b, int strideB, int length);
    }

    private Strided() {}

    /** Strides of {@code in} as seen from {@code out}: dims added on the left or of size 1 get stride 0. */
    static int[] broadcastStrides(Shape in, Shape out) {
        int r = out.rank();
        int[] own = in.strides();
        int[] s = new int[r];
        int shift = r - in.rank();
        for (int i = shift; i < r; i++) {
            s[i] = in.dim(i - shift) == 1 ? 0 : own[i - shift];
        }
        return s;
    }

    /**
     * Calls {@code v} for every innermost row of {@code out}. Dims of size 1 are skipped, and a dim is
     * merged with the next inner one when both operands step through the pair as through one dim
     * ({@code s[i] = s[i+1]·dims[i+1]}), so rows are as long as the layout allows: adding a [d] bias to
     * [n, d] is n rows of d, adding two [2, 3, 4] arrays is one row of 24.
     */
    static void forEachRow(Shape out, int[] sa, int[] sb, RowVisitor v) {
        int n = out.size();
        if (n == 0) {
            return;
        }
        int[] dims = new int[out.rank()];
        int[] strideA = new int[out.rank()];
        int[] strideB = new int[out.rank()];
        int rank = 0;
        for (int i = 0; i < out.rank(); i++) {
            int d = out.dim(i);
            if (d == 1) {
                continue;
            }
            if (rank > 0 && strideA[rank - 1] == sa[i] * d && strideB[rank - 1] == sb[i] * d) {
                dims[rank - 1] *= d; // the outer dim and this one walk as one
                strideA[rank - 1] = sa[i];
                strideB[rank - 1] = sb[i];
            } else {
                dims[rank] = d;
                strideA[rank] = sa[i];
                strideB[rank] = sb[i];
                rank++;
            }
        }
        if (rank == 0) {
            v.row(0, 0, 0, 0, 0, 1);
            return;
        }
        int inner = dims[rank - 1];
        int innerA = strideA[rank - 1];
        int innerB = strideB[rank - 1];
        int[] idx = new int[rank];
        int offA = 0;
        int offB = 0;
        for (int o = 0; o < n; o += inner) {
            v.row(o, offA, innerA, offB, innerB, inner);
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                offA += strideA[d];
                offB += strideB[d];
                if (idx[d] < dims[d]) {
                    break;
                }
                offA -= strideA[d] * dims[d];
                offB -= strideB[d] * dims[d];
                idx[d] = 0;
            }
        }
    }
}
