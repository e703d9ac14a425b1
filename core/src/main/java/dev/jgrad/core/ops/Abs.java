package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Absolute value y = |x|.
 * <pre>
 *   backward  ∂L/∂x = g ⊙ sign(x)      (0 at x = 0, as PyTorch)
 * </pre>
 */
@GradientRule("∂L/∂x = g ⊙ sign(x)      (0 at x = 0, as PyTorch)")
public record Abs(Tensor x) implements Op {
    public static Tensor apply(Tensor x) {
        Checks.floating("abs", x);
        return Tensor.result(x.value().map(Math::abs), new Abs(x));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.mul(x.value().map(Math::signum)));
    }
}
