package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The same values with another shape of equal size (a view: storage is shared). One dim may be −1.
 * <pre>
 *   backward  ∂L/∂x = g reshaped to x's shape
 * </pre>
 */
@GradientRule("∂L/∂x = g reshaped to x's shape")
public record Reshape(Tensor x) implements Op {
    public static Tensor apply(Tensor x, int... dims) {
        return Tensor.result(x.value().reshape(infer(x.shape(), dims)), new Reshape(x));
    }

    private static Shape infer(Shape from, int[] dims) {
        int[] out = dims.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1 && unknown < 0) {
                unknown = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException("reshape: bad target " + Arrays.toString(dims) + " for " + from);
            } else {
                known *= out[i];
            }
        }
        if (unknown >= 0) {
            if (known == 0 || from.size() % known != 0) {
                throw new IllegalArgumentException(
                        "reshape: cannot view " + from + " (" + from.size() + " elements) as " + Arrays.toString(dims));
            }
            out[unknown] = (int) (from.size() / known);
        }
        return Shape.of(out);
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.reshape(x.shape()));
    }
}
