package dev.jgrad.core.tensor;

import dev.jgrad.core.autograd.AnomalyMode;
import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.explain.BackwardTrace;
import dev.jgrad.core.explain.Explain;
import dev.jgrad.core.ops.Abs;
import dev.jgrad.core.ops.Add;
import dev.jgrad.core.ops.Cast;
import dev.jgrad.core.ops.Concat;
import dev.jgrad.core.ops.CrossEntropy;
import dev.jgrad.core.ops.Div;
import dev.jgrad.core.ops.Exp;
import dev.jgrad.core.ops.Expand;
import dev.jgrad.core.ops.Gelu;
import dev.jgrad.core.ops.GeluTanh;
import dev.jgrad.core.ops.IndexSelect;
import dev.jgrad.core.ops.Log;
import dev.jgrad.core.ops.LogSoftmax;
import dev.jgrad.core.ops.MaskedFill;
import dev.jgrad.core.ops.MatMul;
import dev.jgrad.core.ops.Max;
import dev.jgrad.core.ops.Mean;
import dev.jgrad.core.ops.Mul;
import dev.jgrad.core.ops.Narrow;
import dev.jgrad.core.ops.Neg;
import dev.jgrad.core.ops.Op;
import dev.jgrad.core.ops.Permute;
import dev.jgrad.core.ops.Pow;
import dev.jgrad.core.ops.Relu;
import dev.jgrad.core.ops.Reshape;
import dev.jgrad.core.ops.Sigmoid;
import dev.jgrad.core.ops.Silu;
import dev.jgrad.core.ops.Softmax;
import dev.jgrad.core.ops.Sqrt;
import dev.jgrad.core.ops.Sub;
import dev.jgrad.core.ops.Sum;
import dev.jgrad.core.ops.Tanh;
import dev.jgrad.core.ops.Where;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * An n-dimensional array that remembers how it was computed. Each op on tensors that require
 * gradients records itself as this tensor's {@link #op()}; {@link #backward()} then walks that graph
 * from a scalar loss back to the leaves and adds {@code ∂loss/∂leaf} into each leaf's {@link #grad()}.
 *
 * <p>Method names follow PyTorch ({@code matmul}, {@code sum}, {@code requiresGrad}, …). Dims may be
 * negative, counting from the end. Binary ops broadcast with NumPy's rules.
 */
public final class Tensor {
    private final NdArray value;
    private Op op;
    private String freedOp;
    private boolean requiresGrad;
    private boolean retainGrad;
    private NdArray grad;
    private boolean released; // its storage was handed back by a backward pass under Autograd.releaseActivations()
    private boolean valueShared; // detach() gave its storage to a tensor outside the graph: never released

    private Tensor(NdArray value, Op op, boolean requiresGrad) {
        this.value = value;
        this.op = op;
        this.requiresGrad = requiresGrad;
    }

    // ---- creation -------------------------------------------------------------------------------

    /** A leaf holding {@code value} (not copied). */
    public static Tensor of(NdArray value) {
        return new Tensor(value, null, false);
    }

    /**
     * The output of {@code op}. The op is recorded only when gradients are enabled, the output is
     * floating point and one of the inputs requires grad; otherwise the result is a plain constant.
     */
    public static Tensor result(NdArray value, Op op) {
        if (AnomalyMode.isEnabled()) {
            AnomalyMode.checkForward(value, op); // throws on NaN or ±Inf under Autograd.detectAnomaly()
        }
        if (Autograd.isGradEnabled() && value.dtype().isFloating()) {
            for (Tensor in : op.inputs()) {
                if (in.requiresGrad) {
                    return Autograd.recorded(new Tensor(value, op, true));
                }
            }
        }
        return new Tensor(value, null, false);
    }

    /** float32 values in row-major order; the shape defaults to 1-D. */
    public static Tensor of(double[] values, int... shape) {
        return of(DType.FLOAT32, values, shape);
    }

    public static Tensor of(float[] values, int... shape) {
        return of(NdArray.wrap(values.clone(), shapeOf(values.length, shape)));
    }

    public static Tensor of(DType dtype, double[] values, int... shape) {
        NdArray a = NdArray.zeros(dtype, shapeOf(values.length, shape));
        for (int i = 0; i < values.length; i++) {
            a.set(i, values[i]);
        }
        return of(a);
    }

    /** A float32 matrix from rows of equal length. */
    public static Tensor of(double[][] rows) {
        return of(DType.FLOAT32, rows);
    }

