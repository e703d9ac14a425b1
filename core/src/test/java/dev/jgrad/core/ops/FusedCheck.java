package dev.jgrad.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Fast path against slow path: a fused op and the composition of simpler ops it replaces must agree on
 * the forward value and on every input's gradient of {@code L = Σ w ⊙ f(x)}, with w random from a seed.
 */
final class FusedCheck {
    private FusedCheck() {}

    /**
     * Runs {@code fused} and {@code composed} on fresh copies of {@code inputs}, backpropagates the same
     * random weights through both and asserts that outputs and gradients differ by at most {@code tol}
     * (absolute, relative to the largest magnitude plus 1). {@code fusedOp} is the op the fused output
     * must come from, so the check cannot pass by running the slow path twice.
     */
    static void assertSame(
            String name,
            Class<? extends Op> fusedOp,
            Function<List<Tensor>, Tensor> fused,
            Function<List<Tensor>, Tensor> composed,
            List<Tensor> inputs,
            long seed,
            double tol) {
        List<Tensor> a = copies(inputs);
        List<Tensor> b = copies(inputs);
        Tensor ya = fused.apply(a);
        Tensor yb = composed.apply(b);
        assertTrue(fusedOp.isInstance(ya.op()), name + ": fused output comes from " + ya.op() + ", not " + fusedOp);
        assertEquals(yb.shape(), ya.shape(), name + ": shapes");
        assertClose(name + ": forward", yb.value(), ya.value(), tol);
        Tensor w = weights(ya, seed);
        ya.backward(w);
        yb.backward(w);
        for (int k = 0; k < inputs.size(); k++) {
            if (inputs.get(k).requiresGrad()) {
                assertClose(
                        name + ": gradient of input " + k,
                        b.get(k).gradValue(),
                        a.get(k).gradValue(),
                        tol);
            }
        }
    }

    /** Random standard normal weights of y's shape and dtype. */
    static Tensor weights(Tensor y, long seed) {
        Random rnd = new Random(seed ^ 0x5DEECE66DL);
        NdArray w = NdArray.zeros(y.dtype(), y.shape());
        for (int i = 0; i < w.size(); i++) {
            w.set(i, rnd.nextGaussian());
        }
        return Tensor.of(w);
    }

    static List<Tensor> copies(List<Tensor> inputs) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor x : inputs) {
            out.add(Tensor.of(x.value().copy()).requiresGrad(x.requiresGrad()));
        }
        return out;
    }

    /** {@code |actual − expected| ≤ tol · (1 + max |expected|)} elementwise. */
    static void assertClose(String what, NdArray expected, NdArray actual, double tol) {
        assertEquals(expected.shape(), actual.shape(), what + ": shape");
        double scale = 1;
        for (int i = 0; i < expected.size(); i++) {
            scale = Math.max(scale, Math.abs(expected.get(i)));
        }
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.get(i);
            double x = actual.get(i);
            if (!(Math.abs(e - x) <= tol * scale)) {
                throw new AssertionError(what + " differs at flat index " + i + ": expected " + e + ", got " + x
                        + " (tolerance " + tol * scale + ")");
            }
        }
    }

    /** A float32 copy of a float64 leaf, keeping requiresGrad. */
    static Tensor to32(Tensor x) {
        return Tensor.of(x.value().cast(DType.FLOAT32)).requiresGrad(x.requiresGrad());
    }
}
