package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;

/** Row kernels over the last dim: max-shifted softmax and log-softmax. */
final class Rows {
    private Rows() {}

    /**
     * Along {@code axis}: {@code softmax(x) = exp(x − m) / Σ exp(x − m)} or, with {@code log},
     * {@code x − m − log Σ exp(x − m)}, where {@code m} is the row maximum.
     */
    static NdArray softmax(NdArray x, int axis, boolean log) {
        int last = x.shape().rank() - 1;
        if (axis == last) {
            return lastDim(x, log);
        }
        int[] swap = swapPerm(x.shape().rank(), axis, last);
        return lastDim(x.permute(swap), log).permute(swap);
    }

    static int[] swapPerm(int rank, int a, int b) {
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        perm[a] = b;
        perm[b] = a;
        return perm;
    }

    private static NdArray lastDim(NdArray x, boolean log) {
        NdArray y = x.zerosLike();
        int n = x.shape().rank() == 0 ? 1 : x.shape().dim(-1);
        int rows = n == 0 ? 0 : x.size() / n;
        for (int r = 0; r < rows; r++) {
            int o = r * n;
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                m = Math.max(m, x.get(o + j));
            }
            if (m == Double.NEGATIVE_INFINITY) {
                m = 0; // an all −∞ row gives NaN as in PyTorch, not an exception
            }
            double s = 0;
            for (int j = 0; j < n; j++) {
                s += Math.exp(x.get(o + j) - m);
            }
            double logS = Math.log(s);
            for (int j = 0; j < n; j++) {
                double shifted = x.get(o + j) - m;
                y.set(o + j, log ? shifted - logS : Math.exp(shifted) / s);
            }
        }
        return y;
    }
}
