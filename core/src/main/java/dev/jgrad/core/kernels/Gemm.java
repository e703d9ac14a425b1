package dev.jgrad.core.kernels;

import java.util.Arrays;

/**
 * General matrix products on flat row-major arrays: the one entry point the ops call.
 *
 * <pre>
 *   C = op(A)·op(B)          (accumulate = false)
 *   C = C + op(A)·op(B)      (accumulate = true)
 *   op(X) = X, or Xᵀ when its trans flag is set
 *   shapes   op(A) [m, k],  op(B) [k, n]  →  C [m, n]
 *            A is stored [m, k], or [k, m] when transA;  B is stored [k, n], or [n, k] when transB
 * </pre>
 *
 * An operand is contiguous from its offset, or, in the strided entry points, has a leading dimension
 * as in BLAS: element (i, j) of a matrix stored from {@code off} with leading dimension {@code ld}
 * is at {@code off + i·ld + j}, so it can be a block of columns of a wider matrix. A size may be 0:
 * with k = 0 the product is the zero matrix, so C is zero-filled (or left alone when accumulating).
 *
 * <p><b>Backends.</b> float32 runs on {@code VectorSgemm}, a packed, cache-blocked Vector API kernel
 * spread over {@link Parallel}'s threads, when the module {@code jdk.incubator.vector} is in the boot
 * layer ({@code --add-modules jdk.incubator.vector}); otherwise on EJML. The system property
 * {@code jgrad.gemm=vector|ejml} overrides the choice, which is made once and logged once. The
 * incubator module is never required: the Vector API class is loaded by name only when present.
 * float64 ({@link #dgemm}) is a plain loop, meant for gradient checks.
 *
 * <p><b>Reproducibility.</b> For one backend, results do not depend on the number of threads: each
 * element of C is computed by one thread, always with the same operations in the same order.
 */
public final class Gemm {

    private static final System.Logger LOG = System.getLogger(Gemm.class.getName());
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_CLASS = "dev.jgrad.core.kernels.VectorSgemm";

    /** Products of at least this many flops, few in a batch, are each spread over the threads. */
    private static final long SPLIT_PRODUCT_FLOPS = 1L << 24;
    /** Small products of a batch are grouped into chunks of about this many flops. */
    private static final long BATCH_CHUNK_FLOPS = 1L << 18;

    private static volatile SgemmBackend selected;

    private Gemm() {}

    /**
     * C = op(A)·op(B) (+ C when accumulate), row-major contiguous, op = transpose when the flag is
     * set. A is m×k (or k×m when transA), B is k×n (or n×k when transB), C is m×n.
     *
     * @throws IllegalArgumentException for a negative size or offset, an operand that does not fit
     *     in its array, or C overlapping A or B
     */
    public static void sgemm(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float[] a,
            int aOff,
            float[] b,
            int bOff,
            float[] c,
            int cOff,
            boolean accumulate) {
        sgemmBatched(
                "sgemm",
                selected(),
                Parallel.threads(),
                1,
                transA,
                transB,
                m,
                n,
                k,
                a,
                aOff,
                0,
                b,
                bOff,
                0,
                c,
                cOff,
                0,
                accumulate);
    }

    /**
     * {@link #sgemm} on strided matrices: A is stored m×k (k×m when transA) with rows {@code lda}
     * apart, B k×n (n×k when transB) with rows {@code ldb} apart, C m×n with rows {@code ldc} apart.
     * Each leading dimension must be at least its matrix's stored row length.
     *
     * @throws IllegalArgumentException as {@link #sgemm}, and for a leading dimension shorter than a row
     */
    public static void sgemm(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float[] a,
            int aOff,
            int lda,
            float[] b,
            int bOff,
            int ldb,
            float[] c,
            int cOff,
            int ldc,
            boolean accumulate) {
        sgemmBatched(
                "sgemm",
                selected(),
                Parallel.threads(),
                1,
                transA,
                transB,
                m,
                n,
                k,
                a,
                aOff,
                0,
                lda,
                b,
                bOff,
                0,
                ldb,
                c,
                cOff,
                0,
                ldc,
                accumulate);
    }

