package dev.jgrad.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.ops.Linear;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The reverse-mode engine: what backward computes, where gradients go, and when it refuses. */
class AutogradTest {
    private static Tensor leaf(double... values) {
        return Tensor.of(DType.FLOAT64, values).requiresGrad(true);
    }

    @Test
    void readmeExampleGivesTheHandDerivedGradients() {
        Tensor x = Tensor.randn(new Random(0), 4, 3).requiresGrad(true);
        Tensor w = Tensor.randn(new Random(1), 3, 2).requiresGrad(true);
        Tensor y = x.matmul(w).tanh().sum();
        y.backward();

        // Independently, in double from the same float32 values:
        //   z = x·w,  d = 1 − tanh²(z)  (= ∂y/∂z),  ∂y/∂w = xᵀ·d,  ∂y/∂x = d·wᵀ
        double[] xv = x.toDoubleArray();
        double[] wv = w.toDoubleArray();
        double[][] d = new double[4][2];
        double expectedY = 0;
        for (int r = 0; r < 4; r++) {
            for (int j = 0; j < 2; j++) {
                double z = 0;
                for (int i = 0; i < 3; i++) {
                    z += xv[r * 3 + i] * wv[i * 2 + j];
                }
                double t = Math.tanh(z);
                expectedY += t;
                d[r][j] = 1 - t * t;
            }
        }
        double[] dw = new double[6];
        double[] dx = new double[12];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 2; j++) {
                for (int r = 0; r < 4; r++) {
                    dw[i * 2 + j] += xv[r * 3 + i] * d[r][j];
                    dx[r * 3 + i] += d[r][j] * wv[i * 2 + j];
                }
            }
        }
        // The engine works in float32: each of z, tanh, 1 − t² and the products is rounded to 24 bits
        // (relative 6e-8), and each gradient entry sums at most 4 products of O(1) terms, so its error is a
        // few 1e-7; 1e-5 leaves a wide margin while still catching any wrong formula (errors of order 0.1).
        assertEquals(DType.FLOAT32, w.grad().dtype());
        assertEquals(expectedY, y.item(), 1e-5);
        assertArrayEquals(dw, w.grad().toDoubleArray(), 1e-5);
        assertArrayEquals(dx, x.grad().toDoubleArray(), 1e-5);
    }

    @Test
    void aTensorUsedTwiceGetsBothShares() {
        // y = x ⊙ x lists x twice: ∂Σy/∂x = x + x = 2x
        Tensor x = leaf(1.5, -2, 3);
        x.mul(x).sum().backward();
        assertArrayEquals(new double[] {3, -4, 6}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroed() {
        Tensor x = leaf(1, 2);
        x.mul(3).sum().backward();
        x.mul(3).sum().backward(); // a new graph, same leaf: grads add, as in PyTorch
        assertArrayEquals(new double[] {6, 6}, x.grad().toDoubleArray(), 0);
        x.zeroGrad();
        assertNull(x.grad());
        x.mul(5).sum().backward();
        assertArrayEquals(new double[] {5, 5}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void aLongChainBackpropagatesIterativelyOnASmallStack() throws InterruptedException {
        // 100,000 ops deep; a recursive sort or sweep would need ~100,000 frames, far more than 256 KiB holds
        int depth = 100_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Double> grad = new AtomicReference<>();
        Runnable chain = () -> {
            try {
                Tensor x = leaf(0.5);
                Tensor y = x;
                for (int i = 0; i < depth; i++) {
                    y = (i % 2 == 0) ? y.add(1e-3) : y.mul(1.0); // each step: ∂y_{i+1}/∂y_i = 1
                }
                y.sum().backward();
                grad.set(x.grad().item());
            } catch (Throwable t) {
                failure.set(t);
            }
        };
        Thread deep = new Thread(null, chain, "deep", 256 * 1024);
        deep.start();
        deep.join();
        if (failure.get() != null) {
            throw new AssertionError("backward through " + depth + " ops failed on a 256 KiB stack", failure.get());
        }
        assertEquals(1.0, grad.get(), 0);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void diamondsAreVisitedOncePerNode() {
        // Hang guard only, not a timing assertion: a linear sweep takes milliseconds, an exponential one
        // would take ~2^60 steps and otherwise never end.
        // Each level splits y into u = 1.5y and v = 0.5y and joins them: y' = u + v = 2y. There are 2^60
        // paths from the output to x, but only 1 + 3·60 nodes.
        int levels = 60;
        Tensor x = leaf(1);
        Tensor y = x;
        for (int i = 0; i < levels; i++) {
            y = y.mul(1.5).add(y.mul(0.5));
        }
        Tensor out = y.sum();
        // the sort visits each node once: x, 3 per level, and the final sum
        assertEquals(1 + 3 * levels + 1, Autograd.topologicalOrder(out).size());
        out.backward();
        // ∂out/∂x = 2^60, exact in float64 (every partial product is a power of 2 times 1.5 or 0.5)
        assertEquals(Math.pow(2, levels), x.grad().item(), 0);
        assertEquals(Math.pow(2, levels), out.item(), 0);
    }

    @Test
    void nonLeafGradientsAreKeptOnlyWithRetainGrad() {
        Tensor x = leaf(1, 2);
        Tensor kept = x.mul(2).retainGrad();
        Tensor dropped = x.mul(3);
        kept.add(dropped)
                .mul(Tensor.of(DType.FLOAT64, new double[] {10, 20}))
                .sum()
                .backward();
        // ∂L/∂kept = ∂L/∂dropped = [10, 20];  ∂L/∂x = 2·[10, 20] + 3·[10, 20]
        assertTrue(kept.retainsGrad());
        assertArrayEquals(new double[] {10, 20}, kept.grad().toDoubleArray(), 0);
        assertNull(dropped.grad(), "a non-leaf without retainGrad() has no grad after backward");
        assertArrayEquals(new double[] {50, 100}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void leavesThatDoNotRequireGradGetNone() {
        Tensor x = leaf(1, 2);
        Tensor c = Tensor.of(DType.FLOAT64, new double[] {3, 4});
        x.mul(c).sum().backward();
        assertNull(c.grad());
        assertArrayEquals(new double[] {3, 4}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void detachCutsTheGraph() {
        // y = x ⊙ detach(x): only the first factor is differentiated, so ∂Σy/∂x = x (not 2x)
        Tensor x = leaf(2, -3);
        Tensor d = x.detach();
        assertFalse(d.requiresGrad());
        assertNull(d.op());
        assertSame(x.value(), d.value(), "detach shares values");
        x.mul(d).sum().backward();
        assertArrayEquals(new double[] {2, -3}, x.grad().toDoubleArray(), 0);
    }

    @Test
    @SuppressWarnings("try") // the scope variable exists only to be closed
    void noGradRecordsNothingAndRestoresTheMode() {
        Tensor x = leaf(1, 2);
        assertTrue(Autograd.isGradEnabled());
        try (GradScope ignored = Autograd.noGrad()) {
            assertFalse(Autograd.isGradEnabled());
            Tensor y = x.mul(2).exp();
            assertFalse(y.requiresGrad());
            assertNull(y.op());
        }
        assertTrue(Autograd.isGradEnabled());
        Tensor z = x.mul(2);
        assertTrue(z.requiresGrad());
        assertNotNull(z.op());
    }

    @Test
    @SuppressWarnings("try") // the scope variable exists only to be closed
    void nestedNoGradScopesRestoreTheOuterMode() {
        try (GradScope outer = Autograd.noGrad()) {
            try (GradScope inner = Autograd.noGrad()) {
                assertFalse(Autograd.isGradEnabled());
            }
            assertFalse(Autograd.isGradEnabled(), "closing the inner scope re-enabled grad inside the outer one");
        }
        assertTrue(Autograd.isGradEnabled());
    }

    @Test
    @SuppressWarnings("try") // the scope variable exists only to be closed
    void noGradIsRestoredWhenTheBodyThrows() {
        assertThrows(IllegalArgumentException.class, () -> {
            try (GradScope ignored = Autograd.noGrad()) {
                throw new IllegalArgumentException("boom");
            }
        });
        assertTrue(Autograd.isGradEnabled());
    }

    @Test
    void aSecondBackwardThroughAFreedGraphThrowsNamingTheOp() {
        Tensor x = leaf(1, 2);
        Tensor y = x.mul(x);
        y.sum().backward(); // frees the graph: mul's saved inputs may be collected
        Tensor again = y.mul(3).sum();
        IllegalStateException e = assertThrows(IllegalStateException.class, again::backward);
        assertTrue(e.getMessage().contains("backward"), e::getMessage);
        assertTrue(e.getMessage().contains("mul"), e::getMessage);

        Tensor loss = leaf(1, 2).exp().sum();
        loss.backward();
        IllegalStateException twice = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(twice.getMessage().contains("backward") && twice.getMessage().contains("sum"), twice::getMessage);
    }

    @Test
    void backwardWithRetainGraphAllowsASecondPass() {
        Tensor x = leaf(1, 2);
        Tensor loss = x.mul(x).sum();
        loss.backward(true);
        loss.backward(true);
        // each pass adds 2x
        assertArrayEquals(new double[] {4, 8}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void backwardOnANonScalarWithoutAGradientThrowsNamingTheShape() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 2, 3).requiresGrad(true);
        Tensor y = x.mul(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("backward"), e::getMessage);
        assertTrue(e.getMessage().contains("[2, 3]"), e::getMessage);
    }

    @Test
    void backwardWithAGradientWorksOnANonScalar() {
        // y = 2x, seeded with g: ∂L/∂x = 2g
        Tensor x = Tensor.zeros(DType.FLOAT64, 2, 3).requiresGrad(true);
        Tensor y = x.mul(2);
        y.backward(Tensor.of(DType.FLOAT64, new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
        assertEquals(Shape.of(2, 3), x.grad().shape());
        assertArrayEquals(new double[] {2, 4, 6, 8, 10, 12}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void backwardWithAGradientOfTheWrongShapeNamesBothShapes() {
        Tensor y = Tensor.zeros(DType.FLOAT64, 2, 3).requiresGrad(true).mul(2);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.zeros(DType.FLOAT64, 3, 2)));
        assertTrue(e.getMessage().contains("backward"), e::getMessage);
        assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("[2, 3]"), e::getMessage);
    }

    @Test
    void backwardOnAConstantThrows() {
        Tensor c = Tensor.of(DType.FLOAT64, new double[] {1, 2}).mul(2).sum();
        IllegalStateException e = assertThrows(IllegalStateException.class, c::backward);
        assertTrue(e.getMessage().contains("backward"), e::getMessage);
    }

    @Test
    void onlyLeavesCanChangeRequiresGrad() {
        Tensor y = leaf(1).exp();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
        assertTrue(e.getMessage().contains("requiresGrad") && e.getMessage().contains("exp"), e::getMessage);
    }

    @Test
    @SuppressWarnings("try") // the scope variable exists only to be closed
    void noGradIsPerThread() throws InterruptedException {
        AtomicReference<Boolean> recordedElsewhere = new AtomicReference<>();
        try (GradScope ignored = Autograd.noGrad()) {
            Thread other = new Thread(() -> recordedElsewhere.set(leaf(1).exp().requiresGrad()));
            other.start();
            other.join();
        }
        assertTrue(recordedElsewhere.get(), "noGrad() on one thread stopped recording on another");
    }

    @Test
    @SuppressWarnings("try") // the scope variable exists only to be closed
    void backwardRunsInsideNoGrad() {
        // as in PyTorch: the graph was recorded before; noGrad only stops recording new ops
        Tensor x = leaf(1, 2);
        Tensor loss = x.mul(x).sum();
        try (GradScope ignored = Autograd.noGrad()) {
            loss.backward();
        }
        assertArrayEquals(new double[] {2, 4}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void backwardFromAScalarLeafGivesOne() {
        Tensor x = Tensor.scalar(DType.FLOAT64, 3).requiresGrad(true);
        x.backward();
        assertEquals(1, x.grad().item(), 0);
    }

    @Test
    void aTensorListedTwiceInOneOpGetsBothShares() {
        // concat([x, x]) and where(c, x, x) route two slices of g to the same leaf: they must add up
        Tensor x = leaf(1, 2);
        Tensor.concat(List.of(x, x), 0)
                .mul(Tensor.of(DType.FLOAT64, new double[] {1, 2, 3, 4}))
                .sum()
                .backward();
        assertArrayEquals(new double[] {4, 6}, x.grad().toDoubleArray(), 0);
        Tensor z = leaf(1, 2);
        Tensor.where(Tensor.ofInts(new int[] {1, 0}), z, z).sum().backward();
        assertArrayEquals(new double[] {1, 1}, z.grad().toDoubleArray(), 0);
    }

    /**
     * p = x + y feeds three Linear ops (fresh gradients, added in place from the second on) and y one more;
     * Add's backward hands the same g to x and y, so neither may take it over or be added into.
     */
    private static List<Tensor> sharedAndFreshGraph() {
        Random rnd = new Random(7);
        Tensor x = Tensor.randn(DType.FLOAT64, rnd, 2, 3).requiresGrad(true);
        Tensor y = Tensor.randn(DType.FLOAT64, rnd, 2, 3).requiresGrad(true);
        Tensor w1 = Tensor.randn(DType.FLOAT64, rnd, 4, 3).requiresGrad(true);
        Tensor w2 = Tensor.randn(DType.FLOAT64, rnd, 4, 3).requiresGrad(true);
        Tensor w3 = Tensor.randn(DType.FLOAT64, rnd, 4, 3).requiresGrad(true);
        Tensor w4 = Tensor.randn(DType.FLOAT64, rnd, 4, 3).requiresGrad(true);
        return List.of(x, y, w1, w2, w3, w4);
    }

    private static Tensor sharedAndFreshLoss(List<Tensor> t) {
        Tensor p = t.get(0).add(t.get(1));
        return Linear.apply(p, t.get(2), null)
                .add(Linear.apply(p, t.get(3), null))
                .add(Linear.apply(p, t.get(4), null))
                .add(Linear.apply(t.get(1), t.get(5), null))
                .sum();
    }

    @Test
    void gradientsAddedInPlaceMatchTheHandDerivedSums() {
        List<Tensor> t = sharedAndFreshGraph();
        sharedAndFreshLoss(t).backward();
        // L = Σ_r,j (p·W1ᵀ + p·W2ᵀ + p·W3ᵀ + y·W4ᵀ)[r, j]  →  ∂L/∂p[r, i] = Σ_j (W1 + W2 + W3)[j, i]
        //   ∂L/∂x = ∂L/∂p,  ∂L/∂y = ∂L/∂p + Σ_j W4[j, i],  ∂L/∂W_k[j, i] = Σ_r p[r, i] (W4: y instead of p)
        double[] w1 = t.get(2).toDoubleArray();
        double[] w2 = t.get(3).toDoubleArray();
        double[] w3 = t.get(4).toDoubleArray();
        double[] w4 = t.get(5).toDoubleArray();
        double[] xv = t.get(0).toDoubleArray();
        double[] yv = t.get(1).toDoubleArray();
        double[] dx = new double[6];
        double[] dy = new double[6];
        double[] dw = new double[12];
        double[] dw4 = new double[12];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    int wi = j * 3 + i;
                    dx[r * 3 + i] += w1[wi] + w2[wi] + w3[wi];
                    dy[r * 3 + i] += w1[wi] + w2[wi] + w3[wi] + w4[wi];
                    dw[wi] += xv[r * 3 + i] + yv[r * 3 + i];
                    dw4[wi] += yv[r * 3 + i];
                }
            }
        }
        assertArrayEquals(dx, t.get(0).grad().toDoubleArray(), 1e-12);
        assertArrayEquals(dy, t.get(1).grad().toDoubleArray(), 1e-12);
        for (int k = 2; k < 5; k++) {
            assertArrayEquals(dw, t.get(k).grad().toDoubleArray(), 1e-12);
        }
        assertArrayEquals(dw4, t.get(5).grad().toDoubleArray(), 1e-12);
        for (int a = 0; a < t.size(); a++) {
            for (int b = a + 1; b < t.size(); b++) {
                assertNotSame(
                        t.get(a).gradValue().doubles(),
                        t.get(b).gradValue().doubles(),
                        "leaves " + a + " and " + b + " share gradient storage");
            }
        }
    }

    @Test
    void inPlaceAccumulationGivesTheSameBitsAsFreshSums() {
        // A listener makes the engine treat every array as shared, so every sum allocates: the plain path.
        List<Tensor> inPlace = sharedAndFreshGraph();
        sharedAndFreshLoss(inPlace).backward();
        List<Tensor> plain = sharedAndFreshGraph();
        Tensor loss = sharedAndFreshLoss(plain);
        Autograd.backward(loss, null, false, (node, g, inputs, inputGrads) -> {});
        for (int k = 0; k < plain.size(); k++) {
            assertArrayEquals(
                    plain.get(k).grad().toDoubleArray(), inPlace.get(k).grad().toDoubleArray(), 0.0);
        }
        // A second backward adds into the gradients the first one left, whichever path stored them.
        sharedAndFreshLoss(inPlace).backward();
        Autograd.backward(sharedAndFreshLoss(plain), null, false, (node, g, inputs, inputGrads) -> {});
        for (int k = 0; k < plain.size(); k++) {
            assertArrayEquals(
                    plain.get(k).grad().toDoubleArray(), inPlace.get(k).grad().toDoubleArray(), 0.0);
        }
    }
}
