package dev.jgrad.core.ops;

import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Rotary position embedding (Su et al., 2021) on interleaved pairs: row r of x has each pair
 * {@code (x[2j], x[2j+1])} turned by the angle whose cosine and sine are row {@code rows[r]} of the
 * tables.
 * <pre>
 *   shapes    x [..., d] (d even; R = size(...) rows),  cos, sin [P, d/2],  rows int[R] in [0, P)  →  y [..., d]
 *   forward   c = cos[rows[r], j],  s = sin[rows[r], j]
 *             (y[r, 2j], y[r, 2j+1]) = (x[r, 2j]·c − x[r, 2j+1]·s,  x[r, 2j]·s + x[r, 2j+1]·c)
 *   backward  (∂L/∂x[r, 2j], ∂L/∂x[r, 2j+1]) = (g[r, 2j]·c + g[r, 2j+1]·s,  −g[r, 2j]·s + g[r, 2j+1]·c)
 *             (a rotation's transpose is the rotation by −angle)
 * </pre>
 * The tables are constants: no gradient flows to them. For queries or keys of several heads laid out
 * as [B, T, h, d_k], every head of token (b, t) uses the same table row, the token's position.
 */
@GradientRule({
    "(∂L/∂x[r, 2j], ∂L/∂x[r, 2j+1]) = (g[r, 2j]·c + g[r, 2j+1]·s,  −g[r, 2j]·s + g[r, 2j+1]·c)",
    "(a rotation's transpose is the rotation by −angle)"
})
public record Rope(Tensor x, NdArray cos, NdArray sin, int[] rows) implements Op {
    /** Elements per parallel chunk. */
    private static final int GRAIN_ELEMENTS = 1 << 15;

    /** Rotates row r of x by table row {@code rows[r]}. */
    public static Tensor apply(Tensor x, NdArray cos, NdArray sin, int[] rows) {
        Checks.floating("rope", x);
        int d = x.rank() == 0 ? 0 : x.dim(-1);
        if (x.rank() == 0 || d % 2 != 0) {
            throw new IllegalArgumentException("rope: input must be [..., d] with d even, got " + x.shape());
        }
        if (cos.dtype() != x.dtype()
                || sin.dtype() != x.dtype()
                || cos.shape().rank() != 2
                || !cos.shape().equals(sin.shape())
                || cos.shape().dim(1) != d / 2) {
            throw new IllegalArgumentException("rope: tables cos " + cos.dtype() + " " + cos.shape() + " and sin "
                    + sin.dtype() + " " + sin.shape() + " must both be " + x.dtype() + " [P, " + d / 2
                    + "] for input " + x.shape());
        }
        int count = x.shape().sizeOf(0, x.rank() - 1);
        if (rows.length != count) {
            throw new IllegalArgumentException(
                    "rope: " + rows.length + " table rows given for the " + count + " rows of input " + x.shape());
        }
        int p = cos.shape().dim(0);
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] < 0 || rows[r] >= p) {
                throw new IllegalArgumentException("rope: table row " + rows[r] + " for row " + r + " of input "
                        + x.shape() + " is outside [0, " + p + ") of tables " + cos.shape());
            }
        }
        int[] kept = rows.clone();
        return Tensor.result(rotate(x.value(), cos, sin, kept, 1), new Rope(x, cos, sin, kept));
    }

    /** True: the inverse rotation of g is written into a new array. */
    @Override
    public boolean backwardReturnsFreshArrays() {
        return true;
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(rotate(g, cos, sin, rows, -1));
    }

    /** Each pair of row r turned by ± the angle of table row {@code rows[r]} ({@code sign} = ±1). */
    private static NdArray rotate(NdArray x, NdArray cos, NdArray sin, int[] rows, int sign) {
        NdArray y = x.emptyLike(); // every pair of every row written
        int half = x.shape().dim(-1) / 2;
        int grain = Math.max(1, GRAIN_ELEMENTS / Math.max(1, 2 * half));
        Parallel.forRange(rows.length, grain, (from, to) -> {
            if (x.dtype() == DType.FLOAT32) {
                float[] in = x.floats();
                float[] out = y.floats();
                float[] c = cos.floats();
                float[] s = sin.floats();
                for (int r = from; r < to; r++) {
                    int o = r * 2 * half;
                    int t = rows[r] * half;
                    for (int j = 0; j < half; j++) {
                        float x0 = in[o + 2 * j];
                        float x1 = in[o + 2 * j + 1];
                        float cj = c[t + j];
                        float sj = sign * s[t + j];
                        out[o + 2 * j] = x0 * cj - x1 * sj;
                        out[o + 2 * j + 1] = x0 * sj + x1 * cj;
                    }
                }
            } else {
                double[] in = x.doubles();
                double[] out = y.doubles();
                double[] c = cos.doubles();
                double[] s = sin.doubles();
                for (int r = from; r < to; r++) {
                    int o = r * 2 * half;
                    int t = rows[r] * half;
                    for (int j = 0; j < half; j++) {
                        double x0 = in[o + 2 * j];
                        double x1 = in[o + 2 * j + 1];
                        double cj = c[t + j];
                        double sj = sign * s[t + j];
                        out[o + 2 * j] = x0 * cj - x1 * sj;
                        out[o + 2 * j + 1] = x0 * sj + x1 * cj;
                    }
                }
            }
        });
        return y;
    }

    /**
     * The table row of every row of an input with leading dims {@code lead}, when the tables' own rows
     * are laid out as {@code tableLead} (which must broadcast to {@code lead}): the broadcast of the
     * row numbers 0, 1, … of the tables.
     */
    public static int[] broadcastRows(Shape tableLead, Shape lead) {
        int[] iota = new int[tableLead.size()];
        for (int i = 0; i < iota.length; i++) {
            iota[i] = i;
        }
        return NdArray.wrap(iota, tableLead).broadcastTo(lead).ints();
    }
}
