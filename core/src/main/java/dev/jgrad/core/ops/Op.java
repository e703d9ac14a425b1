package dev.jgrad.core.ops;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * A recorded operation: the edge from a tensor back to the tensors it was computed from. Every
 * differentiable op of the library is listed here, one record each, forward ({@code apply}), backward
 * and math side by side.
 */
public sealed interface Op
        permits Abs,
                Add,
                Cast,
                CausalAttention,
                Concat,
                CrossEntropy,
                Div,
                Exp,
                Expand,
                Gelu,
                GeluTanh,
                IndexSelect,
                Linear,
                Log,
                LogSoftmax,
                MaskedFill,
                MatMul,
                Max,
                Mean,
                Mul,
                Narrow,
                Neg,
                Permute,
                Pow,
                Relu,
                Reshape,
                RmsNorm,
                Rope,
                Sigmoid,
                Silu,
                SiluMul,
                Softmax,
                Sqrt,
                Sub,
                Sum,
                Tanh,
                Where {
    /** The differentiable inputs, in the order {@link #backward} returns their gradients. */
    List<Tensor> inputs();

    /**
     * Given {@code g = ∂L/∂out}, returns {@code ∂L/∂input} for each input, each of the input's shape
     * and dtype. An entry may be null when that input does not require a gradient.
     */
    List<NdArray> backward(NdArray g);

    /**
     * Whether every non-null array {@link #backward} returns is new storage that nothing else refers to: not
     * {@code g}, not a saved value, not another returned gradient, not a view of any of them. The engine may
     * then add later contributions for the same input into that array in place, or hand it to a leaf as its
     * gradient without copying. False unless an op declares it.
     */
    default boolean backwardReturnsFreshArrays() {
        return false;
    }

    /**
     * Engine use: called once, after {@link #backward} has run and the engine is freeing the graph (no
     * {@code retainGraph}, no listener): the op may hand back storage that only it holds and only backward
     * reads ({@link NdArray#recycle}), such as a saved softmax. Nothing by default.
     */
    default void releaseSaved() {}

    /** The op's name as the user calls it, e.g. {@code matmul}, {@code crossEntropy}. */
    default String name() {
        String s = getClass().getSimpleName();
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
