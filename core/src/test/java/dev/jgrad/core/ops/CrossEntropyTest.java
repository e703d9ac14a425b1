package dev.jgrad.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.ops.CrossEntropy.Reduction;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Forward values of the fused cross-entropy: against the unfused graph, stable cases, bad input. */
class CrossEntropyTest {
    private static final int[] IGNORE_CHOICES = {CrossEntropy.DEFAULT_IGNORE_INDEX, -1, 0};

    /**
     * The unfused composition built from public ops: {@code logSoftmax}, pick {@code logp[r, t_r]} by
     * zeroing every other entry and summing the row, negate, then reduce.
     */
    static Tensor unfused(Tensor logits, Tensor targets, Reduction reduction, int ignoreIndex) {
        int v = logits.dim(-1);
        int n = logits.numel() / v;
        int[] t = targets.toIntArray();
        int[] notTarget = new int[n * v];
        Arrays.fill(notTarget, 1);
        int count = 0;
        for (int r = 0; r < n; r++) {
            if (t[r] != ignoreIndex) {
                notTarget[r * v + t[r]] = 0;
                count++;
            }
        }
        Tensor logp = logits.reshape(n, v).logSoftmax(-1);
        Tensor rowLoss = logp.maskedFill(Tensor.ofInts(notTarget, n, v), 0)
                .sum(-1, false)
                .neg();
        switch (reduction) {
            case NONE:
                return rowLoss.reshape(targets.shape().dims());
            case SUM:
                return rowLoss.sum();
            default:
                return count == 0 ? rowLoss.sum().mul(0) : rowLoss.sum().div(count);
        }
    }

    /** Random targets in [0, V), about a quarter replaced by {@code ignoreIndex}. */
    static Tensor randomTargets(Random rnd, Shape lead, int v, int ignoreIndex) {
        int[] t = new int[lead.size()];
        for (int r = 0; r < t.length; r++) {
            t[r] = rnd.nextInt(4) == 0 ? ignoreIndex : rnd.nextInt(v);
        }
        return Tensor.of(NdArray.wrap(t, lead));
    }

    static int[] dims(List<Integer> lead, int v) {
        int[] d = new int[lead.size() + 1];
        for (int i = 0; i < lead.size(); i++) {
            d[i] = lead.get(i);
        }
        d[lead.size()] = v;
        return d;
    }

    @Test
    void equalsTheUnfusedCompositionInFloat64() {
        qt().withExamples(200)
                .forAll(
                        lists().of(integers().between(1, 5)).ofSizeBetween(0, 3),
                        integers().between(1, 9),
                        integers().between(0, 8),
                        longs().all())
                .checkAssert((lead, v, variant, seed) -> {
                    Random rnd = new Random(seed);
                    Reduction reduction = Reduction.values()[variant % 3];
                    int ignore = IGNORE_CHOICES[variant / 3];
                    double scale = Math.pow(10, rnd.nextInt(4) - 1); // 0.1 … 100
                    Tensor z = Tensor.randn(DType.FLOAT64, rnd, dims(lead, v)).mul(scale);
                    Shape leading =
                            Shape.of(lead.stream().mapToInt(Integer::intValue).toArray());
                    Tensor t = randomTargets(rnd, leading, v, ignore);
                    double[] fused = CrossEntropy.apply(z, t, reduction, ignore).toDoubleArray();
                    double[] reference = unfused(z, t, reduction, ignore).toDoubleArray();
                    assertEquals(reference.length, fused.length);
                    for (int i = 0; i < fused.length; i++) {
                        double tol = 1e-12 * Math.max(1, Math.abs(reference[i]));
                        assertEquals(reference[i], fused[i], tol, "position " + i + " of " + reduction);
                    }
                });
    }

