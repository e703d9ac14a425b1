package dev.jgrad.core.autograd;

import dev.jgrad.core.autograd.AnomalyException.Phase;
import dev.jgrad.core.ops.MaskedFill;
import dev.jgrad.core.ops.Op;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Anomaly detection, as PyTorch's {@code torch.autograd.detect_anomaly()}: while a scope opened by
 * {@link Autograd#detectAnomaly()} is open on a thread, every op run on that thread checks its
 * output, and every backward step checks the gradients it returns.
 *
 * <pre>
 *   forward   op(x₁, …) holds NaN or ±Inf                → AnomalyException(FORWARD), at once
 *   backward  ∂L/∂xₖ from op.backward(g) holds NaN or ±Inf → AnomalyException(BACKWARD), before it is added anywhere
 *             g itself non-finite (the seed, or the sum of a node's uses overflowed) → the same, naming the node's op
 * </pre>
 *
 * Each recorded node also remembers the call stack that created it, so a backward failure names the
 * line of the caller's code that built the op. The −∞ that {@code maskedFill} writes where its mask is
 * set (the usual attention mask) is intended and not reported; softmax turns it into an exact 0.
 *
 * <p>Off by default. When no thread has it on, {@link #isEnabled()} is one volatile read, which is all
 * {@link Tensor#result} and {@link Autograd#backward} pay; creation sites are captured only in this mode.
 */
public final class AnomalyMode {
    private static final AtomicInteger THREADS_ON = new AtomicInteger();
    private static final ThreadLocal<boolean[]> ON = ThreadLocal.withInitial(() -> new boolean[1]);
    // Tensor keeps Object's identity equals/hashCode, so this is an identity map with weak keys: a
    // site lives exactly as long as its node.
    private static final Map<Tensor, Throwable> SITES = Collections.synchronizedMap(new WeakHashMap<>());

    private AnomalyMode() {}

    /** Whether anomaly detection is on for this thread. */
    public static boolean isEnabled() {
        return THREADS_ON.get() != 0 && ON.get()[0];
    }

    /** Turns detection on for this thread until the scope closes; scopes nest. */
    static GradScope enable() {
        boolean[] flag = ON.get();
        boolean previous = flag[0];
        if (!previous) {
            flag[0] = true;
            THREADS_ON.incrementAndGet();
        }
        boolean[] closed = {false};
        return () -> {
            if (!closed[0] && !previous) {
                flag[0] = false;
                THREADS_ON.decrementAndGet();
            }
            closed[0] = true;
        };
    }

    /**
     * Engine use, from {@link Tensor#result}: throws {@link AnomalyException} if {@code value}, the
     * output of {@code op}, holds NaN or ±Inf (except where a maskedFill put its fill on purpose).
     */
    public static void checkForward(NdArray value, Op op) {
        int bad = firstNonFinite(value, op instanceof MaskedFill ? ((MaskedFill) op).mask() : null);
        if (bad < 0) {
            return;
        }
        StackTraceElement site = userFrame(new Throwable().getStackTrace());
        throw new AnomalyException(
                "detectAnomaly: forward of " + op.name() + " produced " + value.get(bad) + " at flat index " + bad
                        + " of its output " + value.shape() + " " + value.dtype() + "; inputs: " + describe(op.inputs())
                        + "; " + op.name() + " was created at " + site,
                op.name(),
                Phase.FORWARD,
                shapes(op.inputs()),
                site);
    }

    /** Engine use: remembers where {@code node} was created. */
    static void recordSite(Tensor node) {
        SITES.put(node, new CreationSite(node.op().name()));
    }

    /**
     * Checks {@code seed} and returns a listener that checks every backward step before handing it to
     * {@code next} (which may be null).
     */
    static BackwardListener listener(Tensor root, NdArray seed, BackwardListener next) {
        return (node, g, inputs, inputGrads) -> {
            checkBackward(node, g, inputs, inputGrads, node == root && g == seed);
            if (next != null) {
                next.visited(node, g, inputs, inputGrads);
            }
        };
    }

    private static void checkBackward(
            Tensor node, NdArray g, List<Tensor> inputs, List<NdArray> inputGrads, boolean isSeed) {
        Op op = node.op();
        int bad = firstNonFinite(g, null);
        if (bad >= 0) {
            throw backwardError(
                    node,
                    "the gradient reaching the backward of " + op.name() + " holds " + g.get(bad) + " at flat index "
                            + bad + " of " + g.shape()
                            + (isSeed
                                    ? " (it is the gradient passed to backward)"
                                    : " (the gradients from the uses of its output overflowed when added up)"));
        }
        for (int k = 0; k < inputGrads.size(); k++) {
            NdArray gk = inputGrads.get(k);
            bad = gk == null ? -1 : firstNonFinite(gk, null);
            if (bad >= 0) {
                throw backwardError(
                        node,
                        "backward of " + op.name() + " returned " + gk.get(bad) + " in the gradient of input " + k
                                + " " + gk.shape() + " at flat index " + bad + "; incoming gradient " + g.shape()
                                + " finite");
            }
        }
    }

    private static AnomalyException backwardError(Tensor node, String what) {
        Op op = node.op();
        Throwable site = SITES.get(node);
        StackTraceElement frame = site == null ? null : userFrame(site.getStackTrace());
        String where = site == null
                ? op.name() + " was created outside detectAnomaly(), so where is unknown"
                : op.name() + " was created at " + frame;
        AnomalyException e = new AnomalyException(
                "detectAnomaly: " + what + "; inputs: " + describe(op.inputs()) + "; " + where,
                op.name(),
                Phase.BACKWARD,
                shapes(op.inputs()),
                frame);
        if (site != null) {
            e.initCause(site);
        }
        return e;
    }

    /** The first flat index holding NaN or ±Inf, skipping positions where {@code skip} is non-zero; −1 if none. */
    static int firstNonFinite(NdArray a, NdArray skip) {
        int[] s = skip == null ? null : skip.ints();
        if (a.dtype() == DType.FLOAT32) {
            float[] x = a.floats();
            for (int i = 0; i < x.length; i++) {
                if (!Float.isFinite(x[i]) && (s == null || s[i] == 0)) {
                    return i;
                }
            }
        } else if (a.dtype() == DType.FLOAT64) {
            double[] x = a.doubles();
            for (int i = 0; i < x.length; i++) {
                if (!Double.isFinite(x[i]) && (s == null || s[i] == 0)) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static String describe(List<Tensor> inputs) {
        if (inputs.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        for (Tensor in : inputs) {
            int bad = firstNonFinite(in.value(), null);
            parts.add(in.shape() + " " + in.dtype()
                    + (bad < 0 ? " (finite)" : " (already holds " + in.value().get(bad) + ")"));
        }
        return String.join(", ", parts);
    }

    private static List<Shape> shapes(List<Tensor> inputs) {
        List<Shape> out = new ArrayList<>();
        for (Tensor in : inputs) {
            out.add(in.shape());
        }
        return out;
    }

    /** The first frame outside the library's machinery (tensor, ops, kernels, functional, this engine, the JDK). */
    static StackTraceElement userFrame(StackTraceElement[] stack) {
        for (StackTraceElement e : stack) {
            String c = e.getClassName();
            boolean internal = c.startsWith("dev.jgrad.core.tensor.")
                    || c.startsWith("dev.jgrad.core.ops.")
                    || c.startsWith("dev.jgrad.core.kernels.")
                    || c.startsWith("dev.jgrad.nn.functional.")
                    || isClass(c, AnomalyMode.class)
                    || isClass(c, Autograd.class)
                    || c.startsWith("java.")
                    || c.startsWith("jdk.");
            if (!internal) {
                return e;
            }
        }
        return stack.length == 0 ? null : stack[stack.length - 1];
    }

    private static boolean isClass(String name, Class<?> c) {
        return name.equals(c.getName()) || name.startsWith(c.getName() + "$");
    }

    /** Holds the call stack at the moment an op was recorded; becomes the cause of a backward anomaly. */
    private static final class CreationSite extends Throwable {
        private static final long serialVersionUID = 1L;

        CreationSite(String op) {
            super(op + " was created here (the stack when detectAnomaly() recorded it)");
        }
    }
}
