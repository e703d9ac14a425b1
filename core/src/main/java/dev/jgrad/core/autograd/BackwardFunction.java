package dev.jgrad.core.autograd;

import dev.jgrad.core.ops.Op;
import dev.jgrad.core.tensor.NdArray;
import java.util.List;

/**
 * A replacement for one op's backward, installed with {@link Autograd#overrideBackward}: given the
 * op (its record components are the saved forward values) and {@code g = ∂L/∂out}, returns
 * {@code ∂L/∂input} for each input. Used by exercises in which a learner writes a backward.
 */
@FunctionalInterface
public interface BackwardFunction {
    List<NdArray> backward(Op op, NdArray g);
}
