package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * After {@code loss.backward()}: the parameters whose gradient is missing or all zero, the usual sign
 * of a hand-built model with a layer that is never called, a result that is computed and dropped, or
 * a weight multiplied by a constant 0 (PyTorch's DistributedDataParallel calls the first kind
 * "unused parameters").
 *
 * <pre>
 *   NO_GRADIENT  p.grad() == null:  no path from the loss back to p (or p.requiresGrad() is false)
 *   ALL_ZERO     p.grad() == 0 everywhere:  a path exists, but every route through it carries 0
 * </pre>
 *
 * An all-zero gradient is occasionally legitimate (an embedding row whose token is absent from the
 * batch is zero row by row, but the whole table rarely is), so the result is a list to read, not an
 * error. Call it before {@code optimizer.zeroGrad()}.
 */
public final class UnusedParameters {
    private UnusedParameters() {}

    /** Why a parameter is listed. */
    public enum Reason {
        NO_GRADIENT("no gradient"),
        ALL_ZERO("an all-zero gradient");

        private final String text;

        Reason(String text) {
            this.text = text;
        }
    }

    /** One listed parameter. */
    public record Finding(String name, Shape shape, Reason reason) {
        @Override
        public String toString() {
            return name + " " + shape + ": " + reason.text;
        }
    }

    /** The parameters of {@code model} that got no gradient or an all-zero one, in parameter order. */
    public static List<Finding> find(Module model) {
        return find(model.namedParameters());
    }

    /** As {@link #find(Module)}, for parameters by name. */
    public static List<Finding> find(Map<String, Tensor> namedParameters) {
        List<Finding> out = new ArrayList<>();
        namedParameters.forEach((name, p) -> {
            NdArray g = p.gradValue();
            if (g == null) {
                out.add(new Finding(name, p.shape(), Reason.NO_GRADIENT));
            } else if (allZero(g)) {
                out.add(new Finding(name, p.shape(), Reason.ALL_ZERO));
            }
        });
        return out;
    }

    /**
     * A few lines for a log: {@code "all 9 parameters received a non-zero gradient"}, or the count
     * followed by one indented line per finding.
     */
    public static String report(List<Finding> findings, int parameterCount) {
        if (findings.isEmpty()) {
            return "all " + parameterCount + " parameters received a non-zero gradient";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(findings.size())
                .append(" of ")
                .append(parameterCount)
                .append(" parameters received no gradient or an all-zero one (a layer never called, an output"
                        + " dropped, or a factor of 0 on every path?):");
        for (Finding f : findings) {
            sb.append("\n  ").append(f);
        }
        return sb.toString();
    }

    private static boolean allZero(NdArray g) {
        if (g.dtype() == DType.FLOAT32) {
            for (float x : g.floats()) {
                if (x != 0) {
                    return false;
                }
            }
            return true;
        }
        for (int i = 0; i < g.size(); i++) {
            if (g.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
