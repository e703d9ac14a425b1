package dev.jgrad.core.tensor;

/** Prints values the way PyTorch does: nested brackets, long dims elided with "...". */
final class Format {
    private static final int EDGE = 3;
    private static final int MAX_FULL = 1000;

    private Format() {}

    static String values(NdArray a) {
        StringBuilder sb = new StringBuilder();
        boolean elide = a.size() > MAX_FULL;
        append(sb, a, 0, 0, elide);
        return sb.toString();
    }

    private static void append(StringBuilder sb, NdArray a, int dim, int offset, boolean elide) {
        Shape s = a.shape();
        if (dim == s.rank()) {
            sb.append(number(a, offset));
            return;
        }
        int n = s.dim(dim);
        int stride = s.sizeOf(dim + 1, s.rank());
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (elide && n > 2 * EDGE && i == EDGE) {
                sb.append("..., ");
                i = n - EDGE - 1;
                continue;
            }
            append(sb, a, dim + 1, offset + i * stride, elide);
            if (i < n - 1) {
                sb.append(dim == s.rank() - 1 ? ", " : ",\n" + " ".repeat(dim + 1));
            }
        }
        sb.append(']');
    }

    private static String number(NdArray a, int i) {
        double v = a.get(i);
        if (a.dtype() == DType.INT32) {
            return Integer.toString((int) v);
        }
        return a.dtype() == DType.FLOAT32 ? Float.toString((float) v) : Double.toString(v);
    }
}
