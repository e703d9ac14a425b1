package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;

/** Argument checks shared by ops; each message starts with the op's name. */
final class Checks {
    private Checks() {}

    static void floating(String op, Tensor x) {
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException(
                    op + ": needs a float32 or float64 tensor, got " + x.dtype() + " " + x.shape());
        }
    }

    static void integer(String op, String what, Tensor x) {
        if (x.dtype() != DType.INT32) {
            throw new IllegalArgumentException(
                    op + ": " + what + " must be an int32 tensor, got " + x.dtype() + " " + x.shape());
        }
    }

    static void sameFloatDtype(String op, Tensor a, Tensor b) {
        floating(op, a);
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + a.dtype() + " " + a.shape() + " and "
                    + b.dtype() + " " + b.shape() + "; convert one with to(dtype)");
        }
    }

    /** Normalized, sorted, duplicate-free axes. */
    static int[] axes(String op, Tensor x, int[] dims) {
        boolean[] seen = new boolean[x.rank()];
        for (int d : dims) {
            int a;
            try {
                a = x.shape().axis(d);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
            }
            if (seen[a]) {
                throw new IllegalArgumentException(op + ": dim " + d + " is listed twice for shape " + x.shape());
            }
            seen[a] = true;
        }
        int count = 0;
        int[] out = new int[dims.length];
        for (int a = 0; a < seen.length; a++) {
            if (seen[a]) {
                out[count++] = a;
            }
        }
        return out;
    }

    static int axis(String op, Tensor x, int dim) {
        try {
            return x.shape().axis(dim);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
    }
}
