package dev.jgrad.core.autograd;

import dev.jgrad.core.ops.Op;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reverse-mode engine: sort the graph topologically, then visit it from the output back to the
 * leaves, asking each op for the gradients of its inputs and adding them up.
 *
 * <pre>
 *   ∂L/∂L = 1
 *   for node in reverse topological order:   ∂L/∂input_k += op.backward(∂L/∂node)[k]
 * </pre>
 *
 * Both the sort and the sweep are loops, so graph depth is limited by memory, not by the stack.
 */
public final class Autograd {
    private static final ThreadLocal<boolean[]> GRAD_ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});
    private static final ThreadLocal<boolean[]> RELEASE = ThreadLocal.withInitial(() -> new boolean[] {false});
    private static final ThreadLocal<Map<Class<?>, BackwardFunction>> OVERRIDES =
            ThreadLocal.withInitial(IdentityHashMap::new);

    private Autograd() {}

    /** Whether ops on this thread record a graph. */
    public static boolean isGradEnabled() {
        return GRAD_ENABLED.get()[0];
    }

    /**
     * Turns graph recording off until the returned scope closes, as {@code torch.no_grad()}:
     * {@code try (GradScope ignored = Autograd.noGrad()) { … }}.
     */
    public static GradScope noGrad() {
        boolean[] flag = GRAD_ENABLED.get();
        boolean previous = flag[0];
        flag[0] = false;
        return () -> flag[0] = previous;
    }

    /**
     * Until the returned scope closes, each backward pass on this thread that frees its graph also hands the
     * storage of the graph's intermediate values back for reuse ({@link NdArray#empty}): the next forward pass of
     * a training loop then writes into the last one's activations instead of allocating them again. A released
     * tensor's {@link Tensor#value()} throws afterwards; read what you need (the loss's {@code item()}) before,
     * or {@link Tensor#detach()} it. Kept as they are: the output, the leaves, inputs that do not require grad,
     * detached values and any storage they share. Not protected: what the caller made from an intermediate
     * outside the graph (its {@code value()}, a reshape under {@link #noGrad()}) shares storage that is handed
     * back, and must not be used after the backward pass. PyTorch has no counterpart; it frees an activation
     * when its last reference goes.
     */
    public static GradScope releaseActivations() {
        boolean[] flag = RELEASE.get();
        boolean previous = flag[0];
        flag[0] = true;
        return () -> flag[0] = previous;
    }

    /**
     * Makes backward passes on this thread use {@code replacement} for every {@code op} node until the
     * returned scope closes (scopes nest; closing restores what was there before).
     */
    public static GradScope overrideBackward(Class<? extends Op> op, BackwardFunction replacement) {
        Map<Class<?>, BackwardFunction> map = OVERRIDES.get();
        BackwardFunction previous = map.put(op, replacement);
        return () -> {
            if (previous == null) {
                map.remove(op);
            } else {
                map.put(op, previous);
            }
        };
    }

    /**
     * Turns on anomaly detection for this thread until the returned scope closes, as PyTorch's
     * {@code torch.autograd.detect_anomaly()}: the first op whose forward output or backward gradient
     * holds NaN or ±Inf throws an {@link AnomalyException} naming the op, its input shapes, the phase,
     * and the line that created it. Slow (every value is scanned, every node keeps its creation
     * stack); off by default, and free when off. See {@link AnomalyMode}.
     */
    public static GradScope detectAnomaly() {
        return AnomalyMode.enable();
    }

    /** Whether {@link #detectAnomaly()} is in force on this thread. */
    public static boolean isAnomalyEnabled() {
        return AnomalyMode.isEnabled();
    }

    /** Called by {@link Tensor#result} for each recorded node; a hook point for debugging modes. */
    public static Tensor recorded(Tensor node) {
        if (AnomalyMode.isEnabled()) {
            AnomalyMode.recordSite(node);
        }
        return node;
    }

    /**
     * Backpropagates from {@code root}. With {@code seed == null} the root must be a scalar and the
     * seed is 1. Unless {@code retainGraph}, the graph is freed afterwards.
     */
    public static void backward(Tensor root, NdArray seed, boolean retainGraph) {
        backward(root, seed, retainGraph, null);
    }

    /** As {@link #backward(Tensor, NdArray, boolean)}, reporting each visited node to {@code listener}. */
    public static void backward(Tensor root, NdArray seed, boolean retainGraph, BackwardListener listener) {
        if (seed == null) {
            if (root.numel() != 1) {
                throw new IllegalStateException("backward: output has shape " + root.shape()
                        + "; call it on a scalar such as a loss, or pass a gradient of that shape");
            }
            seed = NdArray.full(root.dtype(), root.shape(), 1);
        } else if (!seed.shape().equals(root.shape()) || seed.dtype() != root.dtype()) {
            throw new IllegalArgumentException("backward: gradient " + seed.dtype() + " " + seed.shape()
                    + " does not match output " + root.dtype() + " " + root.shape());
        }
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: the output does not require grad (no input had "
                    + "requiresGrad(true), or it was computed under noGrad())");
        }
        if (AnomalyMode.isEnabled()) {
            listener = AnomalyMode.listener(root, seed, listener);
        }
        List<Tensor> topo = topologicalOrder(root);
        Map<Tensor, NdArray> grads = new IdentityHashMap<>();
        grads.put(root, seed);
        // Pending gradients that no one else refers to (see Op.backwardReturnsFreshArrays; one stays so when an op
        // such as reshape hands it on as a view): later contributions are added into them in place, a leaf takes
        // one over without a copy, and once an op returning new arrays has consumed one (or it was added into
        // another) its storage is recycled (NdArray.recycle). A listener may keep the arrays it is shown, so with
        // a listener every array is treated as shared.
        Set<NdArray> owned = Collections.newSetFromMap(new IdentityHashMap<>());
        boolean mayOwn = listener == null;
        boolean release = mayOwn && !retainGraph && RELEASE.get()[0];
        List<NdArray> kept = release ? valuesOutsideGraph(topo) : null;
        for (int i = topo.size() - 1; i >= 0; i--) {
            Tensor node = topo.get(i);
            NdArray g = grads.remove(node);
            if (g == null) {
                continue;
            }
            boolean gOwned = owned.remove(g); // from here on g may be aliased by what backward returns
            Op op = node.op();
            if (op == null && gOwned) {
                node.accumulateOwnedGrad(g);
            } else if (op == null || node.retainsGrad()) {
                node.accumulateGrad(g);
            }
            if (op == null) {
                continue;
            }
            List<Tensor> inputs = op.inputs();
            Map<Class<?>, BackwardFunction> overrides = OVERRIDES.get();
            boolean overridden = !overrides.isEmpty() && overrides.containsKey(op.getClass());
            List<NdArray> inputGrads = overridden ? overrides.get(op.getClass()).backward(op, g) : op.backward(g);
            boolean fresh = mayOwn && !overridden && op.backwardReturnsFreshArrays();
            // g itself, or a view of it (reshape), handed on to one input: what the engine owned it still owns
            boolean passedOn = gOwned && !overridden && !node.retainsGrad();
            if (inputGrads.size() != inputs.size()) {
                throw new IllegalStateException(op.name() + ".backward: returned " + inputGrads.size()
                        + " gradients for " + inputs.size() + " inputs");
            }
            if (listener != null) {
                listener.visited(node, g, inputs, inputGrads);
            }
            for (int k = 0; k < inputs.size(); k++) {
                Tensor in = inputs.get(k);
                NdArray gk = inputGrads.get(k);
                if (!in.requiresGrad() || gk == null) {
                    continue;
                }
                if (!gk.shape().equals(in.shape()) || gk.dtype() != in.dtype()) {
                    throw new AssertionError(op.name() + ".backward: gradient " + k + " is " + gk.dtype() + " "
                            + gk.shape() + ", input is " + in.dtype() + " " + in.shape());
                }
                boolean newOrPassedOn = fresh ? gk != g : passedOn && gk.sharesStorage(g); // the latter: a view of g
                boolean gkOwned = newOrPassedOn && !repeats(inputGrads, k);
                NdArray previous = grads.get(in);
                if (previous == null) {
                    grads.put(in, gk);
                    if (gkOwned) {
                        owned.add(gk);
                    }
                } else if (owned.contains(previous)) {
                    previous.addInPlace(gk);
                    if (gkOwned) {
                        gk.recycle(); // added in, and no one else refers to it
                    }
                } else if (gkOwned) {
                    gk.addInPlace(previous); // a + b = b + a exactly, so the sum is the same as previous.add(gk)
                    grads.put(in, gk);
                    owned.add(gk);
                } else {
                    NdArray sum = previous.add(gk);
                    grads.put(in, sum);
                    if (mayOwn) {
                        owned.add(sum);
                    }
                }
            }
            if (gOwned && fresh && !node.retainsGrad() && !anySharesStorage(inputGrads, g)) {
                g.recycle(); // consumed: the op's results are new arrays, and only the engine held g
            }
            if (!retainGraph) {
                if (mayOwn && !overridden) {
                    op.releaseSaved();
                }
                node.freeGraph();
            }
        }
        if (release) {
            releaseIntermediates(root, topo, kept);
        }
    }

    /** The values of the inputs of the graph's ops that do not require grad (constants, ids, masks). */
    private static List<NdArray> valuesOutsideGraph(List<Tensor> topo) {
        List<NdArray> values = new ArrayList<>();
        for (Tensor node : topo) {
            if (node.op() != null) {
                for (Tensor in : node.op().inputs()) {
                    if (!in.requiresGrad()) {
                        values.add(in.value());
                    }
                }
            }
        }
        return values;
    }

    /**
     * Hands back the storage of the nodes this pass freed, except the root's, detached ones' and storage that a
     * kept value shares (a reshaped leaf, say); see {@link #releaseActivations()}.
     */
    private static void releaseIntermediates(Tensor root, List<Tensor> topo, List<NdArray> kept) {
        List<NdArray> give = new ArrayList<>();
        for (Tensor node : topo) {
            // freed by this pass: topologicalOrder refuses a graph through a node an earlier pass freed
            boolean freedNow = node.op() == null && node.freedOp() != null;
            NdArray released = freedNow && node != root ? node.releaseValue() : null;
            if (released != null) {
                give.add(released);
            } else {
                kept.add(node.value()); // the root, a leaf, a detached value or a node no gradient reached
            }
        }
        NdArray.recycleDistinct(give, kept);
    }

    /** Whether {@code grads[k]} shares storage with another entry of {@code grads}. */
    private static boolean repeats(List<NdArray> grads, int k) {
        for (int j = 0; j < grads.size(); j++) {
            if (j != k && grads.get(j) != null && grads.get(j).sharesStorage(grads.get(k))) {
                return true;
            }
        }
        return false;
    }

    /** Whether an entry of {@code grads} shares storage with {@code g}. */
    private static boolean anySharesStorage(List<NdArray> grads, NdArray g) {
        for (NdArray gk : grads) {
            if (gk != null && gk.sharesStorage(g)) {
                return true;
            }
        }
        return false;
    }

    /** Nodes that require grad, each after all of its inputs; iterative depth-first search. */
    static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>(); // {node, index of the next input to visit}
        seen.add(root);
        stack.push(new Object[] {root, 0});
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor node = (Tensor) frame[0];
            if (node.op() == null && node.freedOp() != null) {
                throw new IllegalStateException("backward: the graph through " + node.freedOp() + " " + node.shape()
                        + " was freed by an earlier backward(); call backward(true) the first time to "
                        + "backpropagate through it again");
            }
            List<Tensor> inputs = node.op() == null ? List.of() : node.op().inputs();
            int next = (Integer) frame[1];
            if (next < inputs.size()) {
                frame[1] = next + 1;
                Tensor in = inputs.get(next);
                if (in.requiresGrad() && seen.add(in)) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                order.add(node);
            }
        }
        return order;
    }
}
