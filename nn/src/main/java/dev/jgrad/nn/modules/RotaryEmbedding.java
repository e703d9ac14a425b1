package dev.jgrad.nn.modules;

import dev.jgrad.core.ops.Rope;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;

/**
 * Rotary position embedding (RoPE, Su et al. 2021) with CS336's interleaved pairs: each pair
 * {@code (x[2j], x[2j+1])} of a query or key at position p is rotated by the angle p · θ^(−2j/d_k).
 * <pre>
 *   shapes   x [..., d_k],  positions int32 whose shape broadcasts to x's leading dims [...]
 *            (usually [..., seq] or [seq] for x [..., seq, d_k])
 *   forward  a = p · θ^(−2j/d_k),   (x0, x1) → (x0·cos a − x1·sin a,  x0·sin a + x1·cos a)
 * </pre>
 * The cosines and sines for positions 0 … max_seq_len − 1 are computed once, in float64, when this is built
 * (a float32 copy is kept for float32 inputs). They are constants, not parameters, so they never appear in
 * a state dict; one instance is shared by every attention layer of a model. The rotation is one core
 * {@link Rope} node that reads these tables at each row's position. Queries of several heads laid out as
 * [..., seq, h, d_k] take positions [..., seq, 1]: every head of a token turns by the same angle.
 */
public final class RotaryEmbedding {
    private final double theta;
    private final int dK;
    private final int maxSeqLen;
    private final Tensor cos64;
    private final Tensor sin64;
    private final Tensor cos32;
    private final Tensor sin32;

    public RotaryEmbedding(double theta, int dK, int maxSeqLen) {
        if (!(theta > 0) || Double.isInfinite(theta) || dK <= 0 || dK % 2 != 0 || maxSeqLen <= 0) {
            throw new IllegalArgumentException("RotaryEmbedding: need theta > 0, d_k even and > 0, max_seq_len > 0;"
                    + " got theta " + theta + ", d_k " + dK + ", max_seq_len " + maxSeqLen);
        }
        this.theta = theta;
        this.dK = dK;
        this.maxSeqLen = maxSeqLen;
        int half = dK / 2;
        NdArray c = NdArray.zeros(DType.FLOAT64, Shape.of(maxSeqLen, half));
        NdArray s = NdArray.zeros(DType.FLOAT64, Shape.of(maxSeqLen, half));
        for (int j = 0; j < half; j++) {
            double frequency = Math.pow(theta, -2.0 * j / dK);
            for (int p = 0; p < maxSeqLen; p++) {
                c.set(p * half + j, Math.cos(p * frequency));
                s.set(p * half + j, Math.sin(p * frequency));
            }
        }
        cos64 = Tensor.of(c);
        sin64 = Tensor.of(s);
        cos32 = Tensor.of(c.cast(DType.FLOAT32));
        sin32 = Tensor.of(s.cast(DType.FLOAT32));
    }

    /** Rotates x [..., seq, d_k] at positions 0 … seq − 1. */
    public Tensor forward(Tensor x) {
        checkInput(x);
        return forward(x, Tensor.ofInts(range(x.dim(-2))));
    }

    /**
     * Rotates each row of x [..., d_k] by the angle of its position: int32 {@code positions}, whose shape
     * must broadcast to x's leading dims (for x [..., seq, d_k], positions [..., seq] or [seq]).
     */
    public Tensor forward(Tensor x, Tensor positions) {
        checkInput(x);
        Shape lead = Shape.of(Arrays.copyOf(x.shape().dims(), x.rank() - 1));
        if (positions.dtype() != DType.INT32 || !lead.equals(Shape.broadcast(positions.shape(), lead))) {
            throw new IllegalArgumentException("rope: positions " + positions.dtype() + " " + positions.shape()
                    + " must be int32 and broadcast to the leading shape " + lead + " of input " + x.shape());
        }
        int[] p = positions.value().ints();
        for (int i = 0; i < p.length; i++) {
            if (p[i] < 0 || p[i] >= maxSeqLen) {
                throw new IllegalArgumentException("rope: position " + p[i] + " at flat index " + i + " is outside [0, "
                        + maxSeqLen + ") (max_seq_len)");
            }
        }
        int[] rows = positions.value().broadcastTo(lead).ints(); // each row's position is its table row
        boolean f32 = x.dtype() == DType.FLOAT32;
        return Rope.apply(x, (f32 ? cos32 : cos64).value(), (f32 ? sin32 : sin64).value(), rows);
    }

    private void checkInput(Tensor x) {
        if (x.rank() < 2 || x.dim(-1) != dK || !x.dtype().isFloating()) {
            throw new IllegalArgumentException(
                    "rope: input must be a float tensor [..., seq, " + dK + "], got " + x.dtype() + " " + x.shape());
        }
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        Arrays.setAll(r, i -> i);
        return r;
    }

    public double theta() {
        return theta;
    }

    public int dK() {
        return dK;
    }

    public int maxSeqLen() {
        return maxSeqLen;
    }
}
