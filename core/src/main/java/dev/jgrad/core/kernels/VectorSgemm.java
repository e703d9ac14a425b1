package dev.jgrad.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 GEMM on the Vector API: packed panels, cache blocking and a register-blocked micro-kernel,
 * in the scheme of Goto and van de Geijn ("Anatomy of high-performance matrix multiplication", 2008).
 *
 * <p>This class is the only one that touches {@code jdk.incubator.vector}; {@link Gemm} loads it by
 * name, and only when that module is in the boot layer.
 *
 * <h2>Blocking</h2>
 *
 * <pre>
 *   for jc in [0, n) step NC                       C[:, jc:jc+nc]
 *     for pb in [0, k) step KB                     up to 8 rank-KC updates of that column block
 *       parallel: pack B̃_pc = op(B)[pc:pc+kc, jc:jc+nc] for each pc in the KB block
 *                                                  kc × nc, in micro-panels of NR columns
 *       parallel over tasks (row block ic:ic+mc, group of B̃ micro-panels):
 *         for pc in the KB block, increasing
 *           for each micro-panel of B̃_pc           kc × NR, reused for every row panel      (L1)
 *             for each row panel of op(A)          MR rows × kc, read in place              (L2)
 *               C[MR × NR tile] (+)= A-panel · B̃-panel        the micro-kernel, in registers
 * </pre>
 *
 * <p>Packing B̃ for KB = 8·KC rows at once lets a task run its rank-kc updates back to back: a weight
 * gradient gᵀ·x, 2048 deep, waits for the other thread twice instead of sixteen times.
 *
 * <p>B̃ is packed so that its micro-panel is read with unit stride and stays in L1, except when B
 * already has that layout and is small: not transposed, whole panels (row p of panel q is then NR
 * adjacent floats of B's row p; a last panel past column n is read from B's memory beyond it, when
 * there is some, and its extra columns go to the discarded part of a scratch tile) and k·n ≤ 64 K
 * floats, so that all of B stays in L2. Then B is read in place and the packing phase, a parallel
 * region of its own, is skipped: 1.3–2× on the
 * products of a d = 64 model (1024x64x64, 192x1024x64:TN), 6% on attention's. A is read where it
 * lies: a row panel of op(A) is six rows of A (six unit-stride streams), or, when A is transposed,
 * six adjacent floats of each of kc rows of A. Either way the micro-kernel broadcasts one value per
 * row and step, so A needs no copy; copying it (as Goto's scheme does) cost up to a third of the time
 * when n is small, and the transposed copy of a weight gradient gᵀ·x made it 10–15% slower than the
 * plain one. Only a partial last row panel is copied, to pad it with zeros. A matrix may be a block
 * of a wider one: every operand has a leading dimension (its row stride), as in BLAS.
 *
 * <p>The sizes follow from the caches of the machine it was tuned on (AMD EPYC with AVX-512; per core
 * 32 KB L1d, 1 MB L2); 128 ≤ KC ≤ 384, 48 ≤ MC ≤ 192 and NC in {256, 512} all measured within 5%:
 *
 * <ul>
 *   <li>{@code KC = 256}: a B̃ micro-panel is KC·NR floats (32 KB at NR = 32) and a panel of A's
 *       rows 6 KB, read again for every row panel and every micro-panel respectively, so they stay
 *       in L1 and L2; each C tile is loaded and stored once per KC steps, about 1% of the traffic
 *       of the FMAs.
 *   <li>{@code MC = 96}: a task's block of op(A), MC·KC floats = 96 KB, stays in L2 next to B̃;
 *       small enough that a 4096-row product gives 40+ tasks, so two threads stay busy when a core
 *       is shared.
 *   <li>{@code NC = 512}: B̃ is KC·NC floats = 512 KB, half of L2, so B̃ and a task's rows of A
 *       both stay in L2 while the row blocks stream through.
 * </ul>
 *
 * <h2>Micro-kernel</h2>
 *
 * The tile is MR = 6 rows by NR = 2 vectors of L lanes (L = 16 floats with AVX-512, 8 with AVX2).
 * For each p in [0, kc) it loads two vectors b0, b1 of the B̃ panel's row p, broadcasts each of the 6
 * values of op(A)'s column p and does 12 fused multiply-adds into 12 accumulators: 12 + 2 + 1 vector
 * registers, inside the 16 of AVX2 and far inside the 32 of AVX-512, and 12 independent FMA chains,
 * enough to cover the FMA latency on two ports. The write-back is spelled out for all 12 vectors:
 * a helper method call per vector can exceed C2's inlining budget, and then every accumulator is
 * boxed.
 *
 * <p>A last B̃ panel with at most L valid columns runs a 6 × L tile instead, which skips the wasted
 * half. It needs one broadcast per FMA instead of one per two and reaches about half of the wide
 * tile's rate (a 12-row version measured no faster, so the broadcasts, not FMA latency, limit it);
 * attention's P·V with 16-wide heads is the product that lives on it.
 *
 * <h2>Edges and reproducibility</h2>
 *
 * Packing pads the last panels with zeros up to the rows and columns the micro-kernel reads, so
 * every tile runs a full micro-kernel; a partial tile is computed into a scratch tile and its valid
 * part added to C with the same float additions a full tile does. Hence every element of C is the
 * same sequence of operations wherever its tile lies: c = (…((c₀ + s₀) + s₁) + …) with
 * s_b = Σ_{p in block b} a_ip·b_pj summed by FMA in increasing p, starting from s_b's own first
 * product. The sizes KC and NC depend neither on the thread count nor on m, and the tasks split only
 * C, so 1 and 2 threads give bit-identical results, and a row of C does not depend on the other rows
 * of A: an example gives the same output whatever batch it is in.
 */
final class VectorSgemm implements SgemmBackend {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Rows of the register tile. */
    static final int MR = 6;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * L;
    /** Depth of one packed rank-kc update. */
    static final int KC = 256;
    /** Rows of op(A) per task (a multiple of MR). */
    static final int MC = 96;
    /** Columns of a packed B̃ block (a multiple of NR for every vector length up to 512 bits). */
    static final int NC = 512;
    /** Depth of B̃ packed at once (8 KC blocks, 4 MB): each task then runs all of them without waiting. */
    static final int KB = 8 * KC;

    /** Largest B (k·n floats, 256 KB) multiplied in place rather than packed, when its layout allows. */
    static final long B_IN_PLACE_MAX = 1 << 16;
    /** Below this many flops (2mnk) a product runs on the calling thread: forking costs more. */
    static final long PARALLEL_FLOPS = 1L << 22;

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** One thread's packing buffers; a caller's B̃ is read by every task of its product. */
    private static final class Buffers {
        final float[] edgeA = new float[MR * KC];
        final float[] scratchTile = new float[MR * NR];
        private float[] packedB = new float[0];

        /** Room for B̃ of {@code depth} ≤ KB rows: one KC × NC block per KC rows. */
        float[] packedB(int depth) {
            int size = ceilDiv(depth, KC) * KC * NC;
            if (packedB.length < size) {
                packedB = new float[size];
            }
            return packedB;
        }
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public String toString() {
        return "vector (" + S + ", tile " + MR + "x" + NR + ")";
    }

    @Override
    public void sgemm(
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
            boolean accumulate,
            int threads) {
        int useThreads = 2L * m * n * k < PARALLEL_FLOPS ? 1 : threads;
        // Tasks: row blocks of mc rows × groups of B̃ micro-panels; enough of them to feed every thread.
        int mc = roundUp(ceilDiv(m, ceilDiv(m, MC)), MR);
        int rowBlocks = ceilDiv(m, mc);
        // B̃: B itself when it already has the micro-panel layout (not transposed; row p of panel q is NR adjacent
        // floats of B's row p, a last panel past column n read from B's memory beyond it) and is small enough to
        // stay in L2 (then packing it, a parallel phase of its own, cost more than it saved); else packed by the
        // caller, read by all tasks
        boolean bInPlace =
                !transB && (long) k * n <= B_IN_PLACE_MAX && (n % NR == 0 || wholePanelsReadable(b, bOff, ldb, k, n));
        float[] bp = bInPlace ? b : BUFFERS.get().packedB(Math.min(k, KB));
        int bRow = bInPlace ? ldb : NR;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int panels = (nc + NR - 1) / NR;
            int groups = useThreads == 1 ? 1 : Math.min(panels, ceilDiv(2 * useThreads, rowBlocks));
            int panelsPerGroup = ceilDiv(panels, groups);
            int groupCount = ceilDiv(panels, panelsPerGroup);
            int packChunk = Math.max(1, panels / 2);
            int packChunks = ceilDiv(panels, packChunk);
            for (int pb = 0; pb < k; pb += KB) {
                int depth = Math.min(KB, k - pb);
                int blocks = ceilDiv(depth, KC);
                int j0 = jc;
                int p0 = pb;
                if (!bInPlace) {
                    Parallel.forRange(blocks * packChunks, 1, useThreads, (from, to) -> {
                        for (int t = from; t < to; t++) {
                            int d = t / packChunks;
                            int q0 = (t % packChunks) * packChunk;
                            int q1 = Math.min(panels, q0 + packChunk);
                            int pc = p0 + d * KC;
                            packB(transB, b, bOff, ldb, j0, nc, pc, Math.min(KC, k - pc), q0, q1, bp, d * KC * NC);
                        }
                    });
                }
                Parallel.forRange(rowBlocks * groupCount, 1, useThreads, (from, to) -> {
                    Buffers own = BUFFERS.get();
                    float[] edge = own.edgeA;
                    for (int t = from; t < to; t++) {
                        int ic = (t / groupCount) * mc;
                        int rows = Math.min(mc, m - ic);
                        int q0 = (t % groupCount) * panelsPerGroup;
                        int q1 = Math.min(panels, q0 + panelsPerGroup);
                        int ci = cOff + ic * ldc + j0;
                        for (int d = 0; d < blocks; d++) { // rank-kc updates in increasing pc, as one thread would
                            int pc = p0 + d * KC;
                            int kc = Math.min(KC, k - pc);
                            boolean store = pc == 0 && !accumulate; // the first block overwrites C
                            int bi = bInPlace ? bOff + pc * ldb + j0 : d * KC * NC;
                            int panelStep = bInPlace ? NR : NR * kc;
                            // op(A)[ic + r, pc + p] is at a[ai + r·rs + p·cs]; a partial last panel is packed
                            int ai = transA ? aOff + pc * lda + ic : aOff + ic * lda + pc;
                            int rs = transA ? 1 : lda;
                            int cs = transA ? lda : 1;
                            if (rows % MR != 0) {
                                int fullRows = rows / MR * MR;
                                packEdgeA(transA, a, aOff, lda, ic + fullRows, rows - fullRows, pc, kc, edge);
                            }
                            macroKernel(
                                    rows,
                                    nc,
                                    kc,
                                    a,
                                    ai,
                                    rs,
                                    cs,
                                    edge,
                                    bp,
                                    bi,
                                    bRow,
                                    panelStep,
                                    q0,
                                    q1,
                                    c,
                                    ci,
                                    ldc,
                                    store,
                                    own.scratchTile);
                        }
                    }
                });
            }
        }
    }

    /**
     * Multiplies rows × kc of op(A) by micro-panels [q0, q1) of B̃ into C, where {@code ci} indexes C's
     * element (ic, jc). op(A)'s element (r, p) of the block is at {@code aa[aStart + r·rs + p·cs]}; a
     * partial last row panel is read from {@code edgeA} (packed, zero-padded). B̃'s micro-panels start
     * at {@code bp[bpOff]}.
     */
    private static void macroKernel(
            int rows,
            int nc,
            int kc,
            float[] aa,
            int aStart,
            int rs,
            int cs,
            float[] edgeA,
            float[] bp,
            int bpOff,
            int bRow,
            int panelStep,
            int q0,
            int q1,
            float[] c,
            int ci,
            int ldc,
            boolean store,
            float[] scratch) {
        for (int q = q0; q < q1; q++) { // B̃'s micro-panel q is reused for every row panel: it stays in L1
            int cols = Math.min(NR, nc - q * NR);
            int bi = bpOff + q * panelStep;
            for (int ir = 0; ir < rows; ir += MR) {
                int tileRows = Math.min(MR, rows - ir);
                int tile = ci + ir * ldc + q * NR;
                boolean packedEdge = tileRows < MR;
                float[] src = packedEdge ? edgeA : aa;
                int ai = packedEdge ? 0 : aStart + ir * rs;
                int r1 = packedEdge ? 1 : rs;
                int c1 = packedEdge ? MR : cs;
                boolean narrow = cols <= L; // the last panel of a thin C: half the tile is enough
                if (tileRows == MR && cols == (narrow ? L : NR)) {
                    if (narrow) {
                        narrowMicroKernel(kc, src, ai, r1, c1, bp, bi, bRow, c, tile, ldc, store);
                    } else {
                        microKernel(kc, src, ai, r1, c1, bp, bi, bRow, c, tile, ldc, store);
                    }
                } else { // a partial tile: compute all of it aside, keep the valid part
                    if (narrow) {
                        narrowMicroKernel(kc, src, ai, r1, c1, bp, bi, bRow, scratch, 0, NR, true);
                    } else {
                        microKernel(kc, src, ai, r1, c1, bp, bi, bRow, scratch, 0, NR, true);
                    }
                    for (int r = 0; r < tileRows; r++) {
                        for (int j = 0; j < cols; j++) {
                            int at = tile + r * ldc + j;
                            c[at] = store ? scratch[r * NR + j] : c[at] + scratch[r * NR + j];
                        }
                    }
                }
            }
        }
    }

    /**
     * The register tile: C[0:6, 0:NR] (+)= Σ_p ã_p ⊗ b̃_p over p in [0, kc), where ã_p is column p of
     * the six rows of op(A) (element r at {@code ap[ai + r·rs + p·cs]}) and b̃_p row p of the B̃
     * micro-panel (NR floats at {@code bp[bi + bRow·p]}). C's tile starts at {@code c[ci]} with row
     * stride {@code ldc}; {@code store} overwrites it, otherwise the sums are added to it.
     */
    private static void microKernel(
            int kc,
            float[] ap,
            int ai,
            int rs,
            int cs,
            float[] bp,
            int bi,
            int bRow,
            float[] c,
            int ci,
            int ldc,
            boolean store) {
        int a1 = ai + rs, a2 = ai + 2 * rs, a3 = ai + 3 * rs, a4 = ai + 4 * rs, a5 = ai + 5 * rs;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int pa = p * cs;
            int bp0 = bi + p * bRow;
            FloatVector b0 = FloatVector.fromArray(S, bp, bp0);
            FloatVector b1 = FloatVector.fromArray(S, bp, bp0 + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai + pa]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[a1 + pa]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[a2 + pa]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[a3 + pa]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[a4 + pa]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[a5 + pa]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        if (store) {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
            c40.intoArray(c, ci + 4 * ldc);
            c41.intoArray(c, ci + 4 * ldc + L);
            c50.intoArray(c, ci + 5 * ldc);
            c51.intoArray(c, ci + 5 * ldc + L);
        } else {
            c00.add(FloatVector.fromArray(S, c, ci)).intoArray(c, ci);
            c01.add(FloatVector.fromArray(S, c, ci + L)).intoArray(c, ci + L);
            c10.add(FloatVector.fromArray(S, c, ci + ldc)).intoArray(c, ci + ldc);
            c11.add(FloatVector.fromArray(S, c, ci + ldc + L)).intoArray(c, ci + ldc + L);
            c20.add(FloatVector.fromArray(S, c, ci + 2 * ldc)).intoArray(c, ci + 2 * ldc);
            c21.add(FloatVector.fromArray(S, c, ci + 2 * ldc + L)).intoArray(c, ci + 2 * ldc + L);
            c30.add(FloatVector.fromArray(S, c, ci + 3 * ldc)).intoArray(c, ci + 3 * ldc);
            c31.add(FloatVector.fromArray(S, c, ci + 3 * ldc + L)).intoArray(c, ci + 3 * ldc + L);
            c40.add(FloatVector.fromArray(S, c, ci + 4 * ldc)).intoArray(c, ci + 4 * ldc);
            c41.add(FloatVector.fromArray(S, c, ci + 4 * ldc + L)).intoArray(c, ci + 4 * ldc + L);
            c50.add(FloatVector.fromArray(S, c, ci + 5 * ldc)).intoArray(c, ci + 5 * ldc);
            c51.add(FloatVector.fromArray(S, c, ci + 5 * ldc + L)).intoArray(c, ci + 5 * ldc + L);
        }
    }

    /**
     * The register tile for a B̃ micro-panel with at most L valid columns: C[0:6, 0:L] (+)= Σ_p ã_p ⊗
     * b̃_p[0:L], as {@link #microKernel} with only its first vector column. Each element goes through
     * the same operations as in the wide tile, so which of the two computes it never shows in C.
     */
    private static void narrowMicroKernel(
            int kc,
            float[] ap,
            int ai,
            int rs,
            int cs,
            float[] bp,
            int bi,
            int bRow,
            float[] c,
            int ci,
            int ldc,
            boolean store) {
        int a1 = ai + rs, a2 = ai + 2 * rs, a3 = ai + 3 * rs, a4 = ai + 4 * rs, a5 = ai + 5 * rs;
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int pa = p * cs;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi + p * bRow);
            c0 = FloatVector.broadcast(S, ap[ai + pa]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, ap[a1 + pa]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, ap[a2 + pa]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, ap[a3 + pa]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, ap[a4 + pa]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, ap[a5 + pa]).fma(b0, c5);
        }
        if (store) {
            c0.intoArray(c, ci);
            c1.intoArray(c, ci + ldc);
            c2.intoArray(c, ci + 2 * ldc);
            c3.intoArray(c, ci + 3 * ldc);
            c4.intoArray(c, ci + 4 * ldc);
            c5.intoArray(c, ci + 5 * ldc);
        } else {
            c0.add(FloatVector.fromArray(S, c, ci)).intoArray(c, ci);
            c1.add(FloatVector.fromArray(S, c, ci + ldc)).intoArray(c, ci + ldc);
            c2.add(FloatVector.fromArray(S, c, ci + 2 * ldc)).intoArray(c, ci + 2 * ldc);
            c3.add(FloatVector.fromArray(S, c, ci + 3 * ldc)).intoArray(c, ci + 3 * ldc);
            c4.add(FloatVector.fromArray(S, c, ci + 4 * ldc)).intoArray(c, ci + 4 * ldc);
            c5.add(FloatVector.fromArray(S, c, ci + 5 * ldc)).intoArray(c, ci + 5 * ldc);
        }
    }

    /**
     * Packs op(A)[i0 : i0+rows, p0 : p0+kc], rows &lt; MR, into the micro-panel {@code ap} column by column
     * (element (r, p) at {@code 6p + r}), the rows past the end zero. A is stored m × k, or k × m when
     * {@code transA}, its rows {@code lda} apart.
     */
    private static void packEdgeA(
            boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc, float[] ap) {
        for (int p = 0; p < kc; p++) {
            for (int r = 0; r < MR; r++) {
                float x = 0f;
                if (r < rows) {
                    x = transA ? a[aOff + (p0 + p) * lda + i0 + r] : a[aOff + (i0 + r) * lda + p0 + p];
                }
                ap[p * MR + r] = x;
            }
        }
    }

    /**
     * Packs micro-panels [q0, q1) of op(B)[p0 : p0+kc, j0 : j0+nc] into {@code bp}: panel q holds
     * columns j0 + q·NR … as kc rows of NR floats (element (p, j) at {@code bpOff + q·NR·kc + NR·p + j}),
     * columns past the end zero up to the width the micro-kernel reads (L for a narrow panel). op(B) is k × n;
     * B is stored k × n, or n × k when {@code transB}, its rows {@code ldb} apart.
     */
    private static void packB(
            boolean transB,
            float[] b,
            int bOff,
            int ldb,
            int j0,
            int nc,
            int p0,
            int kc,
            int q0,
            int q1,
            float[] bp,
            int bpOff) {
        if (!transB) { // row p of B feeds every panel: read it once, front to back
            for (int p = 0; p < kc; p++) {
                int src = bOff + (p0 + p) * ldb + j0;
                for (int q = q0; q < q1; q++) {
                    int cols = Math.min(NR, nc - q * NR);
                    int to = bpOff + q * NR * kc + p * NR;
                    int from = src + q * NR;
                    int vectors = cols / L * L;
                    for (int j = 0; j < vectors; j += L) {
                        FloatVector.fromArray(S, b, from + j).intoArray(bp, to + j);
                    }
                    for (int j = vectors; j < cols; j++) {
                        bp[to + j] = b[from + j];
                    }
                }
            }
        }
        for (int q = q0; q < q1; q++) {
            int cols = Math.min(NR, nc - q * NR);
            int width = cols <= L ? L : NR; // the columns the micro-kernel will read
            int dst = bpOff + q * NR * kc;
            if (transB) { // column j of op(B) is row j of B: read it once, front to back
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (j0 + q * NR + j) * ldb + p0; // op(B)[p, j] = B[j, p]
                    for (int p = 0; p < kc; p++) {
                        bp[dst + p * NR + j] = b[src + p];
                    }
                }
            }
            if (cols < width) {
                for (int p = 0; p < kc; p++) {
                    for (int j = cols; j < width; j++) {
                        bp[dst + p * NR + j] = 0f;
                    }
                }
            }
        }
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    /**
     * Whether B's rows can be read as whole micro-panels past column n: the last panel of row p then also holds
     * columns of B beyond n (or the start of the next row), whose products land only in the scratch tile's
     * discarded columns.
     */
    private static boolean wholePanelsReadable(float[] b, int bOff, int ldb, int k, int n) {
        int width = roundUp(n, NR);
        return k > 0 && ldb >= width && bOff + (long) (k - 1) * ldb + width <= b.length;
    }

    private static int roundUp(int x, int multiple) {
        return ceilDiv(x, multiple) * multiple;
    }
}
