package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Elementwise choice {@code y = c ? a : b} with an int condition; c, a and b broadcast together.
 * <pre>
 *   backward  ∂L/∂a = g ⊙ [c ≠ 0],  ∂L/∂b = g ⊙ [c = 0], each summed back to its input's shape
 * </pre>
 */
@GradientRule(
        value = "∂L/∂a = g ⊙ [c ≠ 0],  ∂L/∂b = g ⊙ [c = 0], each summed back to its input's shape",
        broadcast = GradientRule.Broadcast.ELEMENTWISE)
public record Where(NdArray condition, Tensor a, Tensor b) implements Op {
    public static Tensor apply(Tensor condition, Tensor a, Tensor b) {
        Checks.integer("where", "condition", condition);
        Checks.sameFloatDtype("where", a, b);
        Shape ab = Shape.broadcast(a.shape(), b.shape());
        Shape out = ab == null ? null : Shape.broadcast(condition.shape(), ab);
        if (out == null) {
            throw new IllegalArgumentException("where: condition " + condition.shape() + ", a " + a.shape() + " and b "
                    + b.shape() + " cannot be broadcast together");
        }
        NdArray c = condition.value().broadcastTo(out);
        NdArray av = a.value().broadcastTo(out);
        NdArray bv = b.value().broadcastTo(out);
        int[] m = c.ints();
        NdArray y = av;
        for (int i = 0; i < m.length; i++) {
            if (m[i] == 0) {
                y.set(i, bv.get(i));
            }
        }
        return Tensor.result(y, new Where(c, a, b));
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(a, b);
    }

    @Override
    public List<NdArray> backward(NdArray g) {
        NdArray ga = g.copy();
        NdArray gb = g.copy();
        int[] m = condition.ints();
        for (int i = 0; i < m.length; i++) {
            (m[i] != 0 ? gb : ga).set(i, 0);
        }
        return Arrays.asList(ga.sumTo(a.shape()), gb.sumTo(b.shape()));
    }
}
