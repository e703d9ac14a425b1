package dev.jgrad.core.autograd;

import dev.jgrad.core.tensor.Shape;
import java.util.List;

/**
 * Thrown under {@link Autograd#detectAnomaly()} by the first op whose forward output, or whose
 * backward gradient, holds NaN or ±Inf. The message reads as a sentence, e.g.
 *
 * <pre>
 *   detectAnomaly: backward of log returned NaN in the gradient of input 0 [2, 3] at flat index 4;
 *   inputs: [2, 3] float64 (finite); log was created at MyModel.forward(MyModel.java:42)
 * </pre>
 *
 * The {@linkplain #getCause() cause}, when the site is known, is a throwable whose stack trace is the
 * whole call stack at the moment the op was created, as PyTorch prints the forward traceback.
 */
public final class AnomalyException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    /** Whether the non-finite value came out of an op's forward or its backward. */
    public enum Phase {
        FORWARD,
        BACKWARD
    }

    private final String op;
    private final Phase phase;
    private final transient List<Shape> inputShapes;
    private final StackTraceElement createdAt;

    AnomalyException(String message, String op, Phase phase, List<Shape> inputShapes, StackTraceElement createdAt) {
        super(message);
        this.op = op;
        this.phase = phase;
        this.inputShapes = List.copyOf(inputShapes);
        this.createdAt = createdAt;
    }

    /** The op's name as the user calls it, e.g. {@code log}, {@code crossEntropy}. */
    public String op() {
        return op;
    }

    public Phase phase() {
        return phase;
    }

    /** The shapes of the op's differentiable inputs, in {@code inputs()} order. */
    public List<Shape> inputShapes() {
        return inputShapes;
    }

    /** The first frame of the caller's code in the stack that created the op, or null if unknown. */
    public StackTraceElement createdAt() {
        return createdAt;
    }
}
