package dev.jgrad.core.tensor;

/**
 * Element types. {@code FLOAT32} is the default, as in PyTorch; {@code FLOAT64} is for exact gradient
 * checks; {@code INT32} holds indices and targets and never takes part in differentiation.
 */
public enum DType {
    FLOAT32("float32", 4),
    FLOAT64("float64", 8),
    INT32("int32", 4);

    private final String displayName;
    private final int byteSize;

    DType(String displayName, int byteSize) {
        this.displayName = displayName;
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloating() {
        return this != INT32;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
