package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.DType;
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
        if (x.dtype() == DType.FLOAT32) {
            float[] in = x.floats();
            float[] out = y.floats();
            for (int o = 0; o < rows * n; o += n) {
                float m = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) m = Math.max(m, in[o + j]);
                if (m == Float.NEGATIVE_INFINITY) m = 0; // an all −∞ row gives NaN, as in PyTorch
                double s = 0;
                for (int j = 0; j < n; j++) s += Math.exp(in[o + j] - m);
                if (log) {
                    float shift = (float) (m + Math.log(s));
                    for (int j = 0; j < n; j++) out[o + j] = in[o + j] - shift;
                } else {
                    double inv = 1 / s;
                    for (int j = 0; j < n; j++) out[o + j] = (float) (Math.exp(in[o + j] - m) * inv);
                }
            }
        } else {
            double[] in = x.doubles();
            double[] out = y.doubles();
            for (int o = 0; o < rows * n; o += n) {
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) m = Math.max(m, in[o + j]);
                if (m == Double.NEGATIVE_INFINITY) m = 0;
                double s = 0;
                for (int j = 0; j < n; j++) s += Math.exp(in[o + j] - m);
                double logS = Math.log(s);
                for (int j = 0; j < n; j++) out[o + j] = log ? in[o + j] - m - logS : Math.exp(in[o + j] - m) / s;
            }
        }
        return y;
    }
}
