package dev.jgrad.core.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Gemm against a double-precision reference computed from the definition C = c0 + Σ_p a_ip·b_pj.
 * Random values are compared within the rounding bound explained at {@link GemmCase#assertClose};
 * small integers (|x| ≤ 3, so every partial sum is an integer far below 2²⁴) must come out exact.
 */
class GemmTest {

    record Dims(int m, int n, int k) {}

    private static Gen<Dims> dims(int max) {
        return integers()
                .between(1, max)
                .zip(integers().between(1, max), integers().between(1, max), Dims::new);
    }

    /** Flags packed in 4 bits: transA, transB, accumulate, integer values. */
    private static boolean bit(int flags, int i) {
        return (flags >> i & 1) != 0;
    }

    private static void check(SgemmBackend backend, int threads, GemmCase g, boolean integers) {
        float[] a = g.a(integers);
        float[] b = g.b(integers);
        float[] c = g.c(integers);
        float[] before = c.clone();
        double[] magnitude = new double[c.length];
        double[] expected = g.expected(GemmCase.toDouble(a), GemmCase.toDouble(b), GemmCase.toDouble(c), magnitude);
        g.run(backend, threads, a, b, c);
        g.assertClose(backend.name(), expected, magnitude, before, c, integers ? 0 : GemmCase.U_FLOAT);
    }

    @Test
    void sgemmMatchesReferenceForSizesUpTo70() {
        qt().withExamples(300)
                .forAll(dims(70), integers().between(0, 15), integers().between(0, 5), longs().all())
                .checkAssert((d, flags, off, seed) -> {
                    GemmCase g = GemmCase.single(
                            d.m(), d.n(), d.k(), bit(flags, 0), bit(flags, 1), bit(flags, 2), off, seed);
                    for (SgemmBackend backend : GemmCase.backends()) {
                        check(backend, Parallel.threads(), g, bit(flags, 3));
                    }
                });
    }

    @Test
    void sgemmMatchesReferenceAcrossBlockSizes() {
        // Beyond one register tile, one KC-deep block (k > 256) and one NC-wide block (n > 512), a
        // row count with a partial row panel, and the degenerate vector shapes.
        Dims[] shapes = {
            new Dims(130, 65, 257),
            new Dims(7, 1000, 31),
            new Dims(37, 45, 600),
            new Dims(600, 3, 40),
            new Dims(1, 1, 600),
            new Dims(1, 513, 1),
            new Dims(97, 1, 33)
        };
        long seed = 7;
        for (Dims d : shapes) {
            for (int flags = 0; flags < 8; flags++) {
                GemmCase g = GemmCase.single(
                        d.m(), d.n(), d.k(), bit(flags, 0), bit(flags, 1), bit(flags, 2), flags, seed++);
                for (SgemmBackend backend : GemmCase.backends()) {
                    check(backend, Parallel.threads(), g, false);
                }
            }
        }
    }

    @Test
    void batchedMatchesReferenceWithStridesAndBroadcasts() {
        // flags: transA, transB, accumulate, integers, A broadcast, B broadcast, C summed (stride 0)
        qt().withExamples(150)
                .forAll(dims(20), integers().between(1, 5), integers().between(0, 127), longs().all())
                .checkAssert((d, batch, flags, seed) -> {
                    int m = d.m(), n = d.n(), k = d.k();
                    int gap = (int) Math.floorMod(seed, 4L);
                    GemmCase g = new GemmCase(
                            batch,
                            m,
                            n,
                            k,
                            bit(flags, 0),
                            bit(flags, 1),
                            bit(flags, 2),
                            gap,
                            bit(flags, 4) ? 0 : m * k + gap,
                            2 * gap,
                            bit(flags, 5) ? 0 : k * n + gap,
                            1,
                            bit(flags, 6) ? 0 : m * n + gap,
                            seed);
                    for (SgemmBackend backend : GemmCase.backends()) {
                        check(backend, Parallel.threads(), g, bit(flags, 3));
                    }
                });
    }

    @Test
    void oneAndTwoThreadsGiveBitIdenticalResults() {
        assumeTrue(Parallel.threads() >= 2, "needs a pool of at least 2 threads");
        // Sizes up to 300 reach past the parallel threshold (2mnk ≥ 2²²) and past one KC block.
        qt().withExamples(25)
                .forAll(dims(300), integers().between(0, 7), integers().between(1, 3), longs().all())
                .checkAssert((d, flags, batch, seed) -> {
                    GemmCase g = new GemmCase(
                            batch,
                            d.m(),
                            d.n(),
                            d.k(),
                            bit(flags, 0),
                            bit(flags, 1),
                            bit(flags, 2),
                            1,
                            d.m() * d.k(),
                            0,
                            0,
                            2,
                            d.m() * d.n(),
                            seed);
                    for (SgemmBackend backend : GemmCase.backends()) {
                        float[] a = g.a(false);
                        float[] b = g.b(false);
                        float[] c1 = g.c(false);
                        float[] c2 = c1.clone();
                        g.run(backend, 1, a, b, c1);
                        g.run(backend, 2, a, b, c2);
                        assertTrue(Arrays.equals(c1, c2), () -> backend.name() + " " + g + ": 1 and 2 threads differ");
                    }
                });
    }

    @Test
    void elementsComeOutTheSameWhateverTheirPositionInTheProduct() {
        // Every element runs the same operations wherever its tile lies (full or partial, wide or
        // narrow): rows [i0, i0 + r) of a product equal the product of those rows of A alone, and
        // columns [j0, j0 + w) equal the product with those columns of op(B) alone, bit for bit.
        // (With B stored transposed, its columns are contiguous rows of storage.)
        assumeTrue(Gemm.vectorAvailable(), "the Vector API kernel is not available in this JVM");
        SgemmBackend vector = Gemm.backend("vector");
        qt().withExamples(60).forAll(dims(120), longs().all()).checkAssert((d, seed) -> {
            int m = d.m(), n = d.n(), k = d.k();
            int i0 = (int) Math.floorMod(seed, (long) m);
            int r = 1 + (int) Math.floorMod(seed >>> 16, (long) (m - i0));
            int j0 = (int) Math.floorMod(seed >>> 24, (long) n);
            int w = 1 + (int) Math.floorMod(seed >>> 40, (long) (n - j0));
            GemmCase g = GemmCase.single(m, n, k, false, true, false, 0, seed);
            float[] a = g.a(false);
            float[] b = g.b(false);
            float[] full = new float[m * n];
            vector.sgemm(false, true, m, n, k, a, 0, k, b, 0, k, full, 0, n, false, 1);

            float[] rows = new float[r * n];
            vector.sgemm(false, true, r, n, k, a, i0 * k, k, b, 0, k, rows, 0, n, false, 1);
            assertArrayEquals(
                    Arrays.copyOfRange(full, i0 * n, (i0 + r) * n),
                    rows,
                    0f,
                    () -> g + ": rows [" + i0 + ", " + (i0 + r) + ")");

            float[] cols = new float[m * w];
            vector.sgemm(false, true, m, w, k, a, 0, k, b, j0 * k, k, cols, 0, w, false, 1);
            for (int i = 0; i < m; i++) {
                int row = i;
                assertArrayEquals(
                        Arrays.copyOfRange(full, i * n + j0, i * n + j0 + w),
                        Arrays.copyOfRange(cols, i * w, (i + 1) * w),
                        0f,
                        () -> g + ": row " + row + ", columns [" + j0 + ", " + (j0 + w) + ")");
            }
        });
    }

    /** A rows × cols matrix copied out of {@code x} from {@code off}, rows {@code ld} apart. */
    private static float[] block(float[] x, int off, int ld, int rows, int cols) {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, off + r * ld, out, r * cols, cols);
        }
        return out;
    }

    @Test
    void stridedOperandsGiveTheContiguousProductAndTouchNothingElse() {
        // Each operand sits inside a wider matrix (leading dimension = its row length + a pad) from an offset:
        // the product must equal, bit for bit, the same backend's product of the contiguous copies, and every
        // element of C's array outside the m × n block must keep its value. The same for dgemm.
        qt().withExamples(150)
                .forAll(dims(50), integers().between(0, 15), integers().between(0, 7 * 7 * 7 - 1), longs().all())
                .checkAssert((d, flags, pads, seed) -> {
                    int m = d.m(), n = d.n(), k = d.k();
                    boolean ta = bit(flags, 0), tb = bit(flags, 1), acc = bit(flags, 2);
                    int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
                    int lda = aCols + pads % 7, ldb = bCols + pads / 7 % 7, ldc = n + pads / 49;
                    int off = (int) Math.floorMod(seed, 5L);
                    java.util.Random rnd = new java.util.Random(seed);
                    float[] a = new float[off + aRows * lda];
                    float[] b = new float[off + bRows * ldb];
                    float[] c = new float[off + m * ldc];
                    for (float[] x : new float[][] {a, b, c}) {
                        for (int i = 0; i < x.length; i++) x[i] = 2 * rnd.nextFloat() - 1;
                    }
                    float[] denseA = block(a, off, lda, aRows, aCols);
                    float[] denseB = block(b, off, ldb, bRows, bCols);
                    for (SgemmBackend backend : GemmCase.backends()) {
                        float[] dense = block(c, off, ldc, m, n);
                        Gemm.sgemmBatched(
                                "sgemm",
                                backend,
                                Parallel.threads(),
                                1,
                                ta,
                                tb,
                                m,
                                n,
                                k,
                                denseA,
                                0,
                                0,
                                denseB,
                                0,
                                0,
                                dense,
                                0,
                                0,
                                acc);
                        float[] strided = c.clone();
                        Gemm.sgemmBatched(
                                "sgemm",
                                backend,
                                Parallel.threads(),
                                1,
                                ta,
                                tb,
                                m,
                                n,
                                k,
                                a,
                                off,
                                0,
                                lda,
                                b,
                                off,
                                0,
                                ldb,
                                strided,
                                off,
                                0,
                                ldc,
                                acc);
                        String what = backend.name() + " m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb
                                + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc + " off=" + off;
                        assertArrayEquals(dense, block(strided, off, ldc, m, n), 0f, what);
                        for (int i = 0; i < c.length; i++) {
                            if (i < off || (i - off) % ldc >= n) {
                                assertEquals(c[i], strided[i], 0f, what + ": wrote outside C at " + i);
                            }
                        }
                    }
                    double[] da = GemmCase.toDouble(a), db = GemmCase.toDouble(b), dc = GemmCase.toDouble(c);
                    double[] dense = GemmCase.toDouble(block(c, off, ldc, m, n));
                    Gemm.dgemm(
                            ta, tb, m, n, k, GemmCase.toDouble(denseA), 0, GemmCase.toDouble(denseB), 0, dense, 0, acc);
                    Gemm.dgemm(ta, tb, m, n, k, da, off, lda, db, off, ldb, dc, off, ldc, acc);
                    for (int i = 0; i < c.length; i++) {
                        int r = (i - off) / ldc, j = (i - off) % ldc;
                        double want = i < off || j >= n ? c[i] : dense[r * n + j];
                        assertEquals(want, dc[i], 0, "dgemm at " + i);
                    }
                });
    }

    @Test
    void widthsThatAreWholeRegisterTilesMatchTheReference() {
        // n a multiple of 16 and 32 (the kernel's tile width with AVX2 and AVX-512) and a small B: the vector kernel
        // reads B in place instead of packing it; random sizes rarely hit these widths.
        qt().withExamples(60)
                .forAll(dims(200), integers().between(0, 7), longs().all())
                .checkAssert((d, flags, seed) -> {
                    int n = 16 * (1 + d.n() % 6);
                    GemmCase g = GemmCase.single(
                            d.m(), n, d.k(), bit(flags, 0), bit(flags, 1), bit(flags, 2), (int) (seed & 3), seed);
                    for (SgemmBackend backend : GemmCase.backends()) {
                        check(backend, Parallel.threads(), g, false);
                        check(backend, 1, g, true);
                    }
                });
    }

    @Test
    void aBReadPastItsLastColumnLeaksNothing() {
        // A small B inside a wider matrix whose width is not a whole number of register tiles: the vector kernel
        // reads its last panel in place, past column n, from memory that here holds NaN and ±∞. Those columns
        // must not reach C: the product equals, bit for bit, the product of a contiguous copy of B.
        qt().withExamples(80)
                .forAll(dims(100), integers().between(0, 40), longs().all())
                .checkAssert((d, pad, seed) -> {
                    int m = d.m(), n = d.n(), k = d.k();
                    int ldb = n + pad;
                    java.util.Random rnd = new java.util.Random(seed);
                    float[] a = new float[m * k];
                    float[] b = new float[k * ldb + pad];
                    float[] poison = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
                    for (int i = 0; i < b.length; i++) {
                        b[i] = i % ldb < n && i < k * ldb ? 2 * rnd.nextFloat() - 1 : poison[i % 3];
                    }
                    for (int i = 0; i < a.length; i++) a[i] = 2 * rnd.nextFloat() - 1;
                    float[] denseB = block(b, 0, ldb, k, n);
                    float[] expected = new float[m * n];
                    float[] got = new float[m * n];
                    Gemm.sgemm(false, false, m, n, k, a, 0, k, denseB, 0, n, expected, 0, n, false);
                    Gemm.sgemm(false, false, m, n, k, a, 0, k, b, 0, ldb, got, 0, n, false);
                    assertArrayEquals(expected, got, "m=" + m + " n=" + n + " k=" + k + " ldb=" + ldb);
                });
    }

    @Test
    void aLeadingDimensionShorterThanARowIsRejected() {
        float[] x = new float[64];
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 3, 4, 5, x, 0, 4, new float[20], 0, 4, new float[12], 0, 4, false));
        assertTrue(e.getMessage().contains("sgemm: a [3, 5]: leading dimension 4"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.sgemm(
                        false, false, 3, 4, 5, new float[20], 0, 8, new float[20], 0, 4, new float[12], 0, 4, false));
        assertTrue(
                e.getMessage().contains("sgemm: a [3, 5] with leading dimension 8")
                        && e.getMessage().contains("needs 21"),
                e.getMessage());
    }

    @Test
    void zeroSizesAreNoOpsOrZeroFills() {
        for (SgemmBackend backend : GemmCase.backends()) {
            for (boolean accumulate : new boolean[] {false, true}) {
                float[] a = {1, 2, 3, 4, 5, 6};
                float[] b = {1, 2, 3, 4, 5, 6};
                // m = 0 or n = 0: C has no elements, nothing is written
                float[] c = {9, 9, 9, 9};
                Gemm.sgemmBatched("sgemm", backend, 2, 1, false, false, 0, 2, 3, a, 0, 0, b, 0, 0, c, 0, 0, accumulate);
                Gemm.sgemmBatched("sgemm", backend, 2, 1, false, false, 2, 0, 3, a, 0, 0, b, 0, 0, c, 0, 0, accumulate);
                assertArrayEquals(new float[] {9, 9, 9, 9}, c, 0f);
                // k = 0: op(A)·op(B) is the 2 × 2 zero matrix; offset 1 leaves c[0] alone
                float[] c2 = {9, 9, 9, 9, 9};
                Gemm.sgemmBatched("sgemm", backend, 2, 1, true, true, 2, 2, 0, a, 0, 0, b, 6, 0, c2, 1, 0, accumulate);
                assertArrayEquals(accumulate ? new float[] {9, 9, 9, 9, 9} : new float[] {9, 0, 0, 0, 0}, c2, 0f);
                // batch = 0: nothing at all
                Gemm.sgemmBatched(
                        "sgemmBatched", backend, 2, 0, false, false, 2, 2, 3, a, 0, 6, b, 0, 6, c, 0, 4, false);
                assertArrayEquals(new float[] {9, 9, 9, 9}, c, 0f);
            }
        }
        double[] c = {9, 9, 9, 9};
        Gemm.dgemm(false, false, 2, 2, 0, new double[0], 0, new double[0], 0, c, 0, false);
        assertArrayEquals(new double[] {0, 0, 0, 0}, c, 0);
        Gemm.dgemm(false, false, 0, 2, 2, new double[0], 0, new double[4], 0, c, 0, false);
        assertArrayEquals(new double[] {0, 0, 0, 0}, c, 0);
    }

    @Test
    void handComputedProductWithEveryTransposeFlag() {
        // op(A) = [[1, 2], [3, 4]], op(B) = [[5, 6], [7, 8]]  →  op(A)·op(B) = [[19, 22], [43, 50]]
        float[] a = {1, 2, 3, 4};
        float[] aT = {1, 3, 2, 4};
        float[] b = {5, 6, 7, 8};
        float[] bT = {5, 7, 6, 8};
        for (SgemmBackend backend : GemmCase.backends()) {
            for (int flags = 0; flags < 4; flags++) {
                boolean ta = bit(flags, 0), tb = bit(flags, 1);
                float[] c = {1, 1, 1, 1};
                Gemm.sgemmBatched(
                        "sgemm", backend, 1, 1, ta, tb, 2, 2, 2, ta ? aT : a, 0, 0, tb ? bT : b, 0, 0, c, 0, 0, true);
                assertArrayEquals(new float[] {20, 23, 44, 51}, c, 0f, backend.name() + " flags " + flags);
            }
        }
    }

    @Test
    void nanStaysInItsRow() {
        // C[i, :] depends only on row i of A: zero padding must never mix a NaN into other rows.
        for (SgemmBackend backend : GemmCase.backends()) {
            int m = 13, n = 40, k = 9;
            GemmCase g = GemmCase.single(m, n, k, false, false, false, 0, 3);
            float[] a = g.a(false);
            float[] b = g.b(false);
            a[7 * k + 4] = Float.NaN;
            float[] c = new float[m * n];
            g.run(backend, 2, a, b, c);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(i == 7, Float.isNaN(c[i * n + j]), backend.name() + " c[" + i + ", " + j + "]");
                }
            }
        }
    }

    @Test
    void publicEntryPointsUseTheSelectedBackend() {
        String property = System.getProperty("jgrad.gemm");
        String expected = property != null ? property.trim() : Gemm.vectorAvailable() ? "vector" : "ejml";
        assertEquals(expected, Gemm.backend());

        GemmCase g = GemmCase.single(5, 6, 7, true, false, true, 2, 11);
        float[] a = g.a(true);
        float[] b = g.b(true);
        float[] c = g.c(true);
        float[] before = c.clone();
        double[] magnitude = new double[c.length];
        double[] expectedC = g.expected(GemmCase.toDouble(a), GemmCase.toDouble(b), GemmCase.toDouble(c), magnitude);
        Gemm.sgemm(true, false, 5, 6, 7, a, g.aOff(), b, g.bOff(), c, g.cOff(), true);
        g.assertClose("sgemm", expectedC, magnitude, before, c, 0);

        GemmCase batched = new GemmCase(3, 4, 5, 6, false, true, false, 1, 0, 0, 30, 2, 21, 12);
        float[] ba = batched.a(true);
        float[] bb = batched.b(true);
        float[] bc = batched.c(true);
        float[] bBefore = bc.clone();
        double[] bMagnitude = new double[bc.length];
        double[] bExpected =
                batched.expected(GemmCase.toDouble(ba), GemmCase.toDouble(bb), GemmCase.toDouble(bc), bMagnitude);
        Gemm.sgemmBatched(3, false, true, 4, 5, 6, ba, 1, 0, bb, 0, 30, bc, 2, 21, false);
        batched.assertClose("sgemmBatched", bExpected, bMagnitude, bBefore, bc, 0);
    }

    @Test
    void badArgumentsAreRejectedWithTheShapesInTheMessage() {
        float[] x = new float[12];
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 3, 4, 5, x, 0, new float[20], 0, new float[12], 0, false));
        assertTrue(e.getMessage().contains("sgemm: a [3, 5]") && e.getMessage().contains("needs 15"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> Gemm.sgemm(false, false, -1, 4, 5, x, 0, x, 0, x, 0, false));
        assertTrue(e.getMessage().contains("m = -1"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> Gemm.sgemm(false, true, 2, 2, 2, x, 0, x, 4, x, 6, false));
        assertTrue(e.getMessage().contains("overlaps b"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.sgemmBatched(2, false, false, 2, 2, 2, x, 0, 0, x, 0, 0, new float[8], 0, 3, false));
        assertTrue(e.getMessage().contains("c stride 3") && e.getMessage().contains("[2, 2]"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.dgemm(true, false, 2, 3, 4, new double[7], 0, new double[12], 0, new double[6], 0, false));
        assertTrue(e.getMessage().contains("dgemm: a [4, 2]"), e.getMessage());
        assertFalse(Gemm.backend().isEmpty());
    }

    // ---- float64 -------------------------------------------------------------------------------------

    private static void checkDouble(GemmCase g, boolean integers) {
        double[] a = GemmCase.toDouble(g.a(integers));
        double[] b = GemmCase.toDouble(g.b(integers));
        double[] c = GemmCase.toDouble(g.c(integers));
        // Make the random values use all 53 bits, not just a float's 24.
        if (!integers) {
            for (int i = 0; i < a.length; i++) {
                a[i] += a[i] * 1e-9 * (i % 7);
            }
        }
        double[] magnitude = new double[c.length];
        double[] expected = g.expected(a, b, c, magnitude);
        double[] before = c.clone();
        Gemm.dgemmBatched(
                g.batch(),
                g.transA(),
                g.transB(),
                g.m(),
                g.n(),
                g.k(),
                a,
                g.aOff(),
                g.aStride(),
                b,
                g.bOff(),
                g.bStride(),
                c,
                g.cOff(),
                g.cStride(),
                g.accumulate());
        int r = g.k() + 2 + g.batch();
        // Both the reference and dgemm round in double: allow twice the bound of each.
        double gamma = integers ? 0 : 2 * r * GemmCase.U_DOUBLE / (1 - r * GemmCase.U_DOUBLE);
        for (int i = 0; i < c.length; i++) {
            if (g.insideC(i)) {
                double tol = 2 * gamma * magnitude[i];
                assertEquals(expected[i], c[i], tol, () -> "dgemm " + g);
            } else {
                assertEquals(before[i], c[i], 0, () -> "dgemm wrote outside C: " + g);
            }
        }
    }

    @Test
    void dgemmMatchesReference() {
        qt().withExamples(200)
                .forAll(dims(40), integers().between(0, 15), booleans().all(), longs().all())
                .checkAssert((d, flags, batched, seed) -> {
                    int m = d.m(), n = d.n(), k = d.k();
                    GemmCase g = batched
                            ? new GemmCase(
                                    3,
                                    m,
                                    n,
                                    k,
                                    bit(flags, 0),
                                    bit(flags, 1),
                                    bit(flags, 2),
                                    1,
                                    m * k,
                                    0,
                                    0,
                                    0,
                                    seed % 2 == 0 ? 0 : m * n + 1,
                                    seed)
                            : GemmCase.single(m, n, k, bit(flags, 0), bit(flags, 1), bit(flags, 2), 1, seed);
                    checkDouble(g, bit(flags, 3));
                });
    }
}