    /**
     * {@code batch} independent products: C_i = op(A_i)·op(B_i) (+ C_i), where operand i starts at
     * {@code off + i·stride}. Stride 0 broadcasts A or B (the same matrix for every i). Stride 0 for C
     * (with batch &gt; 1) sums the products into one C: C = Σ_i op(A_i)·op(B_i) (+ C), added in
     * increasing i, as the gradient of a broadcast operand needs.
     *
     * @throws IllegalArgumentException as {@link #sgemm}, and for a negative batch or stride, or a
     *     C stride that makes two outputs overlap
     */
    public static void sgemmBatched(
            int batch,
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float[] a,
            int aOff,
            int aStride,
            float[] b,
            int bOff,
            int bStride,
            float[] c,
            int cOff,
            int cStride,
            boolean accumulate) {
        sgemmBatched(
                "sgemmBatched",
                selected(),
                Parallel.threads(),
                batch,
                transA,
                transB,
                m,
                n,
                k,
                a,
                aOff,
                aStride,
                b,
                bOff,
                bStride,
                c,
                cOff,
                cStride,
                accumulate);
    }

    /** {@link #sgemm} in float64: C = op(A)·op(B) (+ C when accumulate). */
    public static void dgemm(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            double[] a,
            int aOff,
            double[] b,
            int bOff,
            double[] c,
            int cOff,
            boolean accumulate) {
        dgemmBatched(
                "dgemm",
                1,
                transA,
                transB,
                m,
                n,
                k,
                a,
                aOff,
                0,
                transA ? m : k,
                b,
                bOff,
                0,
                transB ? k : n,
                c,
                cOff,
                0,
                n,
                accumulate);
    }

    /** {@link #sgemm(boolean, boolean, int, int, int, float[], int, int, float[], int, int, float[], int, int, boolean)} in float64. */
    public static void dgemm(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            double[] a,
            int aOff,
            int lda,
            double[] b,
            int bOff,
            int ldb,
            double[] c,
            int cOff,
            int ldc,
            boolean accumulate) {
        dgemmBatched(
                "dgemm", 1, transA, transB, m, n, k, a, aOff, 0, lda, b, bOff, 0, ldb, c, cOff, 0, ldc, accumulate);
    }

    /** {@link #sgemmBatched} in float64. */
    public static void dgemmBatched(
            int batch,
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            double[] a,
            int aOff,
            int aStride,
            double[] b,
            int bOff,
            int bStride,
            double[] c,
            int cOff,
            int cStride,
            boolean accumulate) {
        dgemmBatched(
                "dgemmBatched",
                batch,
                transA,
                transB,
                m,
                n,
                k,
                a,
                aOff,
                aStride,
                transA ? m : k,
                b,
                bOff,
                bStride,
                transB ? k : n,
                c,
                cOff,
                cStride,
                n,
                accumulate);
    }

    private static void dgemmBatched(
            String op,
            int batch,
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            double[] a,
            int aOff,
            int aStride,
            int lda,
            double[] b,
            int bOff,
            int bStride,
            int ldb,
            double[] c,
            int cOff,
            int cStride,
            int ldc,
            boolean accumulate) {
        check(
                op, batch, transA, transB, m, n, k, a.length, aOff, aStride, lda, b.length, bOff, bStride, ldb, a == c,
                b == c, c.length, cOff, cStride, ldc);
        if (batch == 0 || m == 0 || n == 0) {
            return;
        }
        if (k == 0) { // op(A)·op(B) is the zero matrix
            if (!accumulate) {
                int outputs = cStride == 0 ? 1 : batch;
                for (int i = 0; i < outputs; i++) {
                    for (int r = 0; r < m; r++) {
                        int row = cOff + i * cStride + r * ldc;
                        Arrays.fill(c, row, row + n, 0.0);
                    }
                }
            }
            return;
        }
        for (int i = 0; i < batch; i++) {
            boolean acc = accumulate || (cStride == 0 && i > 0);
            LoopDgemm.dgemm(
                    transA,
                    transB,
                    m,
                    n,
                    k,
                    a,
                    aOff + i * aStride,
                    lda,
                    b,
                    bOff + i * bStride,
                    ldb,
                    c,
                    cOff + i * cStride,
                    ldc,
                    acc);
        }
    }

    /** The float32 backend in use: {@code "vector"} or {@code "ejml"}. */
    public static String backend() {
        return selected().name();
    }

    // ---- package-private: backend choice and the checked batched product, for tests ----------------

    /** The backend chosen once from {@code jgrad.gemm} and the boot layer. */
    static SgemmBackend selected() {
        SgemmBackend s = selected;
        if (s == null) {
            synchronized (Gemm.class) {
                s = selected;
                if (s == null) {
                    s = select(System.getProperty("jgrad.gemm"));
                    selected = s;
                }
            }
        }
        return s;
    }

