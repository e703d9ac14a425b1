package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.functional.F;

/**
 * Root-mean-square layer normalization, as CS336's RMSNorm.
 * <pre>
 *   parameters  weight [d] (the gain g), init ones
 *   shapes      x [..., d]  →  y [..., d]
 *   forward     y = x / sqrt(mean(x², last dim) + eps) ⊙ g
 * </pre>
 * Unlike LayerNorm it neither subtracts the mean nor adds a bias.
 */
public final class RMSNorm extends Module {
    private final double eps;

    /** float32, eps = 1e-5. */
    public RMSNorm(int d) {
        this(d, 1e-5, DType.FLOAT32);
    }

    public RMSNorm(int d, double eps, DType dtype) {
        if (d <= 0 || !(eps >= 0)) {
            throw new IllegalArgumentException("RMSNorm: need d > 0 and eps ≥ 0, got d " + d + ", eps " + eps);
        }
        Linear.checkFloating("RMSNorm", dtype);
        this.eps = eps;
        registerParameter("weight", Tensor.ones(dtype, d));
    }

    public Tensor forward(Tensor x) {
        return F.rmsNorm(x, weight(), eps);
    }

    /** The gain g [d]. */
    public Tensor weight() {
        return parameter("weight");
    }

    public double eps() {
        return eps;
    }
}
