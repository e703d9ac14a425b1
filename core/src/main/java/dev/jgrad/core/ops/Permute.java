package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Reorders dims: {@code y.dim(i) = x.dim(perm[i])} (a copy; transpose is a permute of two dims).
 * <pre>
 *   backward  ∂L/∂x = g permuted by the inverse permutation
 * </pre>
 */
@GradientRule("∂L/∂x = g permuted by the inverse permutation")
public record Permute(Tensor x, int[] perm) implements Op {
    public static Tensor apply(Tensor x, int... perm) {
        NdArray y = x.value().permute(perm);
        int[] normalized = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            normalized[i] = x.shape().axis(perm[i]);
        }
        return Tensor.result(y, new Permute(x, normalized));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(x);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[perm[i]] = i;
        }
        return List.of(g.permute(inverse));
    }
}
