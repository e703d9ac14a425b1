package dev.jgrad.core.explain;

import dev.jgrad.core.ops.GradientRule;
import dev.jgrad.core.ops.Op;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What an explain trace or a graph picture says about an op: its rule, its inputs' names, broadcasting. */
final class OpInfo {
    private OpInfo() {}

    /** The op's {@link GradientRule} lines, or a note that it has none. */
    static List<String> rule(Class<? extends Op> op) {
        GradientRule r = op.getAnnotation(GradientRule.class);
        return r == null ? List.of("(" + op.getSimpleName() + " has no @GradientRule)") : List.of(r.value());
    }

    static GradientRule.Broadcast broadcast(Class<? extends Op> op) {
        GradientRule r = op.getAnnotation(GradientRule.class);
        return r == null ? GradientRule.Broadcast.NONE : r.broadcast();
    }

    /**
     * The names of {@code op.inputs()} from the record's components ({@code a}, {@code b}; {@code xs[0]}
     * for a list), so that a trace can say {@code ∂L/∂b} as the rule does; {@code input k} when the
     * components do not line up with the inputs.
     */
    static List<String> inputNames(Op op) {
        List<Tensor> inputs = op.inputs();
        List<String> names = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        RecordComponent[] components = op.getClass().getRecordComponents();
        if (components != null) {
            try {
                for (RecordComponent c : components) {
                    Object v = c.getAccessor().invoke(op);
                    if (v instanceof Tensor) {
                        names.add(c.getName());
                        values.add(v);
                    } else if (v instanceof List<?>) {
                        List<?> list = (List<?>) v;
                        for (int i = 0; i < list.size(); i++) {
                            if (list.get(i) instanceof Tensor) {
                                names.add(c.getName() + "[" + i + "]");
                                values.add(list.get(i));
                            }
                        }
                    }
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                values.clear();
            }
        }
        boolean aligned = values.size() == inputs.size();
        for (int k = 0; aligned && k < inputs.size(); k++) {
            aligned = values.get(k) == inputs.get(k);
        }
        if (aligned) {
            return names;
        }
        List<String> fallback = new ArrayList<>();
        for (int k = 0; k < inputs.size(); k++) {
            fallback.add("input " + k);
        }
        return fallback;
    }

    /**
     * The axes of the output (or, for {@link GradientRule.Broadcast#BATCH}, of its batch dims) over which
     * the forward pass broadcast input {@code in}: the axes its gradient was summed over.
     */
    static int[] summedAxes(GradientRule.Broadcast kind, Shape out, List<Shape> inputs, Shape in) {
        switch (kind) {
            case ELEMENTWISE:
                return stretched(out, in);
            case BATCH:
                Shape batch = Shape.scalar();
                for (Shape s : inputs) {
                    batch = Shape.broadcast(batch, batchOf(s));
                    if (batch == null) {
                        return new int[0];
                    }
                }
                return stretched(batch, batchOf(in));
            default:
                return new int[0];
        }
    }

    /** Axes of {@code to} that {@code from} lacks or has as 1 while {@code to} is larger (NumPy alignment). */
    static int[] stretched(Shape to, Shape from) {
        if (from.rank() > to.rank()) {
            return new int[0];
        }
        int offset = to.rank() - from.rank();
        int[] axes = new int[to.rank()];
        int n = 0;
        for (int i = 0; i < to.rank(); i++) {
            int d = i < offset ? 1 : from.dim(i - offset);
            if (d != to.dim(i) && d != 1) {
                return new int[0]; // not a broadcast of from
            }
            if (d == 1 && to.dim(i) > 1) {
                axes[n++] = i;
            }
        }
        return Arrays.copyOf(axes, n);
    }

    private static Shape batchOf(Shape s) {
        return s.rank() < 2 ? Shape.scalar() : Shape.of(Arrays.copyOf(s.dims(), s.rank() - 2));
    }
}
