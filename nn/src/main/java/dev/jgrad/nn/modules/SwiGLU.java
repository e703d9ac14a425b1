package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.functional.F;
import java.util.Random;

/**
 * The gated feed-forward block of Shazeer (2020), as CS336's SwiGLU.
 * <pre>
 *   sub-modules  w1: Linear d_model → d_ff,  w2: Linear d_ff → d_model,  w3: Linear d_model → d_ff (no biases)
 *   shapes       x [..., d_model]  →  y [..., d_model]
 *   forward      y = w2(silu(w1(x)) ⊙ w3(x)),   silu(a) = a · σ(a)
 * </pre>
 * CS336 suggests d_ff ≈ 8/3 · d_model rounded to a multiple of 64, but any d_ff works.
 */
public final class SwiGLU extends Module {
    private final Linear w1;
    private final Linear w2;
    private final Linear w3;

    public SwiGLU(int dModel, int dFf, Random rnd) {
        this(dModel, dFf, DType.FLOAT32, rnd);
    }

    public SwiGLU(int dModel, int dFf, DType dtype, Random rnd) {
        w1 = registerModule("w1", new Linear(dModel, dFf, false, dtype, rnd));
        w2 = registerModule("w2", new Linear(dFf, dModel, false, dtype, rnd));
        w3 = registerModule("w3", new Linear(dModel, dFf, false, dtype, rnd));
    }

    public Tensor forward(Tensor x) {
        return F.swiglu(x, w1.weight(), w2.weight(), w3.weight());
    }

    public Linear w1() {
        return w1;
    }

    public Linear w2() {
        return w2;
    }

    public Linear w3() {
        return w3;
    }
}
