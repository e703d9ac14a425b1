package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Logistic sigmoid y = σ(x) = 1 / (1 + e^−x).
 * <pre>
 *   backward  ∂L/∂x = g ⊙ y(1 − y)
 * </pre>
 */
@GradientRule("∂L/∂x = g ⊙ y(1 − y)")
public record Sigmoid(Tensor x, NdArray y) implements Op {
    public static Tensor apply(Tensor x) {
        Checks.floating("sigmoid", x);
        NdArray y = x.value().map(Sigmoid::sigma);
        return Tensor.result(y, new Sigmoid(x, y));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        return List.of(g.mul(y.map(v -> v * (1 - v))));
    }

    /** σ(x), written so that neither branch overflows. */
    static double sigma(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }
}
