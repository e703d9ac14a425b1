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

    /** Calls {@code v} for every innermost row of {@code out}. */
    static void forEachRow(Shape out, int[] sa, int[] sb, RowVisitor v) {
        int n = out.size();
        if (n == 0) {
            return;
        }
        int rank = out.rank();
        if (rank == 0) {
            v.row(0, 0, 0, 0, 0, 1);
            return;
        }
        int[] dims = out.dims();
        int inner = dims[rank - 1];
        int innerA = sa[rank - 1];
        int innerB = sb[rank - 1];
        int[] idx = new int[rank];
        int offA = 0;
        int offB = 0;
        for (int o = 0; o < n; o += inner) {
            v.row(o, offA, innerA, offB, innerB, inner);
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                offA += sa[d];
                offB += sb[d];
                if (idx[d] < dims[d]) {
                    break;
                }
                offA -= sa[d] * dims[d];
                offB -= sb[d] * dims[d];
                idx[d] = 0;
            }
        }
    }
}
