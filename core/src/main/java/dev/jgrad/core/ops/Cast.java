package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Conversion to another dtype, y = (dtype) x. A cast to int32 truncates and is a constant: no gradient flows through it.
 * <pre>
 *   backward  ∂L/∂x = (x.dtype) g
 * </pre>
 */
@GradientRule("∂L/∂x = (x.dtype) g")
public record Cast(Tensor x) implements Op {
    public static Tensor apply(Tensor x, DType to) {
        return Tensor.result(x.value().cast(to), new Cast(x));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.cast(x.dtype()));
    }
}
