package dev.jgrad.core.autograd;

import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;

/**
 * Observes the backward sweep node by node, in the order the engine visits them (outputs before
 * inputs): explain traces and anomaly checks are built on it. Costs nothing when none is passed.
 */
public interface BackwardListener {
    /**
     * Called after {@code node.op().backward(g)} returned {@code inputGrads} (one per input, null
     * where an input needs none), before they are added into the inputs.
     */
    void visited(Tensor node, NdArray g, List<Tensor> inputs, List<NdArray> inputGrads);
}
