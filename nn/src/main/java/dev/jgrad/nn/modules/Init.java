package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Random;

/** Weight initializers, as {@code torch.nn.init}; each draws from an explicit {@link Random}. */
public final class Init {
    private Init() {}

    /**
     * Samples from N(mean, std²) truncated to {@code [a, b]}, as {@code torch.nn.init.trunc_normal_}.
     * <pre>
     *   w = mean + std·z,  z ~ N(0, 1), drawn again until a ≤ w ≤ b
     * </pre>
     * Truncating at ±3σ keeps 99.73% of the mass, so a redraw is rare, and shrinks the variance to
     * 0.973·std² (the tails it removes are the widest values).
     */
    public static Tensor truncNormal(
            DType dtype, Random rnd, double mean, double std, double a, double b, int... shape) {
        if (!(std > 0) || !(a < b) || mean + 6 * std < a || mean - 6 * std > b) {
            throw new IllegalArgumentException("truncNormal: need std > 0 and [a, b] near the mean, got mean " + mean
                    + ", std " + std + ", [" + a + ", " + b + "]");
        }
        NdArray w = NdArray.zeros(dtype, Shape.of(shape));
        for (int i = 0; i < w.size(); i++) {
            double x;
            do {
                x = mean + std * rnd.nextGaussian();
            } while (x < a || x > b);
            w.set(i, x);
        }
        return Tensor.of(w);
    }
}