    @Test
    void float32MatchesFloat64OnTheSameValues() {
        // exp and the sums run in double either way, so only the final rounding to float may differ
        qt().withExamples(100)
                .forAll(integers().between(1, 6), integers().between(1, 50), longs().all())
                .checkAssert((n, v, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor z32 = Tensor.randn(DType.FLOAT32, rnd, n, v).mul(5);
                    Tensor t = randomTargets(rnd, Shape.of(n), v, -100);
                    double[] single = z32.crossEntropy(t, Reduction.NONE, -100).toDoubleArray();
                    double[] wide = z32.to(DType.FLOAT64)
                            .crossEntropy(t, Reduction.NONE, -100)
                            .toDoubleArray();
                    for (int r = 0; r < n; r++) {
                        assertEquals(wide[r], single[r], 1e-7 * Math.max(1, Math.abs(wide[r])));
                    }
                });
    }

    @Test
    void batchTimeVocabEqualsItsFlattening() {
        qt().withExamples(60)
                .forAll(
                        integers().between(1, 4),
                        integers().between(1, 5),
                        integers().between(1, 7),
                        longs().all())
                .checkAssert((b, tt, v, seed) -> {
                    Random rnd = new Random(seed);
                    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                        for (Reduction reduction : Reduction.values()) {
                            NdArray values = Tensor.randn(dtype, rnd, b, tt, v).value();
                            Tensor t = randomTargets(rnd, Shape.of(b, tt), v, -100);
                            Tensor z3 = Tensor.of(values.copy()).requiresGrad(true);
                            Tensor z2 = Tensor.of(values.copy().reshape(Shape.of(b * tt, v)))
                                    .requiresGrad(true);
                            Tensor l3 = z3.crossEntropy(t, reduction, -100);
                            Tensor l2 = z2.crossEntropy(t.reshape(b * tt), reduction, -100);
                            assertArrayEquals(l2.toDoubleArray(), l3.toDoubleArray(), 0.0);
                            l3.sum().backward();
                            l2.sum().backward();
                            assertArrayEquals(
                                    z2.grad().toDoubleArray(), z3.grad().toDoubleArray(), 0.0);
                        }
                    }
                });
    }

    @Test
    void resultDoesNotDependOnHowRowsAreSplitAcrossThreads() {
        // 600 × 300 is many parallel chunks; each row alone runs inline on this thread
        Random rnd = new Random(7);
        int n = 600;
        int v = 300;
        Tensor z = Tensor.randn(DType.FLOAT64, rnd, n, v).mul(3);
        Tensor t = randomTargets(rnd, Shape.of(n), v, -100);
        double[] rows = z.crossEntropy(t, Reduction.NONE, -100).toDoubleArray();
        double[] values = z.toDoubleArray();
        int[] targets = t.toIntArray();
        double total = 0;
        int count = 0;
        for (int r = 0; r < n; r++) {
            double[] row = Arrays.copyOfRange(values, r * v, (r + 1) * v);
            Tensor one = Tensor.of(DType.FLOAT64, row, 1, v);
            double alone = one.crossEntropy(Tensor.ofInts(new int[] {targets[r]}, 1), Reduction.SUM, -100)
                    .item();
            assertEquals(alone, rows[r], 0.0, "row " + r);
            total += rows[r];
            count += targets[r] == -100 ? 0 : 1;
        }
        assertEquals(total / count, z.crossEntropy(t, Reduction.MEAN, -100).item(), 0.0);
        assertEquals(total, z.crossEntropy(t, Reduction.SUM, -100).item(), 0.0);
    }

    // ---- stability: values derived by hand or by a different algorithm -----------------------------

    /** log Σ exp(x) folded pairwise with logaddexp(a, b) = max + log1p(exp(−|a − b|)). */
    static double logAddExpFold(double[] x) {
        double acc = Double.NEGATIVE_INFINITY;
        for (double xi : x) {
            double hi = Math.max(acc, xi);
            double lo = Math.min(acc, xi);
            acc = lo == Double.NEGATIVE_INFINITY ? hi : hi + Math.log1p(Math.exp(lo - hi));
        }
        return acc;
    }

    private static double tolerance(DType dtype, double expected) {
        return (dtype == DType.FLOAT32 ? 2e-7 : 1e-12) * Math.max(1, Math.abs(expected));
    }

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"FLOAT32", "FLOAT64"})
    void logitsTimesAThousand(DType dtype) {
        // z = 1000·[0, 1, 2]: lse = 2000 + log(1 + e^−1000 + e^−2000) = 2000 (the tail underflows)
        // targets 0, 1, 2 → losses 2000, 1000, 0; mean 1000. p = [0, 0, 1], so ∂L/∂z = (p − onehot)/3.
        Tensor z = Tensor.of(dtype, new double[][] {{0, 1000, 2000}, {0, 1000, 2000}, {0, 1000, 2000}})
                .requiresGrad(true);
        Tensor loss = z.crossEntropy(Tensor.ofInts(new int[] {0, 1, 2}));
        loss.backward();
        assertEquals(1000, loss.item(), tolerance(dtype, 1000));
        double third = 1.0 / 3;
        assertArrayEquals(
                new double[] {-third, 0, third, 0, -third, third, 0, 0, 0},
                z.grad().toDoubleArray(),
                1e-7);
        // a tie: 1000·[1, 1, 0] → lse = 1000 + ln 2, loss for target 0 = ln 2, p = [½, ½, 0]
        Tensor tie = Tensor.of(dtype, new double[][] {{1000, 1000, 0}}).requiresGrad(true);
        Tensor tieLoss = tie.crossEntropy(Tensor.ofInts(new int[] {0}));
        tieLoss.backward();
        assertEquals(Math.log(2), tieLoss.item(), tolerance(dtype, 1));
        assertArrayEquals(new double[] {-0.5, 0.5, 0}, tie.grad().toDoubleArray(), 1e-7);
    }

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"FLOAT32", "FLOAT64"})
    void randomLogitsTimesAThousandMatchAPairwiseLogAddExp(DType dtype) {
        Random rnd = new Random(11);
        int n = 20;
        int v = 13;
        Tensor z = Tensor.randn(dtype, rnd, n, v).mul(1000);
        Tensor t = randomTargets(rnd, Shape.of(n), v, -100);
        double[] rows = z.crossEntropy(t, Reduction.NONE, -100).toDoubleArray();
        double[] x = z.toDoubleArray();
        int[] targets = t.toIntArray();
        for (int r = 0; r < n; r++) {
            double expected = targets[r] == -100
                    ? 0
                    : logAddExpFold(Arrays.copyOfRange(x, r * v, (r + 1) * v)) - x[r * v + targets[r]];
            assertTrue(Double.isFinite(rows[r]));
            assertEquals(expected, rows[r], tolerance(dtype, expected), "row " + r);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"FLOAT32", "FLOAT64"})
    void singleSpikesOfTenThousand(DType dtype) {
        // +1e4 at class 2, the rest 0: lse = 1e4 + log(1 + 3e^−10000) = 1e4, so target 2 → 0, target 0 → 1e4,
        // and p = onehot(2).
        Tensor up = Tensor.of(dtype, new double[][] {{0, 0, 1e4, 0}, {0, 0, 1e4, 0}})
                .requiresGrad(true);
        Tensor upLoss = up.crossEntropy(Tensor.ofInts(new int[] {2, 0}), Reduction.NONE, -100);
        upLoss.sum().backward();
        assertArrayEquals(new double[] {0, 1e4}, upLoss.toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {0, 0, 0, 0, -1, 0, 1, 0}, up.grad().toDoubleArray(), 0.0);
        // −1e4 at class 2: e^−10000 vanishes beside 3·e^0, so lse = ln 3;
        // target 0 → ln 3, target 2 → 1e4 + ln 3; p = [⅓, ⅓, 0, ⅓].
        Tensor down = Tensor.of(dtype, new double[][] {{0, 0, -1e4, 0}, {0, 0, -1e4, 0}})
                .requiresGrad(true);
        Tensor downLoss = down.crossEntropy(Tensor.ofInts(new int[] {0, 2}), Reduction.NONE, -100);
        downLoss.sum().backward();
        double ln3 = Math.log(3);
        double[] l = downLoss.toDoubleArray();
        assertEquals(ln3, l[0], tolerance(dtype, ln3));
        assertEquals(1e4 + ln3, l[1], tolerance(dtype, 1e4));
        double third = 1.0 / 3;
        assertArrayEquals(
                new double[] {third - 1, third, 0, third, third, third, -1, third},
                down.grad().toDoubleArray(),
                1e-7);
    }

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"FLOAT32", "FLOAT64"})
    void rowsShiftedByMinusTenThousand(DType dtype) {
        // Shift invariance: loss(u − 1e4) = loss(u). The reference undoes the shift on the stored values
        // (exact: the difference needs few bits) and then uses the textbook −log(e^{u_t} / Σ e^{u_a}).
        Random rnd = new Random(3);
        int n = 8;
        int v = 6;
        Tensor z = Tensor.randn(dtype, rnd, n, v).sub(1e4).requiresGrad(true);
        int[] targets = new int[n];
        for (int r = 0; r < n; r++) {
            targets[r] = rnd.nextInt(v);
        }
        Tensor loss = z.crossEntropy(Tensor.ofInts(targets));
        loss.backward();
        double[] x = z.toDoubleArray();
        double[] grad = z.grad().toDoubleArray();
        double mean = 0;
        for (int r = 0; r < n; r++) {
            double sum = 0;
            for (int a = 0; a < v; a++) {
                sum += Math.exp(x[r * v + a] + 1e4);
            }
            mean += -Math.log(Math.exp(x[r * v + targets[r]] + 1e4) / sum) / n;
            for (int a = 0; a < v; a++) {
                double p = Math.exp(x[r * v + a] + 1e4) / sum;
                double expected = (p - (a == targets[r] ? 1 : 0)) / n;
                // lse ≈ −1e4 is stored to ulp(1e4) ≈ 1.8e-12, so p = exp(z − lse) carries that relative error
                assertEquals(expected, grad[r * v + a], dtype == DType.FLOAT32 ? 1e-7 : 1e-12);
            }
        }
        assertTrue(Double.isFinite(loss.item()));
        assertEquals(mean, loss.item(), dtype == DType.FLOAT32 ? 1e-6 : 1e-11);
    }

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"FLOAT32", "FLOAT64"})
    void allEqualLogitsGiveLogV(DType dtype) {
        // p = 1/V everywhere, so −log p_t = ln V whatever the common value c
        for (int v : new int[] {1, 2, 3, 7, 1000, 50257}) {
            for (double c : new double[] {0, 3.7, 1e4, -1e4}) {
                Tensor z = Tensor.full(dtype, c, 2, v).requiresGrad(true);
                Tensor loss = z.crossEntropy(Tensor.ofInts(new int[] {0, v - 1}));
                loss.backward();
                assertEquals(Math.log(v), loss.item(), dtype == DType.FLOAT32 ? 1e-6 : 1e-11, "V=" + v + " c=" + c);
                double[] g = z.grad().toDoubleArray();
                assertEquals((1.0 / v - 1) / 2, g[0], 1e-7);
                if (v > 1) {
                    assertEquals(1.0 / v / 2, g[1], 1e-7);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"FLOAT32", "FLOAT64"})
    void oneClassGivesZeroLossAndZeroGradient(DType dtype) {
        // V = 1: lse = z, so loss = z − z = 0 and p = 1 = onehot exactly
        Tensor z = Tensor.of(dtype, new double[] {-1e4, 0, 2.5, 1e4}, 4, 1).requiresGrad(true);
        Tensor loss = z.crossEntropy(Tensor.ofInts(new int[] {0, 0, 0, 0}));
        loss.backward();
        assertEquals(0.0, loss.item(), 0.0);
        assertArrayEquals(new double[4], z.grad().toDoubleArray(), 0.0);
    }

    @Test
    void noNaNForFiniteLogitsOfAnyMagnitude() {
        qt().withExamples(200)
                .forAll(
                        integers().between(1, 5),
                        integers().between(1, 40),
                        integers().between(0, 5),
                        longs().all())
                .checkAssert((n, v, magnitude, seed) -> {
                    Random rnd = new Random(seed);
                    double scale = new double[] {1e-3, 1, 1e3, 1e4, 1e8, 1e30}[magnitude];
                    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                        Tensor z = Tensor.randn(dtype, rnd, n, v)
                                .mul(scale)
                                .add(rnd.nextBoolean() ? 1e4 : -1e4)
                                .detach()
                                .requiresGrad(true);
                        Tensor loss = z.crossEntropy(randomTargets(rnd, Shape.of(n), v, -100));
                        loss.backward();
                        assertTrue(Double.isFinite(loss.item()), "loss " + loss.item());
                        assertTrue(loss.item() >= 0, "loss " + loss.item());
                        for (double g : z.grad().toDoubleArray()) {
                            assertTrue(Double.isFinite(g), "gradient " + g);
                        }
                    }
                });
    }

    @Test
    void everyTargetIgnoredGivesZero() {
        Tensor z = Tensor.randn(DType.FLOAT64, new Random(1), 3, 4).requiresGrad(true);
        Tensor loss = z.crossEntropy(Tensor.ofInts(new int[] {-100, -100, -100}));
        loss.backward();
        assertEquals(0.0, loss.item(), 0.0);
        assertArrayEquals(new double[12], z.grad().toDoubleArray(), 0.0);
    }

    @Test
    void ignoredRowsLeaveTheMeansDenominator() {
        // rows 0 and 2 count: mean = (loss_0 + loss_2) / 2, computed here from two single-row losses
        Random rnd = new Random(5);
        Tensor z = Tensor.randn(DType.FLOAT64, rnd, 3, 4);
        double[] x = z.toDoubleArray();
        double l0 = Tensor.of(DType.FLOAT64, Arrays.copyOfRange(x, 0, 4), 1, 4)
                .crossEntropy(Tensor.ofInts(new int[] {1}))
                .item();
        double l2 = Tensor.of(DType.FLOAT64, Arrays.copyOfRange(x, 8, 12), 1, 4)
                .crossEntropy(Tensor.ofInts(new int[] {3}))
                .item();
        Tensor targets = Tensor.ofInts(new int[] {1, 2, 3});
        assertEquals((l0 + l2) / 2, z.crossEntropy(targets, Reduction.MEAN, 2).item(), 1e-15);
        assertEquals(l0 + l2, z.crossEntropy(targets, Reduction.SUM, 2).item(), 1e-15);
        assertArrayEquals(
                new double[] {l0, 0, l2},
                z.crossEntropy(targets, Reduction.NONE, 2).toDoubleArray(),
                1e-15);
    }

    @Test
    void oneVectorOfLogitsTakesAScalarTarget() {
        // z [V], target []: the same as one row; [0, 0] with target 1 → ln 2
        Tensor z = Tensor.of(DType.FLOAT64, new double[] {0, 0});
        Tensor t = Tensor.of(NdArray.wrap(new int[] {1}, Shape.scalar()));
        assertEquals(Math.log(2), z.crossEntropy(t).item(), 1e-15);
        assertEquals(Shape.scalar(), z.crossEntropy(t, Reduction.NONE, -100).shape());
    }

    @Test
    void keepsOnlyOneNumberPerRowAndBuildsOneNode() {
        Tensor z = Tensor.randn(DType.FLOAT32, new Random(2), 2, 3, 5).requiresGrad(true);
        Tensor loss = z.crossEntropy(Tensor.ofInts(new int[] {0, 1, 2, 3, 4, 0}, 2, 3));
        CrossEntropy op = (CrossEntropy) loss.op();
        assertSame(z, op.inputs().get(0));
        assertEquals(1, op.inputs().size()); // no softmax, log or gather node behind it
        assertEquals(6, op.lse().length);
        assertEquals(6, op.targets().length);
        assertEquals(6, op.count());
    }

    /** The float32 kernel's exp of one value. */
    private static double exp(double x) {
        double[] one = {x};
        FloatExp.expInPlace(one, 1, new long[1]);
        return one[0];
    }

    @Test
    void float32ExpIsWithinTenTrillionthsOfMathExp() {
        // the float32 kernel's exp, in blocks as the kernel calls it, on a grid over [−700, 0] plus the points
        // where k = round(x · log₂e) changes (|r| largest)
        double[] grid = new double[7_000_001];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = -i / 10_000.0;
        }
        double[] values = grid.clone();
        long[] bits = new long[1024];
        for (int b = 0; b < values.length; b += 1024) {
            int len = Math.min(1024, values.length - b);
            double[] block = Arrays.copyOfRange(values, b, b + len);
            FloatExp.expInPlace(block, len, bits);
            System.arraycopy(block, 0, values, b, len);
        }
        double worst = 0;
        for (int i = 0; i < grid.length; i++) {
            worst = Math.max(worst, Math.abs(values[i] / Math.exp(grid[i]) - 1));
        }
        for (int k = -1010; k <= 0; k++) {
            for (double side : new double[] {-0.5, 0.5}) {
                double x = (k + side) * Math.log(2);
                if (x >= -700 && x <= 0) {
                    worst = Math.max(worst, Math.abs(exp(x) / Math.exp(x) - 1));
                }
            }
        }
        assertTrue(worst < 1e-14, "worst relative error " + worst);
        assertEquals(1.0, exp(0), 0.0);
        // below −700 the result is clamped to e^−700 ≈ 1e-304, which is 0 as a float
        assertEquals(0f, (float) exp(-1e4), 0f);
        assertTrue(exp(Double.NEGATIVE_INFINITY) < 1e-303);
        assertTrue(Double.isNaN(exp(Double.NaN)));
    }

    // ---- bad input ------------------------------------------------------------------------------

    @Test
    void targetOutsideTheClassesNamesValueAndPosition() {
        Tensor z = Tensor.zeros(3, 4);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> z.crossEntropy(Tensor.ofInts(new int[] {0, 7, 1})));
        assertEquals("crossEntropy: target 7 at row 1 is outside [0, 4) for logits [3, 4]", e.getMessage());
        IllegalArgumentException negative =
                assertThrows(IllegalArgumentException.class, () -> z.crossEntropy(Tensor.ofInts(new int[] {0, 1, -1})));
        assertTrue(negative.getMessage().contains("target -1 at row 2"), negative.getMessage());
        Tensor z3 = Tensor.zeros(2, 3, 4);
        IllegalArgumentException nested = assertThrows(
                IllegalArgumentException.class,
                () -> z3.crossEntropy(Tensor.ofInts(new int[] {0, 1, 2, 3, 4, 0}, 2, 3)));
        assertEquals(
                "crossEntropy: target 4 at position [1, 1] is outside [0, 4) for logits [2, 3, 4]",
                nested.getMessage());
    }

    @Test
    void ignoreIndexInsideTheClassRangeIsIgnoredNotChecked() {
        Tensor z = Tensor.zeros(DType.FLOAT64, 2, 4);
        // ignoreIndex 5 is outside [0, 4) but allowed; 4 is not
        assertEquals(
                Math.log(4),
                z.crossEntropy(Tensor.ofInts(new int[] {5, 3}), Reduction.MEAN, 5)
                        .item(),
                1e-15);
        assertThrows(
                IllegalArgumentException.class,
                () -> z.crossEntropy(Tensor.ofInts(new int[] {4, 3}), Reduction.MEAN, 5));
    }

    @Test
    void targetsOfTheWrongShapeNameBothShapes() {
        Tensor z = Tensor.zeros(2, 3, 4);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> z.crossEntropy(Tensor.ofInts(new int[] {0, 1, 2, 3, 0, 1})));
        assertEquals(
                "crossEntropy: targets [6] must have the leading shape [2, 3] of logits [2, 3, 4]", e.getMessage());
    }

    @Test
    void nonIntegerTargetsAndBadLogitsThrow() {
        Tensor z = Tensor.zeros(2, 3);
        IllegalArgumentException floats =
                assertThrows(IllegalArgumentException.class, () -> z.crossEntropy(Tensor.of(new double[] {0, 1})));
        assertEquals("crossEntropy: targets must be an int32 tensor, got float32 [2]", floats.getMessage());
        Tensor ids = Tensor.ofInts(new int[] {0, 1});
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofInts(new int[] {0, 1, 2, 3}, 2, 2)
                .crossEntropy(ids));
        IllegalArgumentException empty = assertThrows(
                IllegalArgumentException.class, () -> Tensor.zeros(2, 0).crossEntropy(ids));
        assertTrue(empty.getMessage().contains("[2, 0]"), empty.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.scalar(1).crossEntropy(ids));
    }
}
