package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Softmax along one dim, {@code p_i = exp(x_i − m) / Σ_j exp(x_j − m)} with {@code m = max_j x_j}.
 * Subtracting m changes nothing mathematically (it cancels between numerator and denominator) and
 * keeps {@code exp} from overflowing.
 * <pre>
 *   backward  ∂L/∂x_i = p_i · (g_i − Σ_j g_j p_j)
 * </pre>
 */
@GradientRule("∂L/∂x_i = p_i · (g_i − Σ_j g_j p_j)")
public record Softmax(Tensor x, int axis, NdArray p) implements Op {
    public static Tensor apply(Tensor x, int dim) {
        Checks.floating("softmax", x);
        int axis = Checks.axis("softmax", x, dim);
        NdArray p = Rows.softmax(x.value(), axis, false);
        return Tensor.result(p, new Softmax(x, axis, p));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray gp = g.mul(p).sumKeepDims(new int[] {axis});
        return List.of(p.mul(g.sub(gp)));
    }
}
