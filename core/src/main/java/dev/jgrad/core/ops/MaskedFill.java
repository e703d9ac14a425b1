package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Replaces elements where an int mask is non-zero: {@code y = mask ? fill : x}; the mask broadcasts to x.
 * <pre>
 *   backward  ∂L/∂x = g ⊙ [mask = 0]
 * </pre>
 */
@GradientRule("∂L/∂x = g ⊙ [mask = 0]")
public record MaskedFill(Tensor x, NdArray mask) implements Op {
    public static Tensor apply(Tensor x, Tensor maskTensor, double fill) {
        Checks.floating("maskedFill", x);
        Checks.integer("maskedFill", "mask", maskTensor);
        Shape b = Shape.broadcast(maskTensor.shape(), x.shape());
        if (b == null || !b.equals(x.shape())) {
            throw new IllegalArgumentException(
                    "maskedFill: mask " + maskTensor.shape() + " does not broadcast to " + x.shape());
        }
        NdArray mask = maskTensor.value().broadcastTo(x.shape());
        int[] m = mask.ints();
        NdArray y = x.value().copy();
        for (int i = 0; i < m.length; i++) {
            if (m[i] != 0) {
                y.set(i, fill);
            }
        }
        return Tensor.result(y, new MaskedFill(x, mask));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray dx = g.copy();
        int[] m = mask.ints();
        for (int i = 0; i < m.length; i++) {
            if (m[i] != 0) {
                dx.set(i, 0);
            }
        }
        return List.of(dx);
    }
}
