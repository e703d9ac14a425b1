package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Rectified linear unit y = max(x, 0).
 * <pre>
 *   backward  ∂L/∂x = g ⊙ [x &gt; 0]      (0 at the kink, as PyTorch)
 * </pre>
 */
@GradientRule("∂L/∂x = g ⊙ [x > 0]      (0 at the kink, as PyTorch)")
public record Relu(Tensor x) implements Op {
    public static Tensor apply(Tensor x) {
        Checks.floating("relu", x);
        return Tensor.result(x.value().map(v -> v > 0 ? v : 0), new Relu(x));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.mul(x.value().map(v -> v > 0 ? 1 : 0)));
    }
}