    /** Whether the Vector API kernel can run in this JVM. */
    static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** A new instance of the named backend ({@code vector} needs {@link #vectorAvailable()}). */
    static SgemmBackend backend(String name) {
        if (name.equals("ejml")) {
            return new EjmlSgemm();
        }
        if (name.equals("vector")) {
            try {
                return Class.forName(VECTOR_CLASS)
                        .asSubclass(SgemmBackend.class)
                        .getDeclaredConstructor()
                        .newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new IllegalStateException("gemm: cannot load the Vector API kernel " + VECTOR_CLASS, e);
            }
        }
        throw new IllegalArgumentException("gemm: unknown backend \"" + name + "\"; expected vector or ejml");
    }

    private static SgemmBackend select(String property) {
        boolean vector = vectorAvailable();
        SgemmBackend chosen;
        String why;
        if (property == null || property.isBlank()) {
            chosen = vector ? backend("vector") : backend("ejml");
            why = vector
                    ? "module " + VECTOR_MODULE + " present"
                    : "module " + VECTOR_MODULE + " absent; run java with --add-modules " + VECTOR_MODULE
                            + " for the faster kernel";
        } else if (property.trim().equals("ejml")) {
            chosen = backend("ejml");
            why = "jgrad.gemm=ejml";
        } else if (property.trim().equals("vector")) {
            if (!vector) {
                throw new IllegalArgumentException("gemm: jgrad.gemm=vector but module " + VECTOR_MODULE
                        + " is not in the boot layer; run java with --add-modules " + VECTOR_MODULE);
            }
            chosen = backend("vector");
            why = "jgrad.gemm=vector";
        } else {
            throw new IllegalArgumentException(
                    "gemm: system property jgrad.gemm must be vector or ejml, got \"" + property + "\"");
        }
        LOG.log(System.Logger.Level.INFO, "jgrad gemm backend: " + chosen + " (" + why + ")");
        return chosen;
    }

    /** {@link #sgemmBatched} on a given backend with at most {@code threads} threads, contiguous operands. */
    static void sgemmBatched(
            String op,
            SgemmBackend backend,
            int threads,
            int batch,
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float[] a,
            int aOff,
            int aStride,
            float[] b,
            int bOff,
            int bStride,
            float[] c,
            int cOff,
            int cStride,
            boolean accumulate) {
        sgemmBatched(
                op,
                backend,
                threads,
                batch,
                transA,
                transB,
                m,
                n,
                k,
                a,
                aOff,
                aStride,
                transA ? m : k,
                b,
                bOff,
                bStride,
                transB ? k : n,
                c,
                cOff,
                cStride,
                n,
                accumulate);
    }

    /** The checked batched product on a given backend, operands with leading dimensions. */
    static void sgemmBatched(
            String op,
            SgemmBackend backend,
            int threads,
            int batch,
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float[] a,
            int aOff,
            int aStride,
            int lda,
            float[] b,
            int bOff,
            int bStride,
            int ldb,
            float[] c,
            int cOff,
            int cStride,
            int ldc,
            boolean accumulate) {
        check(
                op, batch, transA, transB, m, n, k, a.length, aOff, aStride, lda, b.length, bOff, bStride, ldb, a == c,
                b == c, c.length, cOff, cStride, ldc);
        if (batch == 0 || m == 0 || n == 0) {
            return;
        }
        if (k == 0) { // op(A)·op(B) is the zero matrix
            if (!accumulate) {
                int outputs = cStride == 0 ? 1 : batch;
                for (int i = 0; i < outputs; i++) {
                    for (int r = 0; r < m; r++) {
                        int row = cOff + i * cStride + r * ldc;
                        Arrays.fill(c, row, row + n, 0f);
                    }
                }
            }
            return;
        }
        long flops = 2L * m * n * k;
        boolean sum = cStride == 0 && batch > 1;
        if (batch == 1 || sum || flops >= SPLIT_PRODUCT_FLOPS && batch < 2 * threads) {
            // One product after the other, each spread over the threads; a summed C in increasing i.
            for (int i = 0; i < batch; i++) {
                backend.sgemm(
                        transA,
                        transB,
                        m,
                        n,
                        k,
                        a,
                        aOff + i * aStride,
                        lda,
                        b,
                        bOff + i * bStride,
                        ldb,
                        c,
                        cOff + i * cStride,
                        ldc,
                        accumulate || (sum && i > 0),
                        threads);
            }
        } else { // many products: one thread each, several products per chunk when they are small
            int grain = (int) Math.max(1, Math.min(batch, BATCH_CHUNK_FLOPS / flops));
            Parallel.forRange(batch, grain, threads, (from, to) -> {
                for (int i = from; i < to; i++) {
                    backend.sgemm(
                            transA,
                            transB,
                            m,
                            n,
                            k,
                            a,
                            aOff + i * aStride,
                            lda,
                            b,
                            bOff + i * bStride,
                            ldb,
                            c,
                            cOff + i * cStride,
                            ldc,
                            accumulate,
                            1);
                }
            });
        }
    }

    // ---- argument checks --------------------------------------------------------------------------

    /** Every argument check of one (batched, strided) product, float or double. */
    private static void check(
            String op,
            int batch,
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            int aLength,
            int aOff,
            int aStride,
            int lda,
            int bLength,
            int bOff,
            int bStride,
            int ldb,
            boolean aIsC,
            boolean bIsC,
            int cLength,
            int cOff,
            int cStride,
            int ldc) {
        checkSizes(op, batch, m, n, k);
        long aSpan = checkOperand(op, "a", aLength, batch, aOff, aStride, transA ? k : m, transA ? m : k, lda);
        long bSpan = checkOperand(op, "b", bLength, batch, bOff, bStride, transB ? n : k, transB ? k : n, ldb);
        long cSpan = checkOperand(op, "c", cLength, batch, cOff, cStride, m, n, ldc);
        checkOutputs(op, batch, m, n, cStride, cSpan);
        checkDisjoint(op, "a", aIsC, batch, aOff, aStride, aSpan, cOff, cStride, cSpan);
        checkDisjoint(op, "b", bIsC, batch, bOff, bStride, bSpan, cOff, cStride, cSpan);
    }

    private static void checkSizes(String op, int batch, int m, int n, int k) {
        if (batch < 0 || m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException(
                    op + ": sizes must be ≥ 0, got batch = " + batch + ", m = " + m + ", n = " + n + ", k = " + k);
        }
        if ((long) m * k > Integer.MAX_VALUE || (long) k * n > Integer.MAX_VALUE || (long) m * n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": [" + m + ", " + k + "] · [" + k + ", " + n
                    + "] has more than 2³¹ − 1 elements in a matrix");
        }
    }

    /**
     * Operand i ({@code rows × cols}, rows {@code ld} apart) must lie in {@code [0, length)} from {@code off +
     * i·stride}. Returns the span of one operand, (rows − 1)·ld + cols, or 0 when it is empty.
     */
    private static long checkOperand(
            String op, String name, int length, int batch, int off, int stride, int rows, int cols, int ld) {
        if (off < 0 || stride < 0) {
            throw new IllegalArgumentException(
                    op + ": " + name + " offset " + off + " and stride " + stride + " must be ≥ 0");
        }
        if (ld < cols) {
            throw new IllegalArgumentException(op + ": " + name + " [" + rows + ", " + cols + "]: leading dimension "
                    + ld + " is shorter than a row of " + cols);
        }
        long span = rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
        long end = off + (long) Math.max(0, batch - 1) * stride + span;
        if (batch > 0 && end > length) {
            throw new IllegalArgumentException(op + ": " + name + " [" + rows + ", " + cols + "]"
                    + (ld != cols ? " with leading dimension " + ld : "")
                    + (batch > 1 ? " × " + batch + " with stride " + stride : "") + " from offset " + off
                    + " needs " + end + " elements, array has " + length);
        }
        return span;
    }

    private static void checkOutputs(String op, int batch, int m, int n, int cStride, long cSpan) {
        if (batch > 1 && cStride != 0 && cStride < cSpan) {
            throw new IllegalArgumentException(op + ": c stride " + cStride + " is shorter than one [" + m + ", " + n
                    + "] output; outputs would overlap");
        }
    }

    /** C's span must not meet X's span when both live in the same array. */
    private static void checkDisjoint(
            String op,
            String name,
            boolean sameArray,
            int batch,
            int xOff,
            int xStride,
            long xSpan,
            int cOff,
            int cStride,
            long cSpan) {
        if (!sameArray || batch == 0 || xSpan == 0 || cSpan == 0) {
            return;
        }
        long xEnd = xOff + (long) (batch - 1) * xStride + xSpan;
        long cEnd = cOff + (long) (batch - 1) * cStride + cSpan;
        if (xOff < cEnd && cOff < xEnd) {
            throw new IllegalArgumentException(op + ": c [" + cOff + ", " + cEnd + ") overlaps " + name + " [" + xOff
                    + ", " + xEnd + ") in the same array");
        }
    }
}
