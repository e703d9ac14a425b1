package dev.jgrad.nn.checkpoint;

import dev.jgrad.nn.checkpoint.Safetensors.Dtype;
import dev.jgrad.nn.io.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One named tensor as safetensors stores it: a dtype, a shape and its raw bytes.
 *
 * <pre>
 *   data    little-endian, row-major (the last dimension varies fastest)
 *   size    data.length = dtype.size · Π shape   (a scalar has shape [] and one element)
 * </pre>
 *
 * The shape is copied; the data array is kept as given and handed out by {@link #data()} without copying, so
 * large checkpoints are not doubled in memory: do not modify it. Equality compares name, dtype, shape and bytes.
 */
public record TensorEntry(String name, Dtype dtype, long[] shape, byte[] data) {
    /** Checks that {@code data} holds exactly {@code dtype.size · Π shape} bytes and that every dim is ≥ 0. */
    public TensorEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(data, "data");
        shape = Objects.requireNonNull(shape, "shape").clone();
        long bytes = byteCount(name, dtype, shape);
        if (bytes != data.length)
            throw new IllegalArgumentException("safetensors: tensor " + quote(name) + " " + dtype + " "
                    + Arrays.toString(shape) + " needs " + bytes + " bytes, got " + data.length);
    }

    /** A float32 tensor; {@code values} are in row-major order and must number Π shape. */
    public static TensorEntry ofFloats(String name, float[] values, long... shape) {
        checkCount(name, values.length, shape);
        ByteBuffer b = buffer(values.length, Dtype.F32);
        b.asFloatBuffer().put(values);
        return new TensorEntry(name, Dtype.F32, shape, b.array());
    }

    /** A float64 tensor; {@code values} are in row-major order and must number Π shape. */
    public static TensorEntry ofDoubles(String name, double[] values, long... shape) {
        checkCount(name, values.length, shape);
        ByteBuffer b = buffer(values.length, Dtype.F64);
        b.asDoubleBuffer().put(values);
        return new TensorEntry(name, Dtype.F64, shape, b.array());
    }

    /** An int32 tensor; {@code values} are in row-major order and must number Π shape. */
    public static TensorEntry ofInts(String name, int[] values, long... shape) {
        checkCount(name, values.length, shape);
        ByteBuffer b = buffer(values.length, Dtype.I32);
        b.asIntBuffer().put(values);
        return new TensorEntry(name, Dtype.I32, shape, b.array());
    }

    /** An int64 tensor; {@code values} are in row-major order and must number Π shape. */
    public static TensorEntry ofLongs(String name, long[] values, long... shape) {
        checkCount(name, values.length, shape);
        ByteBuffer b = buffer(values.length, Dtype.I64);
        b.asLongBuffer().put(values);
        return new TensorEntry(name, Dtype.I64, shape, b.array());
    }

    /** The values of an F32 tensor in row-major order; any other dtype is an {@link IllegalStateException}. */
    public float[] toFloats() {
        float[] out = new float[elements(Dtype.F32)];
        view().asFloatBuffer().get(out);
        return out;
    }

    /** The values of an F64 tensor in row-major order; any other dtype is an {@link IllegalStateException}. */
    public double[] toDoubles() {
        double[] out = new double[elements(Dtype.F64)];
        view().asDoubleBuffer().get(out);
        return out;
    }

    /** The values of an I32 tensor in row-major order; any other dtype is an {@link IllegalStateException}. */
    public int[] toInts() {
        int[] out = new int[elements(Dtype.I32)];
        view().asIntBuffer().get(out);
        return out;
    }

    /** The values of an I64 tensor in row-major order; any other dtype is an {@link IllegalStateException}. */
    public long[] toLongs() {
        long[] out = new long[elements(Dtype.I64)];
        view().asLongBuffer().get(out);
        return out;
    }

    /** A copy of the shape; {@code []} for a scalar. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of elements, Π shape (1 for a scalar, 0 if any dim is 0). */
    public long numel() {
        return data.length / dtype.size();
    }

    /** A read-only little-endian view of the data. */
    public ByteBuffer view() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorEntry
                && name.equals(((TensorEntry) o).name)
                && dtype == ((TensorEntry) o).dtype
                && Arrays.equals(shape, ((TensorEntry) o).shape)
                && Arrays.equals(data, ((TensorEntry) o).data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "TensorEntry[" + quote(name) + ", " + dtype + ", " + Arrays.toString(shape) + ", " + data.length
                + " bytes]";
    }

    private int elements(Dtype wanted) {
        if (dtype != wanted)
            throw new IllegalStateException(
                    "safetensors: tensor " + quote(name) + " has dtype " + dtype + ", not " + wanted);
        return data.length / dtype.size();
    }

    /** Π shape, with every dim checked to be ≥ 0 and the product checked for overflow. */
    static long numel(String name, long[] shape) {
        return byteCount(name, null, shape);
    }

    /** dtype.size · Π shape (just Π shape for a null dtype); a negative dim or an overflow is an error. */
    static long byteCount(String name, Dtype dtype, long[] shape) {
        long n = dtype == null ? 1 : dtype.size();
        try {
            for (long d : shape) {
                if (d < 0)
                    throw new IllegalArgumentException("safetensors: tensor " + quote(name) + " shape "
                            + Arrays.toString(shape) + " has a negative dimension");
                n = Math.multiplyExact(n, d);
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("safetensors: tensor " + quote(name) + " shape " + Arrays.toString(shape)
                    + " has more than 2^63 " + (dtype == null ? "elements" : "bytes"));
        }
        return n;
    }

    private static void checkCount(String name, int count, long[] shape) {
        long n = numel(name, shape);
        if (n != count)
            throw new IllegalArgumentException("safetensors: tensor " + quote(name) + " shape " + Arrays.toString(shape)
                    + " holds " + n + " elements, got " + count + " values");
    }

    private static ByteBuffer buffer(int count, Dtype dtype) {
        return ByteBuffer.allocate(Math.multiplyExact(count, dtype.size())).order(ByteOrder.LITTLE_ENDIAN);
    }

    static String quote(String name) {
        return Json.quote(name);
    }
}
