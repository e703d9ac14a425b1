package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.functional.F;

/**
 * Layer normalization over the last dim, as PyTorch's {@code nn.LayerNorm(d)}.
 * <pre>
 *   parameters  weight [d] init ones,  bias [d] init zeros
 *   shapes      x [..., d]  →  y [..., d]
 *   forward     μ = mean(x),  σ² = mean((x − μ)²)  (biased: divides by d, not d − 1)
 *               y = (x − μ) / sqrt(σ² + eps) ⊙ weight + bias
 * </pre>
 */
public final class LayerNorm extends Module {
    private final double eps;

    /** float32, eps = 1e-5. */
    public LayerNorm(int d) {
        this(d, 1e-5, DType.FLOAT32);
    }

    public LayerNorm(int d, double eps, DType dtype) {
        if (d <= 0 || !(eps >= 0)) {
            throw new IllegalArgumentException("LayerNorm: need d > 0 and eps ≥ 0, got d " + d + ", eps " + eps);
        }
        Linear.checkFloating("LayerNorm", dtype);
        this.eps = eps;
        registerParameter("weight", Tensor.ones(dtype, d));
        registerParameter("bias", Tensor.zeros(dtype, d));
    }

    public Tensor forward(Tensor x) {
        return F.layerNorm(x, weight(), bias(), eps);
    }

    public Tensor weight() {
        return parameter("weight");
    }

    public Tensor bias() {
        return parameter("bias");
    }

    public double eps() {
        return eps;
    }
}