    public static Tensor of(DType dtype, double[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        double[] flat = new double[rows.length * cols];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != cols) {
                throw new IllegalArgumentException(
                        "tensor: row " + r + " has " + rows[r].length + " values, row 0 has " + cols);
            }
            System.arraycopy(rows[r], 0, flat, r * cols, cols);
        }
        return of(dtype, flat, rows.length, cols);
    }

    /** An int32 tensor, for indices and targets. */
    public static Tensor ofInts(int[] values, int... shape) {
        return of(NdArray.wrap(values.clone(), shapeOf(values.length, shape)));
    }

    public static Tensor scalar(double value) {
        return scalar(DType.FLOAT32, value);
    }

    public static Tensor scalar(DType dtype, double value) {
        return of(NdArray.scalar(dtype, value));
    }

    public static Tensor zeros(int... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    public static Tensor zeros(DType dtype, int... shape) {
        return of(NdArray.zeros(dtype, Shape.of(shape)));
    }

    public static Tensor ones(int... shape) {
        return ones(DType.FLOAT32, shape);
    }

    public static Tensor ones(DType dtype, int... shape) {
        return full(dtype, 1, shape);
    }

    public static Tensor full(double value, int... shape) {
        return full(DType.FLOAT32, value, shape);
    }

    public static Tensor full(DType dtype, double value, int... shape) {
        return of(NdArray.full(dtype, Shape.of(shape), value));
    }

    /** {@code [0, 1, …, n−1]} as float32. */
    public static Tensor arange(int n) {
        return arange(DType.FLOAT32, 0, n, 1);
    }

    /** {@code start, start+step, …} up to but excluding {@code end}, as PyTorch's arange. */
    public static Tensor arange(DType dtype, double start, double end, double step) {
        if (step == 0 || Double.isNaN(start + end + step)) {
            throw new IllegalArgumentException("arange: bad range " + start + " to " + end + " step " + step);
        }
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        NdArray a = NdArray.zeros(dtype, Shape.of(n));
        for (int i = 0; i < n; i++) {
            a.set(i, start + i * step);
        }
        return of(a);
    }

    /** Standard normal samples, float32. */
    public static Tensor randn(Random rnd, int... shape) {
        return randn(DType.FLOAT32, rnd, shape);
    }

    public static Tensor randn(DType dtype, Random rnd, int... shape) {
        NdArray a = NdArray.zeros(dtype, Shape.of(shape));
        for (int i = 0; i < a.size(); i++) {
            a.set(i, rnd.nextGaussian());
        }
        return of(a);
    }

    public static Tensor randn(long seed, int... shape) {
        return randn(new Random(seed), shape);
    }

    /** Uniform samples in {@code [0, 1)}, float32. */
    public static Tensor rand(Random rnd, int... shape) {
        return rand(DType.FLOAT32, rnd, shape);
    }

    public static Tensor rand(DType dtype, Random rnd, int... shape) {
        NdArray a = NdArray.zeros(dtype, Shape.of(shape));
        for (int i = 0; i < a.size(); i++) {
            a.set(i, rnd.nextDouble());
        }
        return of(a);
    }

    public static Tensor rand(long seed, int... shape) {
        return rand(new Random(seed), shape);
    }

    private static Shape shapeOf(int count, int[] shape) {
        Shape s = shape.length == 0 ? Shape.of(count) : Shape.of(shape);
        if (s.size() != count) {
            throw new IllegalArgumentException(
                    "tensor: " + count + " values cannot have shape " + s + " (" + s.size() + " elements)");
        }
        return s;
    }

    // ---- properties -----------------------------------------------------------------------------

    /**
     * The values. Throws {@link IllegalStateException} if a backward pass under
     * {@link Autograd#releaseActivations()} has handed this intermediate tensor's storage back for reuse.
     */
    public NdArray value() {
        if (released) {
            throw new IllegalStateException("tensor: the " + freedOp + " result " + shape() + " was released by "
                    + "backward() under Autograd.releaseActivations(); read it before backward, or detach() it");
        }
        return value;
    }

    /** The op that computed this tensor, or null for a leaf or a constant. */
    public Op op() {
        return op;
    }

    public Shape shape() {
        return value.shape();
    }

    public int dim(int i) {
        return value.shape().dim(i);
    }

    public int rank() {
        return value.shape().rank();
    }

    public int numel() {
        return value.size();
    }

    public DType dtype() {
        return value.dtype();
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as a variable whose gradient {@link #backward()} should compute. Returns this. */
    public Tensor requiresGrad(boolean on) {
        if (op != null) {
            throw new IllegalStateException("requiresGrad: only leaves can change it; this tensor was computed by "
                    + op.name() + " (use detach() first)");
        }
        if (on && !dtype().isFloating()) {
            throw new IllegalArgumentException("requiresGrad: " + dtype() + " tensor " + shape()
                    + " cannot have gradients; only float32 and float64 tensors can");
        }
        requiresGrad = on;
        return this;
    }

    public boolean isLeaf() {
        return op == null;
    }

    /** Keeps this non-leaf's gradient after {@link #backward()}, as PyTorch's retain_grad. Returns this. */
    public Tensor retainGrad() {
        retainGrad = true;
        return this;
    }

    public boolean retainsGrad() {
        return retainGrad;
    }

    /** ∂loss/∂this from the last backward passes (summed), or null if none reached it. */
    public Tensor grad() {
        return grad == null ? null : of(grad);
    }

    /** The gradient's raw storage (not a copy), or null. */
    public NdArray gradValue() {
        return grad;
    }

    public void zeroGrad() {
        grad = null;
    }

    /** Engine use: adds {@code g} into this tensor's stored gradient (copying on first store). */
    public void accumulateGrad(NdArray g) {
        if (grad == null) {
            grad = g.copy();
        } else {
            grad.addInPlace(g);
        }
    }

    /**
     * Engine use: as {@link #accumulateGrad}, for a {@code g} that nothing else refers to (the engine hands it
     * over): stored as it is, without a copy, when there is no gradient yet.
     */
    public void accumulateOwnedGrad(NdArray g) {
        if (grad == null) {
            grad = g;
        } else {
            grad.addInPlace(g);
        }
    }

    /** Engine use: drops the link to the op so its saved values can be collected. */
    public void freeGraph() {
        if (op != null) {
            freedOp = op.name();
            op = null;
        }
    }

    /** The name of the op whose graph an earlier backward freed, or null. */
    public String freedOp() {
        return freedOp;
    }

    /**
     * A tensor sharing this one's values, cut from the graph. Those values are then never released by
     * {@link Autograd#releaseActivations()}.
     */
    public Tensor detach() {
        Tensor cut = new Tensor(value(), null, false);
        valueShared = true;
        return cut;
    }

    /**
     * Engine use, for {@link Autograd#releaseActivations()}: marks this freed intermediate as released (reading
     * its value throws from now on) and returns the storage to hand back; null if {@link #detach()} shared it.
     */
    public NdArray releaseValue() {
        if (valueShared) {
            return null;
        }
        released = true;
        return value;
    }

    /**
     * Replaces this leaf's values in place (same shape and dtype), as an optimizer step does. Graphs
     * already recorded through this tensor see the new values.
     */
    public void assign(NdArray newValue) {
        value().copyFrom(newValue);
    }

    public double item() {
        return value().item();
    }

    public double[] toDoubleArray() {
        return value().toDoubleArray();
    }

    public float[] toFloatArray() {
        return dtype() == DType.FLOAT32
                ? value().floats().clone()
                : value().cast(DType.FLOAT32).floats();
    }

    public int[] toIntArray() {
        return dtype() == DType.INT32
                ? value().ints().clone()
                : value().cast(DType.INT32).ints();
    }

    // ---- autograd -------------------------------------------------------------------------------

    /** Backpropagates from this scalar: every leaf that requires grad gets ∂this/∂leaf added. */
    public void backward() {
        Autograd.backward(this, null, false);
    }

    /** Backpropagates {@code gradient} (∂loss/∂this, same shape as this) through the graph. */
    public void backward(Tensor gradient) {
        Autograd.backward(this, gradient.value(), false);
    }

    /** As {@link #backward()}, keeping the graph so that it can be backpropagated again. */
    public void backward(boolean retainGraph) {
        Autograd.backward(this, null, retainGraph);
    }

    /**
     * {@link #backward()} that also returns a trace of the sweep: each node the engine visits, its
     * gradient rule, the shapes, the axes summed to undo broadcasting and the gradient's statistics.
     * Print it, or see {@link Explain} for options.
     */
    public BackwardTrace explainBackward() {
        return Explain.backward(this);
    }

    // ---- elementwise ----------------------------------------------------------------------------

    public Tensor add(Tensor other) {
        return Add.apply(this, other);
    }

    public Tensor add(double s) {
        return Add.apply(this, constant(s));
    }

    public Tensor sub(Tensor other) {
        return Sub.apply(this, other);
    }

    public Tensor sub(double s) {
        return Sub.apply(this, constant(s));
    }

    public Tensor mul(Tensor other) {
        return Mul.apply(this, other);
    }

    public Tensor mul(double s) {
        return Mul.apply(this, constant(s));
    }

    public Tensor div(Tensor other) {
        return Div.apply(this, other);
    }

    public Tensor div(double s) {
        return Div.apply(this, constant(s));
    }

    public Tensor neg() {
        return Neg.apply(this);
    }

    public Tensor pow(double exponent) {
        return Pow.apply(this, exponent);
    }

    public Tensor exp() {
        return Exp.apply(this);
    }

    public Tensor log() {
        return Log.apply(this);
    }

    public Tensor sqrt() {
        return Sqrt.apply(this);
    }

    public Tensor abs() {
        return Abs.apply(this);
    }

    public Tensor relu() {
        return Relu.apply(this);
    }

    public Tensor tanh() {
        return Tanh.apply(this);
    }

    public Tensor sigmoid() {
        return Sigmoid.apply(this);
    }

    public Tensor silu() {
        return Silu.apply(this);
    }

    /** GELU, exact form {@code x·Φ(x)} (PyTorch's default). */
    public Tensor gelu() {
        return Gelu.apply(this);
    }

    /** GELU, tanh approximation (PyTorch's {@code approximate="tanh"}). */
    public Tensor geluTanh() {
        return GeluTanh.apply(this);
    }

    /** A copy converted to {@code dtype}; differentiable between float types. */
    public Tensor to(DType dtype) {
        return dtype == dtype() ? this : Cast.apply(this, dtype);
    }

    /** {@code x} where {@code mask} is zero, {@code fill} where it is not; mask broadcasts to x. */
    public Tensor maskedFill(Tensor mask, double fill) {
        return MaskedFill.apply(this, mask, fill);
    }

    /** {@code condition ? a : b} elementwise, all three broadcast together. */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        return Where.apply(condition, a, b);
    }

    private Tensor constant(double s) {
        return scalar(dtype(), s);
    }

    // ---- reductions -----------------------------------------------------------------------------

    /** Sum of all elements. */
    public Tensor sum() {
        return Sum.apply(this, allDims(), false);
    }

    public Tensor sum(int dim, boolean keepdim) {
        return Sum.apply(this, new int[] {dim}, keepdim);
    }

    public Tensor sum(int[] dims, boolean keepdim) {
        return Sum.apply(this, dims, keepdim);
    }

    public Tensor mean() {
        return Mean.apply(this, allDims(), false);
    }

    public Tensor mean(int dim, boolean keepdim) {
        return Mean.apply(this, new int[] {dim}, keepdim);
    }

    public Tensor mean(int[] dims, boolean keepdim) {
        return Mean.apply(this, dims, keepdim);
    }

    public Tensor max() {
        return Max.apply(this, allDims(), false);
    }

    public Tensor max(int dim, boolean keepdim) {
        return Max.apply(this, new int[] {dim}, keepdim);
    }

    public Tensor max(int[] dims, boolean keepdim) {
        return Max.apply(this, dims, keepdim);
    }

    /** Normalizes {@code dim}, naming {@code op} when it is out of range. */
    private int axis(String op, int dim) {
        try {
            return shape().axis(dim);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
    }

    private int[] allDims() {
        int[] all = new int[rank()];
        Arrays.setAll(all, i -> i);
        return all;
    }

    public Tensor softmax(int dim) {
        return Softmax.apply(this, dim);
    }

    public Tensor logSoftmax(int dim) {
        return LogSoftmax.apply(this, dim);
    }

    /** Mean cross-entropy of these logits {@code (…, V)} against int targets of the leading shape. */
    public Tensor crossEntropy(Tensor targets) {
        return CrossEntropy.apply(this, targets);
    }

    /** Cross-entropy with PyTorch's {@code reduction} and {@code ignore_index} options. */
    public Tensor crossEntropy(Tensor targets, CrossEntropy.Reduction reduction, int ignoreIndex) {
        return CrossEntropy.apply(this, targets, reduction, ignoreIndex);
    }

    // ---- shape ----------------------------------------------------------------------------------

    /** The same values seen with another shape; one dim may be −1 (inferred). */
    public Tensor reshape(int... shape) {
        return Reshape.apply(this, shape);
    }

    /** Alias of {@link #reshape}: storage is always contiguous, so every reshape is a view. */
    public Tensor view(int... shape) {
        return reshape(shape);
    }

    public Tensor flatten() {
        return reshape(-1);
    }

    public Tensor permute(int... dims) {
        return Permute.apply(this, dims);
    }

    /** Swaps two dims. */
    public Tensor transpose(int dim0, int dim1) {
        int[] perm = allDims();
        int a = axis("transpose", dim0);
        int b = axis("transpose", dim1);
        perm[a] = b;
        perm[b] = a;
        return permute(perm);
    }

    /** Transpose of a matrix, or of the last two dims. */
    public Tensor T() {
        if (rank() < 2) {
            throw new IllegalArgumentException("T: needs at least 2 dims, got shape " + shape());
        }
        return transpose(-2, -1);
    }

    /** Removes every size-1 dim. */
    public Tensor squeeze() {
        List<Integer> keep = new ArrayList<>();
        for (int d : shape().dims()) {
            if (d != 1) {
                keep.add(d);
            }
        }
        return reshape(keep.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Removes dim {@code dim}, which must have size 1. */
    public Tensor squeeze(int dim) {
        int a = axis("squeeze", dim);
        if (shape().dim(a) != 1) {
            throw new IllegalArgumentException(
                    "squeeze: dim " + dim + " of " + shape() + " has size " + shape().dim(a) + ", not 1");
        }
        int[] dims = shape().dims();
        int[] out = new int[dims.length - 1];
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (i != a) {
                out[j++] = dims[i];
            }
        }
        return reshape(out);
    }

    /** Inserts a size-1 dim at {@code dim} (in {@code [−rank−1, rank]}). */
    public Tensor unsqueeze(int dim) {
        int r = rank();
        if (dim < -r - 1 || dim > r) {
            throw new IllegalArgumentException("unsqueeze: dim " + dim + " is out of range for shape " + shape());
        }
        int a = dim < 0 ? dim + r + 1 : dim;
        int[] dims = shape().dims();
        int[] out = new int[r + 1];
        for (int i = 0, j = 0; i <= r; i++) {
            out[i] = i == a ? 1 : dims[j++];
        }
        return reshape(out);
    }

    /** Broadcasts to {@code shape} (materialized). */
    public Tensor expand(int... shape) {
        return Expand.apply(this, Shape.of(shape));
    }

    /** Elements {@code [start, start+length)} along {@code dim}. */
    public Tensor narrow(int dim, int start, int length) {
        return Narrow.apply(this, dim, start, length);
    }

    /** Elements {@code [start, end)} along {@code dim}, as Python's {@code x[..., start:end]}. */
    public Tensor slice(int dim, int start, int end) {
        return narrow(dim, start, end - start);
    }

    public static Tensor concat(List<Tensor> tensors, int dim) {
        return Concat.apply(tensors, dim);
    }

    /** Joins tensors of equal shape along a new dim. */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("stack: needs at least one tensor");
        }
        int r = tensors.get(0).rank();
        if (dim < -r - 1 || dim > r) {
            throw new IllegalArgumentException("stack: dim " + dim + " is out of range for tensors of shape "
                    + tensors.get(0).shape() + " (a new dim goes in [" + (-r - 1) + ", " + r + "])");
        }
        int a = dim < 0 ? dim + r + 1 : dim;
        List<Tensor> expanded = new ArrayList<>();
        for (Tensor t : tensors) {
            if (!t.shape().equals(tensors.get(0).shape())) {
                throw new IllegalArgumentException(
                        "stack: shapes differ: " + tensors.get(0).shape() + " and " + t.shape());
            }
            expanded.add(t.unsqueeze(a));
        }
        return concat(expanded, a);
    }

    /** Rows of this tensor picked along {@code dim} by int {@code index}; repeated indices allowed. */
    public Tensor indexSelect(int dim, Tensor index) {
        return IndexSelect.apply(this, dim, index);
    }

    /** {@code weight[ids]}: for a table {@code (V, D)} and ids of any shape, shape {@code ids + (D)}. */
    public Tensor embedding(Tensor ids) {
        return IndexSelect.apply(this, 0, ids);
    }

    /** Matrix product with NumPy's rules for 1-D operands and broadcast batch dims. */
    public Tensor matmul(Tensor other) {
        return MatMul.apply(this, other);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("tensor(");
        sb.append(released ? "released" : value.toString().replace("\n", "\n       "));
        sb.append(", shape=").append(shape()).append(", dtype=").append(dtype());
        if (op != null) {
            sb.append(", op=").append(op.name());
        } else if (requiresGrad) {
            sb.append(", requiresGrad=true");
        }
        return sb.append(')').toString();
    }
}
