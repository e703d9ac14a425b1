package dev.jgrad.examples.lessons;

import dev.jgrad.core.ops.Op;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Lesson 1: backpropagation through one neuron, one number at a time.
 *
 * <pre>
 *   o = tanh(n),   n = x1·w1 + x2·w2 + b
 * </pre>
 *
 * Every value is a 0-d float64 tensor, so the graph has one node per arithmetic step (the same neuron micrograd
 * uses, with inputs chosen so that n ≈ 0.8814 and o = tanh n ≈ 0.7071). The lesson builds the graph, lists its
 * nodes in topological order (each node after its inputs: the order backward walks in reverse), calls
 * {@code o.backward()}, and prints every node's op, value and gradient ∂o/∂node next to the gradient derived by
 * hand with the chain rule:
 *
 * <pre>
 *   ∂o/∂n  = 1 − o²                       (tanh′ = 1 − tanh²)
 *   ∂o/∂b  = ∂o/∂n · 1                    (add passes the gradient through)
 *   ∂o/∂w1 = ∂o/∂n · x1,  ∂o/∂x1 = ∂o/∂n · w1    (mul swaps its inputs)
 *   ∂o/∂w2 = ∂o/∂n · x2,  ∂o/∂x2 = ∂o/∂n · w2
 * </pre>
 *
 * Runs in well under a second. Try: change x2 from 0 to 1 and see which gradients change.
 */
public final class ScalarNeuron {
    private ScalarNeuron() {}

    /** One node of the graph as printed: its name, how it was made, its value and ∂o/∂node. */
    public record Node(String name, String op, String inputs, double value, double grad, double handGrad) {}

    public static void main(String[] args) {
        print(run(), System.out);
    }

    /** Builds the neuron, backpropagates, and returns the nodes in topological order (output last). */
    public static List<Node> run() {
        // 1. Leaves: the inputs x1, x2, the weights w1, w2 and the bias b. Every leaf asks for a gradient, as
        //    micrograd's Value does (a real model would only ask for the weights' and bias's).
        Tensor x1 = leaf(2.0);
        Tensor x2 = leaf(0.0);
        Tensor w1 = leaf(-3.0);
        Tensor w2 = leaf(1.0);
        Tensor b = leaf(6.8813735870195432);

        // 2. Forward: each method call records one node with its op and inputs.
        Tensor x1w1 = x1.mul(w1);
        Tensor x2w2 = x2.mul(w2);
        Tensor sum = x1w1.add(x2w2);
        Tensor n = sum.add(b);
        Tensor o = n.tanh();

        Map<Tensor, String> names = new IdentityHashMap<>();
        names.put(x1, "x1");
        names.put(x2, "x2");
        names.put(w1, "w1");
        names.put(w2, "w2");
        names.put(b, "b");
        names.put(x1w1, "x1w1");
        names.put(x2w2, "x2w2");
        names.put(sum, "x1w1+x2w2");
        names.put(n, "n");
        names.put(o, "o");

        // 3. The graph in topological order, found by walking from o through op().inputs(). backward() does this
        //    same walk; we do it here to see the nodes, and to ask each inner node to keep its gradient (by
        //    default only leaves keep theirs, as in PyTorch).
        List<Tensor> topo = topologicalOrder(o);
        Map<Tensor, String> opOf = new IdentityHashMap<>();
        Map<Tensor, String> inputsOf = new IdentityHashMap<>();
        for (Tensor t : topo) {
            Op op = t.op();
            if (op == null) {
                opOf.put(t, "leaf");
                inputsOf.put(t, "");
            } else {
                t.retainGrad();
                opOf.put(t, op.name());
                List<String> in = new ArrayList<>();
                for (Tensor i : op.inputs()) {
                    in.add(names.getOrDefault(i, "?"));
                }
                inputsOf.put(t, String.join(", ", in));
            }
        }

        // 4. Backward: ∂o/∂o = 1, then each node, from o back to the leaves, hands its gradient to its inputs.
        o.backward();

        // 5. The same gradients by hand, from the chain rule in the class comment.
        double dn = 1 - o.item() * o.item();
        Map<Tensor, Double> hand = new IdentityHashMap<>();
        hand.put(o, 1.0);
        hand.put(n, dn);
        hand.put(b, dn);
        hand.put(sum, dn);
        hand.put(x1w1, dn);
        hand.put(x2w2, dn);
        hand.put(w1, dn * x1.item());
        hand.put(x1, dn * w1.item());
        hand.put(w2, dn * x2.item());
        hand.put(x2, dn * w2.item());

        List<Node> nodes = new ArrayList<>();
        for (Tensor t : topo) {
            nodes.add(new Node(
                    names.get(t),
                    opOf.get(t),
                    inputsOf.get(t),
                    t.item(),
                    t.grad().item(),
                    hand.get(t)));
        }
        return nodes;
    }

    /** A 0-d float64 leaf that wants a gradient. */
    private static Tensor leaf(double v) {
        return Tensor.scalar(DType.FLOAT64, v).requiresGrad(true);
    }

    /**
     * Every node reachable from {@code root}, each after all of its inputs: depth-first, a node is appended once
     * all its inputs are. Identity, not equals, decides whether a node was seen.
     */
    static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        visit(root, Collections.newSetFromMap(new IdentityHashMap<>()), order);
        return order;
    }

    private static void visit(Tensor t, Set<Tensor> seen, List<Tensor> order) {
        if (!seen.add(t)) {
            return;
        }
        if (t.op() != null) {
            for (Tensor in : t.op().inputs()) {
                visit(in, seen, order);
            }
        }
        order.add(t);
    }

    /** The table: one line per node, in topological order. */
    public static void print(List<Node> nodes, PrintStream out) {
        out.println("o = tanh(x1·w1 + x2·w2 + b), float64 scalars; nodes in topological order (inputs first)");
        out.println();
        out.printf(
                Locale.ROOT,
                "%-10s %-5s %-16s %12s %12s %12s%n",
                "node",
                "op",
                "inputs",
                "value",
                "grad ∂o/∂·",
                "by hand");
        for (Node nd : nodes) {
            out.printf(
                    Locale.ROOT,
                    "%-10s %-5s %-16s %12.6f %12.6f %12.6f%n",
                    nd.name(),
                    nd.op(),
                    nd.inputs(),
                    nd.value(),
                    nd.grad(),
                    nd.handGrad());
        }
        out.println();
        Map<String, Node> byName = new LinkedHashMap<>();
        for (Node nd : nodes) {
            byName.put(nd.name(), nd);
        }
        double o = byName.get("o").value();
        out.printf(Locale.ROOT, "by hand: ∂o/∂n = 1 − o² = 1 − %.6f² = %.6f%n", o, 1 - o * o);
        out.printf(
                Locale.ROOT,
                "         ∂o/∂w1 = x1·(1 − o²) = %.1f · %.6f = %.6f%n",
                byName.get("x1").value(),
                1 - o * o,
                byName.get("w1").handGrad());
        out.printf(
                Locale.ROOT,
                "         ∂o/∂x1 = w1·(1 − o²) = %.1f · %.6f = %.6f%n",
                byName.get("w1").value(),
                1 - o * o,
                byName.get("x1").handGrad());
    }
}
