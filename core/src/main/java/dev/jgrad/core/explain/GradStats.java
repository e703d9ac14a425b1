package dev.jgrad.core.explain;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import java.util.Locale;

/**
 * A summary of one gradient: its L2 norm, smallest and largest finite entry, and how many entries are
 * NaN or infinite.
 *
 * <pre>
 *   norm = √(Σ_i g_i²)   over finite entries (NaN and ±∞ are counted, not summed)
 *   min, max             over finite entries; NaN when there are none
 * </pre>
 */
public record GradStats(int size, double norm, double min, double max, int nanCount, int infCount) {
    /** One pass over {@code g}'s storage. */
    public static GradStats of(NdArray g) {
        double sumSq = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int nan = 0;
        int inf = 0;
        int n = g.size();
        if (g.dtype() == DType.FLOAT32) {
            float[] v = g.floats();
            for (int i = 0; i < n; i++) {
                float x = v[i];
                if (Float.isNaN(x)) {
                    nan++;
                } else if (Float.isInfinite(x)) {
                    inf++;
                } else {
                    sumSq += (double) x * x;
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                double x = g.get(i);
                if (Double.isNaN(x)) {
                    nan++;
                } else if (Double.isInfinite(x)) {
                    inf++;
                } else {
                    sumSq += x * x;
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                }
            }
        }
        boolean none = nan + inf == n;
        return new GradStats(n, Math.sqrt(sumSq), none ? Double.NaN : min, none ? Double.NaN : max, nan, inf);
    }

    /** Whether every entry is finite. */
    public boolean finite() {
        return nanCount == 0 && infCount == 0;
    }

    /**
     * {@code norm 0.412  min −0.23  max 0.118}, then {@code NaN 3} / {@code ∞ 1} when there are any; a
     * single finite value prints as {@code = 0.5}.
     */
    @Override
    public String toString() {
        if (size == 1 && finite()) {
            return "= " + num(min);
        }
        String s = String.format(Locale.ROOT, "norm %s  min %s  max %s", num(norm), num(min), num(max));
        if (nanCount > 0) {
            s += "  NaN " + nanCount;
        }
        if (infCount > 0) {
            s += "  ∞ " + infCount;
        }
        return s;
    }

    /** Four significant digits, plain for moderate magnitudes, scientific otherwise. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) {
            String s = String.format(Locale.ROOT, "%.4g", v);
            if (s.contains(".") && !s.contains("e")) {
                s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
            }
            return s;
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }
}
