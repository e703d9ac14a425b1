package dev.jgrad.nn.optim;

import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum and L2 weight decay, as {@code torch.optim.SGD} with
 * dampening 0 and nesterov off.
 *
 * <pre>
 *   d ← g + λ·p                        weight decay, added to the gradient (coupled, unlike AdamW)
 *   b ← μ·b + d    (b = d at first)    momentum buffer, only when μ ≠ 0; then d ← b
 *   p ← p − lr·d
 * </pre>
 *
 * In float32 in PyTorch's order, with its fused multiply-adds ({@code add_(x, alpha)} is {@code fma(alpha, x, self)}
 * in its CPU kernels), so results agree with PyTorch bit for bit: d = fma(λ, p, g), b = b·μ + d,
 * p = fma(−lr, d, p). The buffer starts at zero, so μ·0 + d reproduces PyTorch's first-step copy of d.
 * State: {@code momentum_buffer.<param name>} when μ ≠ 0, none otherwise.
 */
public final class SGD extends Optimizer {
    private final double momentum;
    private final double weightDecay;
    private final float[][] momentumBuffer;

    public SGD(Map<String, Tensor> params, double lr, double momentum, double weightDecay) {
        super("SGD", params, lr);
        this.momentum = check("SGD", "momentum", momentum, 0, Double.MAX_VALUE, true);
        this.weightDecay = check("SGD", "weightDecay", weightDecay, 0, Double.MAX_VALUE, true);
        this.momentumBuffer = momentum != 0 ? buffer("momentum_buffer") : null;
    }

    /** SGD over a list of parameters, named "0", "1", …. */
    public SGD(List<Tensor> params, double lr, double momentum, double weightDecay) {
        this(numbered(params), lr, momentum, weightDecay);
    }

    @Override
    protected void update(int i, float[] p, float[] g) {
        float lambda = (float) weightDecay, mu = (float) momentum, negLr = (float) -lr();
        float[] b = momentumBuffer == null ? null : momentumBuffer[i];
        boolean decay = weightDecay != 0;
        Parallel.forRange(p.length, GRAIN, (from, to) -> {
            for (int j = from; j < to; j++) {
                float d = decay ? Math.fma(lambda, p[j], g[j]) : g[j];
                if (b != null) d = b[j] = b[j] * mu + d;
                p[j] = Math.fma(negLr, d, p[j]);
            }
        });
    }

    public double momentum() {
        return momentum;
    }

    public double weightDecay() {
        return weightDecay;
    }
}
