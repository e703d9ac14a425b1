package dev.jgrad.nn.optim;

import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019), exactly as {@code torch.optim.AdamW} computes it.
 *
 * <pre>
 *   per parameter p with gradient g, at its t-th update (t counts from 1):
 *     p ← p · (1 − lr·λ)                              decoupled weight decay, applied first
 *     m ← β₁·m + (1 − β₁)·g                           first moment
 *     v ← β₂·v + (1 − β₂)·g²                          second moment
 *     p ← p − lr · m̂ / (√v̂ + ε),   m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)      ε outside the root
 * </pre>
 *
 * In float32 with PyTorch's order of operations and roundings, so results agree with PyTorch's CPU kernels bit
 * for bit (checked against PyTorch 1.13 on x86-64); scalars are computed in double, then rounded to float:
 *
 * <pre>
 *   p         ← p · (1 − lr·λ)
 *   m         ← fma(1 − β₁, g, m·β₁)                   add_(g, alpha) is one fused multiply-add
 *   v         ← fma((1 − β₂)·g, g, v·β₂)               so is addcmul_(g, g, value)
 *   denom     = √v / √(1 − β₂ᵗ) + ε
 *   p         ← p + ((−step_size) · m) / denom,   step_size = lr / (1 − β₁ᵗ)       addcdiv_: no fusion
 * </pre>
 *
 * State: {@code exp_avg} (m), {@code exp_avg_sq} (v) and the counter {@code step} (t), each per parameter and
 * named as in PyTorch's {@code state_dict()}. A parameter without a gradient is skipped and its t does not advance.
 * Defaults are PyTorch's: lr 1e-3, β = (0.9, 0.999), ε = 1e-8, λ = 0.01.
 */
public final class AdamW extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final float[][] expAvg;
    private final float[][] expAvgSq;
    private final int[] step;

    /** AdamW with PyTorch's defaults over named parameters (e.g. {@code model.namedParameters()}). */
    public AdamW(Map<String, Tensor> params) {
        this(params, 1e-3, 0.9, 0.999, 1e-8, 0.01);
    }

    public AdamW(Map<String, Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super("AdamW", params, lr);
        this.beta1 = check("AdamW", "beta1", beta1, 0, 1, false);
        this.beta2 = check("AdamW", "beta2", beta2, 0, 1, false);
        this.eps = check("AdamW", "eps", eps, 0, Double.MAX_VALUE, true);
        this.weightDecay = check("AdamW", "weightDecay", weightDecay, 0, Double.MAX_VALUE, true);
        this.step = counter("step");
        this.expAvg = buffer("exp_avg");
        this.expAvgSq = buffer("exp_avg_sq");
    }

    /** AdamW with PyTorch's defaults over a list of parameters, named "0", "1", …. */
    public AdamW(List<Tensor> params) {
        this(params, 1e-3, 0.9, 0.999, 1e-8, 0.01);
    }

    public AdamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this(numbered(params), lr, beta1, beta2, eps, weightDecay);
    }

    @Override
    protected void update(int i, float[] p, float[] g) {
        int t = ++step[i];
        double lr = lr();
        double biasCorrection1 = 1 - StrictMath.pow(beta1, t);
        double biasCorrection2 = 1 - StrictMath.pow(beta2, t);
        float decay = (float) (1 - lr * weightDecay);
        float b1 = (float) beta1, a1 = (float) (1 - beta1);
        float b2 = (float) beta2, a2 = (float) (1 - beta2);
        float negStepSize = (float) -(lr / biasCorrection1);
        float bc2Sqrt = (float) Math.sqrt(biasCorrection2);
        float e = (float) eps;
        float[] m = expAvg[i], v = expAvgSq[i];
        Parallel.forRange(p.length, GRAIN, (from, to) -> {
            for (int j = from; j < to; j++) {
                float gj = g[j];
                float mj = Math.fma(a1, gj, m[j] * b1);
                float vj = Math.fma(a2 * gj, gj, v[j] * b2);
                m[j] = mj;
                v[j] = vj;
                float denom = (float) Math.sqrt(vj) / bc2Sqrt + e;
                p[j] = p[j] * decay + negStepSize * mj / denom;
            }
        });
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double eps() {
        return eps;
    }

    public double weightDecay() {
        return weightDecay;
    }
}
