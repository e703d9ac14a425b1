package dev.jgrad.core.tensor;

import dev.jgrad.core.kernels.Parallel;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * Plain numbers with a {@link Shape}: a contiguous row-major array of one {@link DType}. It knows
 * nothing about gradients; ops compute forward values and backward gradients with it. Exactly one of
 * the three backing arrays is non-null. {@link #reshape} shares storage; every other method returns
 * fresh storage unless its name ends in {@code InPlace}.
 */
public final class NdArray {
    /** The four arithmetic operations with fast broadcasting loops. */
    public enum Arith {
        ADD,
        SUB,
        MUL,
        DIV
    }

    private final Shape shape;
    private final DType dtype;
    private final float[] f;
    private final double[] d;
    private final int[] ints;

    private NdArray(Shape shape, DType dtype, float[] f, double[] d, int[] ints) {
        this.shape = shape;
        this.dtype = dtype;
        this.f = f;
        this.d = d;
        this.ints = ints;
        int length = f != null ? f.length : d != null ? d.length : ints.length;
        if (length != shape.size()) {
            throw new IllegalArgumentException(
                    "tensor: " + length + " values cannot have shape " + shape + " (" + shape.size() + " elements)");
        }
    }

    // ---- creation -------------------------------------------------------------------------------

    /** Wraps {@code values} without copying. */
    public static NdArray wrap(float[] values, Shape shape) {
        return new NdArray(shape, DType.FLOAT32, values, null, null);
    }

    /** Wraps {@code values} without copying. */
    public static NdArray wrap(double[] values, Shape shape) {
        return new NdArray(shape, DType.FLOAT64, null, values, null);
    }

    /** Wraps {@code values} without copying. */
    public static NdArray wrap(int[] values, Shape shape) {
        return new NdArray(shape, DType.INT32, null, null, values);
    }

    public static NdArray zeros(DType dtype, Shape shape) {
        int n = shape.size();
        switch (dtype) {
            case FLOAT32:
                return wrap(new float[n], shape);
            case FLOAT64:
                return wrap(new double[n], shape);
            default:
                return wrap(new int[n], shape);
        }
    }

    /**
     * An array of this shape whose values are unspecified, as PyTorch's {@code torch.empty}: for a result the
     * caller overwrites entirely. Its storage is a recycled buffer of the same length when there is one (see
     * {@link #recycle}), else new zeros.
     */
    public static NdArray empty(DType dtype, Shape shape) {
        int n = shape.size();
        switch (dtype) {
            case FLOAT32:
                return wrap(BufferPool.floats(n), shape);
            case FLOAT64:
                return wrap(BufferPool.doubles(n), shape);
            default:
                return wrap(new int[n], shape);
        }
    }

    public static NdArray full(DType dtype, Shape shape, double value) {
        NdArray a = zeros(dtype, shape);
        if (value != 0) {
            a.fillInPlace(value);
        }
        return a;
    }

    public static NdArray scalar(DType dtype, double value) {
        return full(dtype, Shape.scalar(), value);
    }

    public NdArray zerosLike() {
        return zeros(dtype, shape);
    }

    /** {@link #empty} of this array's dtype and shape. */
    public NdArray emptyLike() {
        return empty(dtype, shape);
    }

    /**
     * Engine use: hands this array's storage over for reuse by {@link #empty}. The caller guarantees that
     * nothing reads or writes the storage afterwards, through this object or any other (a {@link #reshape}
     * view shares it). Autograd calls it for gradients that only it holds, once they are consumed.
     */
    public void recycle() {
        if (f != null) {
            BufferPool.give(f);
        } else if (d != null) {
            BufferPool.give(d);
        }
    }

    /**
     * Engine use: {@link #recycle}s the storage of each array in {@code give} once, unless it is also the storage
     * of an array in {@code keep} (a {@link #reshape} view shares its array's storage).
     */
    public static void recycleDistinct(List<NdArray> give, List<NdArray> keep) {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (NdArray a : keep) {
            seen.add(a.storage());
        }
        for (NdArray a : give) {
            if (seen.add(a.storage())) {
                a.recycle();
            }
        }
    }

    /** Whether this array and {@code other} are views of the same storage (as after {@link #reshape}). */
    public boolean sharesStorage(NdArray other) {
        return storage() == other.storage();
    }

    private Object storage() {
        return f != null ? f : d != null ? d : ints;
    }

    // ---- access ---------------------------------------------------------------------------------

    public Shape shape() {
        return shape;
    }

    public DType dtype() {
        return dtype;
    }

    public int size() {
        return shape.size();
    }

    /** The backing float32 array (not a copy). */
    public float[] floats() {
        if (f == null) {
            throw new IllegalStateException("tensor: expected float32 data, found " + dtype);
        }
        return f;
    }

    /** The backing float64 array (not a copy). */
    public double[] doubles() {
        if (d == null) {
            throw new IllegalStateException("tensor: expected float64 data, found " + dtype);
        }
        return d;
    }

    /** The backing int32 array (not a copy). */
    public int[] ints() {
        if (ints == null) {
            throw new IllegalStateException("tensor: expected int32 data, found " + dtype);
        }
        return ints;
    }

    public double get(int flat) {
        return f != null ? f[flat] : d != null ? d[flat] : ints[flat];
    }

    public void set(int flat, double value) {
        if (f != null) {
            f[flat] = (float) value;
        } else if (d != null) {
            d[flat] = value;
        } else {
            ints[flat] = (int) value;
        }
    }

    /** The single value of a one-element array. */
    public double item() {
        if (size() != 1) {
            throw new IllegalStateException(
                    "item: tensor of shape " + shape + " has " + size() + " elements; item() needs exactly one");
        }
        return get(0);
    }

    /** All values as doubles (a copy). */
    public double[] toDoubleArray() {
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    // ---- layout ---------------------------------------------------------------------------------

    /** The same storage seen with another shape of the same element count. */
    public NdArray reshape(Shape to) {
        if (to.size() != size()) {
            throw new IllegalArgumentException("reshape: cannot view " + shape + " (" + size() + " elements) as " + to
                    + " (" + to.size() + " elements)");
        }
        return new NdArray(to, dtype, f, d, ints);
    }

    public NdArray copy() {
        return new NdArray(
                shape,
                dtype,
                f == null ? null : f.clone(),
                d == null ? null : d.clone(),
                ints == null ? null : ints.clone());
    }

    /** A copy converted to {@code to} (float to int truncates toward zero, as a Java cast does). */
    public NdArray cast(DType to) {
        if (to == dtype) {
            return copy();
        }
        NdArray out = zeros(to, shape);
        for (int i = 0; i < size(); i++) {
            out.set(i, get(i));
        }
        return out;
    }

    /** Materializes the broadcast of this array to {@code to}. */
    public NdArray broadcastTo(Shape to) {
        Shape b = Shape.broadcast(shape, to);
        if (b == null || !b.equals(to)) {
            throw new IllegalArgumentException("expand: cannot broadcast " + shape + " to " + to);
        }
        NdArray out = zeros(dtype, to);
        int[] s = Strided.broadcastStrides(shape, to);
        Strided.forEachRow(to, s, s, (o, a, sa, b2, sb, n) -> out.copyRow(this, a, sa, o, n));
        return out;
    }

    /** Materializes a permutation of the dims: {@code out.dim(i) == dim(perm[i])}. */
    public NdArray permute(int... perm) {
        int r = shape.rank();
        if (perm.length != r) {
            throw new IllegalArgumentException(
                    "permute: " + Arrays.toString(perm) + " does not list the " + r + " dims of " + shape);
        }
        int[] inStrides = shape.strides();
        int[] outDims = new int[r];
        int[] srcStrides = new int[r];
        boolean[] used = new boolean[r];
        for (int i = 0; i < r; i++) {
            if (perm[i] < -r || perm[i] >= r) {
                throw new IllegalArgumentException("permute: dim " + perm[i] + " in " + Arrays.toString(perm)
                        + " is out of range for shape " + shape);
            }
            int p = shape.axis(perm[i]);
            if (used[p]) {
                throw new IllegalArgumentException(
                        "permute: dim " + p + " repeats in " + Arrays.toString(perm) + " for shape " + shape);
            }
            used[p] = true;
            outDims[i] = shape.dim(p);
            srcStrides[i] = inStrides[p];
        }
        Shape outShape = Shape.of(outDims);
        NdArray out = empty(dtype, outShape); // every row copied
        Strided.forEachRow(outShape, srcStrides, srcStrides, (o, a, sa, b, sb, n) -> out.copyRow(this, a, sa, o, n));
        return out;
    }

    private void copyRow(NdArray src, int from, int stride, int to, int n) {
        if (f != null) {
            for (int j = 0; j < n; j++) {
                f[to + j] = src.f[from + j * stride];
            }
        } else if (d != null) {
            for (int j = 0; j < n; j++) {
                d[to + j] = src.d[from + j * stride];
            }
        } else {
            for (int j = 0; j < n; j++) {
                ints[to + j] = src.ints[from + j * stride];
            }
        }
    }

    // ---- elementwise ----------------------------------------------------------------------------

    /**
     * {@code out[i] = fn(this[i])}, same dtype. Float arrays of more than {@link #PARALLEL_GRAIN} elements
     * are split over {@link Parallel}'s threads, so {@code fn} must be a pure function (as every op's is).
     */
    public NdArray map(DoubleUnaryOperator fn) {
        NdArray out = emptyLike(); // every element written
        if (ints != null) {
            for (int i = 0; i < ints.length; i++) {
                out.ints[i] = (int) fn.applyAsDouble(ints[i]);
            }
            return out;
        }
        Parallel.forRange(size(), PARALLEL_GRAIN, (from, to) -> {
            if (f != null) {
                for (int i = from; i < to; i++) out.f[i] = (float) fn.applyAsDouble(f[i]);
            } else {
                for (int i = from; i < to; i++) out.d[i] = fn.applyAsDouble(d[i]);
            }
        });
        return out;
    }

    /** {@code out = fn(this, other)} with NumPy broadcasting. */
    public NdArray zip(NdArray other, String op, DoubleBinaryOperator fn) {
        Shape outShape = broadcastShape(op, other);
        NdArray out = empty(dtype, outShape); // every element written
        int[] sa = Strided.broadcastStrides(shape, outShape);
        int[] sb = Strided.broadcastStrides(other.shape, outShape);
        Strided.forEachRow(outShape, sa, sb, (o, a, ia, b, ib, n) -> {
            for (int j = 0; j < n; j++) {
                out.set(o + j, fn.applyAsDouble(get(a + j * ia), other.get(b + j * ib)));
            }
        });
        return out;
    }

    /**
     * {@code this (+ − · ÷) other} with NumPy broadcasting. When each operand is either a single value
     * or as large as the result (same shapes, or a scalar operand), the loop runs over flat indices,
     * split over {@link Parallel}'s threads for large arrays; each element is computed by one thread
     * with the same single operation, so the result does not depend on the thread count.
     */
    public NdArray arith(Arith kind, NdArray other) {
        Shape outShape = broadcastShape(kind.name().toLowerCase(java.util.Locale.ROOT), other);
        NdArray out = empty(dtype, outShape); // every element written, by the flat or the broadcasting loop
        int n = outShape.size();
        boolean flatA = size() == n || size() == 1;
        boolean flatB = other.size() == n || other.size() == 1;
        if (flatA && flatB && n > 0) {
            int ia = size() == n ? 1 : 0;
            int ib = other.size() == n ? 1 : 0;
            Parallel.forRange(n, PARALLEL_GRAIN, (from, to) -> {
                if (f != null) {
                    arithRow(kind, f, from * ia, ia, other.f, from * ib, ib, out.f, from, to - from);
                } else {
                    arithRow(kind, d, from * ia, ia, other.d, from * ib, ib, out.d, from, to - from);
                }
            });
            return out;
        }
        int[] sa = Strided.broadcastStrides(shape, outShape);
        int[] sb = Strided.broadcastStrides(other.shape, outShape);
        if (f != null) {
            float[] x = f;
            float[] y = other.f;
            float[] z = out.f;
            Strided.forEachRow(
                    outShape, sa, sb, (o, a, ia, b, ib, len) -> arithRow(kind, x, a, ia, y, b, ib, z, o, len));
        } else {
            double[] x = doubles();
            double[] y = other.doubles();
            double[] z = out.d;
            Strided.forEachRow(
                    outShape, sa, sb, (o, a, ia, b, ib, len) -> arithRow(kind, x, a, ia, y, b, ib, z, o, len));
        }
        return out;
    }

    /** Elementwise loops split into chunks of this many elements (a few tens of microseconds each). */
    static final int PARALLEL_GRAIN = 1 << 15;

    /** {@code z[o+j] = x[a+j·ia] ∘ y[b+j·ib]} for j in [0, n), with unit-stride and scalar fast paths. */
    private static void arithRow(
            Arith kind, float[] x, int a, int ia, float[] y, int b, int ib, float[] z, int o, int n) {
        if (ia == 1 && ib == 1) {
            switch (kind) {
                case ADD:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] + y[b + j];
                    break;
                case SUB:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] - y[b + j];
                    break;
                case MUL:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] * y[b + j];
                    break;
                default:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] / y[b + j];
            }
            return;
        }
        if (ia == 1 && ib == 0) {
            float s = y[b];
            switch (kind) {
                case ADD:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] + s;
                    break;
                case SUB:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] - s;
                    break;
                case MUL:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] * s;
                    break;
                default:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] / s;
            }
            return;
        }
        switch (kind) {
            case ADD:
                for (int j = 0; j < n; j++) z[o + j] = x[a + j * ia] + y[b + j * ib];
                break;
            case SUB:
                for (int j = 0; j < n; j++) z[o + j] = x[a + j * ia] - y[b + j * ib];
                break;
            case MUL:
                for (int j = 0; j < n; j++) z[o + j] = x[a + j * ia] * y[b + j * ib];
                break;
            default:
                for (int j = 0; j < n; j++) z[o + j] = x[a + j * ia] / y[b + j * ib];
        }
    }

    private static void arithRow(
            Arith kind, double[] x, int a, int ia, double[] y, int b, int ib, double[] z, int o, int n) {
        if (ia == 1 && ib == 1) {
            switch (kind) {
                case ADD:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] + y[b + j];
                    break;
                case SUB:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] - y[b + j];
                    break;
                case MUL:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] * y[b + j];
                    break;
                default:
                    for (int j = 0; j < n; j++) z[o + j] = x[a + j] / y[b + j];
            }
            return;
        }
        switch (kind) {
            case ADD:
                for (int j = 0; j < n; j++) z[o + j] = x[a + j * ia] + y[b + j * ib];
                break;
            case SUB:
                for (int j = 0; j < n; j++) z[o + j] = x[a + j * ia] - y[b + j * ib];
                break;
            case MUL:
                for (int j = 0; j < n; j++) z[o + j] = x[a + j * ia] * y[b + j * ib];
                break;
            default:
                for (int j = 0; j < n; j++) z[o + j] = x[a + j * ia] / y[b + j * ib];
        }
    }

    private Shape broadcastShape(String op, NdArray other) {
        if (dtype != other.dtype || !dtype.isFloating()) {
            throw new IllegalArgumentException(op + ": dtypes differ or are not floating: " + dtype + " " + shape
                    + " and " + other.dtype + " " + other.shape + "; convert one with to(dtype)");
        }
        Shape out = Shape.broadcast(shape, other.shape);
        if (out == null) {
            throw new IllegalArgumentException(
                    op + ": shapes " + shape + " and " + other.shape + " cannot be broadcast together");
        }
        return out;
    }

    public NdArray add(NdArray other) {
        return arith(Arith.ADD, other);
    }

    public NdArray sub(NdArray other) {
        return arith(Arith.SUB, other);
    }

    public NdArray mul(NdArray other) {
        return arith(Arith.MUL, other);
    }

    public NdArray div(NdArray other) {
        return arith(Arith.DIV, other);
    }

    /** {@code this · s}. */
    public NdArray scale(double s) {
        NdArray out = zerosLike();
        if (f != null) {
            float fs = (float) s;
            for (int i = 0; i < f.length; i++) out.f[i] = f[i] * fs;
        } else {
            for (int i = 0; i < d.length; i++) out.d[i] = d[i] * s;
        }
        return out;
    }

    /**
     * {@code this += other}, same shape and dtype; used to accumulate gradients. Large arrays are split over
     * {@link Parallel}'s threads; each element is one addition by one thread, so thread count does not matter.
     */
    public void addInPlace(NdArray other) {
        if (!shape.equals(other.shape) || dtype != other.dtype) {
            throw new IllegalArgumentException("addInPlace: " + dtype + " " + shape + " += " + other.dtype + " "
                    + other.shape + ": shapes and dtypes must match");
        }
        if (f != null) {
            float[] x = f;
            float[] y = other.f;
            Parallel.forRange(x.length, PARALLEL_GRAIN, (from, to) -> {
                for (int i = from; i < to; i++) x[i] += y[i];
            });
        } else if (d != null) {
            double[] x = d;
            double[] y = other.d;
            Parallel.forRange(x.length, PARALLEL_GRAIN, (from, to) -> {
                for (int i = from; i < to; i++) x[i] += y[i];
            });
        } else {
            for (int i = 0; i < ints.length; i++) ints[i] += other.ints[i];
        }
    }

    public void fillInPlace(double value) {
        if (f != null) {
            Arrays.fill(f, (float) value);
        } else if (d != null) {
            Arrays.fill(d, value);
        } else {
            Arrays.fill(ints, (int) value);
        }
    }

    /** Copies {@code src} into this array (same shape and dtype). */
    public void copyFrom(NdArray src) {
        if (!shape.equals(src.shape) || dtype != src.dtype) {
            throw new IllegalArgumentException(
                    "copy: cannot copy " + src.dtype + " " + src.shape + " into " + dtype + " " + shape);
        }
        if (f != null) {
            System.arraycopy(src.f, 0, f, 0, f.length);
        } else if (d != null) {
            System.arraycopy(src.d, 0, d, 0, d.length);
        } else {
            System.arraycopy(src.ints, 0, ints, 0, ints.length);
        }
    }

    /** Copies {@code length} elements from {@code src[from…]} to {@code this[to…]} (same dtype). */
    public void copyRange(NdArray src, int from, int to, int length) {
        Object s = src.f != null ? src.f : src.d != null ? src.d : src.ints;
        Object t = f != null ? f : d != null ? d : ints;
        System.arraycopy(s, from, t, to, length);
    }

    /** Adds {@code length} elements of {@code src[from…]} into {@code this[to…]} (same float dtype). */
    public void addRange(NdArray src, int from, int to, int length) {
        if (f != null) {
            for (int j = 0; j < length; j++) f[to + j] += src.f[from + j];
        } else {
            for (int j = 0; j < length; j++) d[to + j] += src.d[from + j];
        }
    }

    // ---- reductions -----------------------------------------------------------------------------

    /**
     * Sums this array down to {@code target}, undoing a broadcast from {@code target} to this shape:
     * dims that broadcasting added on the left, or stretched from 1, are summed.
     */
    public NdArray sumTo(Shape target) {
        if (target.equals(shape)) {
            return this;
        }
        Shape b = Shape.broadcast(target, shape);
        if (b == null || !b.equals(shape)) {
            throw new IllegalArgumentException("sumTo: " + shape + " is not a broadcast of " + target);
        }
        NdArray out = zeros(dtype, target);
        int[] st = Strided.broadcastStrides(target, shape);
        int[] own = shape.strides();
        if (f != null) {
            float[] x = f;
            float[] z = out.f;
            Strided.forEachRow(shape, own, st, (o, a, ia, t, it, n) -> {
                if (it == 0) { // a row summed into one value, in the same order as the loop below
                    float acc = z[t];
                    for (int j = 0; j < n; j++) acc += x[a + j];
                    z[t] = acc;
                } else if (it == 1) {
                    for (int j = 0; j < n; j++) z[t + j] += x[a + j];
                } else {
                    for (int j = 0; j < n; j++) z[t + j * it] += x[a + j];
                }
            });
        } else {
            double[] x = d;
            double[] z = out.d;
            Strided.forEachRow(shape, own, st, (o, a, ia, t, it, n) -> {
                for (int j = 0; j < n; j++) z[t + j * it] += x[a + j];
            });
        }
        return out;
    }

    /** The shape left after reducing {@code axes}: those dims become 1. */
    public Shape reducedShape(int[] axes) {
        int[] dims = shape.dims();
        for (int a : axes) {
            dims[shape.axis(a)] = 1;
        }
        return Shape.of(dims);
    }

    /** Sum over {@code axes}, keeping them as size-1 dims. */
    public NdArray sumKeepDims(int[] axes) {
        return sumTo(reducedShape(axes));
    }

    /** Maximum over {@code axes}, keeping them as size-1 dims. */
    public NdArray maxKeepDims(int[] axes) {
        Shape target = reducedShape(axes);
        NdArray out = full(dtype, target, Double.NEGATIVE_INFINITY);
        int[] st = Strided.broadcastStrides(target, shape);
        int[] own = shape.strides();
        Strided.forEachRow(shape, own, st, (o, a, ia, t, it, n) -> {
            for (int j = 0; j < n; j++) {
                double v = get(a + j);
                int k = t + j * it;
                if (v > out.get(k) || Double.isNaN(v)) {
                    out.set(k, v);
                }
            }
        });
        return out;
    }

    /** Sum of all elements, as a double. */
    public double sumAll() {
        double s = 0;
        for (int i = 0; i < size(); i++) {
            s += get(i);
        }
        return s;
    }

    @Override
    public String toString() {
        return Format.values(this);
    }
}
