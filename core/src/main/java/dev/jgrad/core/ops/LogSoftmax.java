package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Log-softmax along one dim, {@code y_i = x_i − m − log Σ_j exp(x_j − m)}, {@code m = max_j x_j}.
 * <pre>
 *   backward  ∂L/∂x_i = g_i − softmax(x)_i · Σ_j g_j      (softmax(x) = exp(y))
 * </pre>
 */
@GradientRule("∂L/∂x_i = g_i − softmax(x)_i · Σ_j g_j      (softmax(x) = exp(y))")
public record LogSoftmax(Tensor x, int axis, NdArray y) implements Op {
    public static Tensor apply(Tensor x, int dim) {
        Checks.floating("logSoftmax", x);
        int axis = Checks.axis("logSoftmax", x, dim);
        NdArray y = Rows.softmax(x.value(), axis, true);
        return Tensor.result(y, new LogSoftmax(x, axis, y));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray sumG = g.sumKeepDims(new int[] {axis});
        return List.of(g.sub(y.map(Math::exp).mul(sumG)));
    }
}
