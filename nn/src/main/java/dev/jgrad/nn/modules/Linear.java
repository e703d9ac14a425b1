package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.functional.F;
import java.util.Random;

/**
 * A linear map {@code y = x · Wᵀ (+ b)} on the last dim, laid out as PyTorch's {@code nn.Linear} so that
 * its weights load unchanged.
 * <pre>
 *   parameters  weight [out, in];  bias [out] if enabled (CS336's Linear has none)
 *   shapes      x [..., in]  →  y [..., out]
 *   init        weight ~ N(0, σ²), σ² = 2 / (in + out), truncated to [−3σ, 3σ] (CS336's choice);
 *               bias = 0 (as GPT-2; PyTorch's default would be U(−1/√in, 1/√in))
 * </pre>
 */
public final class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final boolean hasBias;

    /** A float32 linear map without bias, as CS336's. */
    public Linear(int inFeatures, int outFeatures, Random rnd) {
        this(inFeatures, outFeatures, false, DType.FLOAT32, rnd);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias, DType dtype, Random rnd) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException(
                    "Linear: sizes must be positive, got in " + inFeatures + ", out " + outFeatures);
        }
        checkFloating("Linear", dtype);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.hasBias = bias;
        double std = Math.sqrt(2.0 / (inFeatures + outFeatures));
        registerParameter("weight", Init.truncNormal(dtype, rnd, 0, std, -3 * std, 3 * std, outFeatures, inFeatures));
        if (bias) {
            registerParameter("bias", Tensor.zeros(dtype, outFeatures));
        }
    }

    static void checkFloating(String module, DType dtype) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException(module + ": parameters need a float dtype, got " + dtype);
        }
    }

    /** {@code x · Wᵀ (+ b)}: [..., in] → [..., out]. */
    public Tensor forward(Tensor x) {
        return F.linear(x, weight(), bias());
    }

    /** The weight [out, in]. */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The bias [out], or null when this map has none. */
    public Tensor bias() {
        return hasBias ? parameter("bias") : null;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }
}
