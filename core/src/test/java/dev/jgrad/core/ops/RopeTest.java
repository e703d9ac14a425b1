package dev.jgrad.core.ops;

import static dev.jgrad.core.ops.LinearTest.append;
import static dev.jgrad.core.ops.LinearTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import dev.jgrad.core.testing.GradientProperty;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fused rotary embedding: gradients, a hand-computed case, the unfused composition, errors. */
class RopeTest {
    private static final DType F64 = DType.FLOAT64;

    /** Tables of P rows of random angles: cos and sin [P, half]. */
    record Tables(NdArray cos, NdArray sin) {
        static Tables random(Random rnd, DType dtype, int p, int half) {
            NdArray c = NdArray.zeros(dtype, Shape.of(p, half));
            NdArray s = NdArray.zeros(dtype, Shape.of(p, half));
            for (int i = 0; i < p * half; i++) {
                double angle = 2 * Math.PI * rnd.nextDouble();
                c.set(i, Math.cos(angle));
                s.set(i, Math.sin(angle));
            }
            return new Tables(c, s);
        }
    }

    static int[] randomRows(Random rnd, int count, int p) {
        int[] rows = new int[count];
        Arrays.setAll(rows, i -> rnd.nextInt(p));
        return rows;
    }

    /** x [lead..., d] with lead of rank 0..2, d = 2, 4 or 6, tables of 1..5 rows picked at random. */
    @Test
    @GradientProperty(Rope.class)
    void ropeBackwardMatchesFiniteDifferences() {
        qt().withExamples(40)
                .forAll(Gens.shapes(0, 2), integers().between(1, 3), integers().between(1, 5), Gens.seeds())
                .checkAssert((lead, half, p, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor x = Gens.input(rnd, append(lead, 2 * half));
                    Tables t = Tables.random(rnd, F64, p, half);
                    int[] rows = randomRows(rnd, lead.size(), p);
                    GradCheck.check(
                            "rope " + x.shape() + " by tables [" + p + ", " + half + "]",
                            xs -> Rope.apply(xs.get(0), t.cos(), t.sin(), rows),
                            List.of(x),
                            seed);
                });
    }

    @Test
    void quarterAndHalfTurnsByHand() {
        // One row x = [1, 0, 0, 1]; table row 0 holds the angles [π/2, π]:
        //   pair 0: (1, 0) turned by π/2 → (0, 1);   pair 1: (0, 1) turned by π → (0, −1)
        // backward turns g by −angle: g = [1, 0, 0, 0] → pair 0: (1, 0) turned by −π/2 → (0, −1); pair 1: (0, 0)
        NdArray cos = NdArray.wrap(new double[] {Math.cos(Math.PI / 2), Math.cos(Math.PI)}, Shape.of(1, 2));
        NdArray sin = NdArray.wrap(new double[] {Math.sin(Math.PI / 2), Math.sin(Math.PI)}, Shape.of(1, 2));
        Tensor x = Tensor.of(F64, new double[] {1, 0, 0, 1}, 1, 4).requiresGrad(true);
        Tensor y = Rope.apply(x, cos, sin, new int[] {0});
        assertArrayEquals(new double[] {0, 1, 0, -1}, y.toDoubleArray(), 1e-15);
        y.backward(Tensor.of(F64, new double[] {1, 0, 0, 0}, 1, 4));
        assertArrayEquals(new double[] {0, -1, 0, 0}, x.grad().toDoubleArray(), 1e-15);
    }

    /**
     * Fast path against the composition it replaced: gather each row's cos and sin, view x as pairs, and
     * combine the even and odd halves with mul, sub, add and concat; float64.
     */
    @Test
    void matchesTheComposition() {
        qt().withExamples(20)
                .forAll(Gens.shapes(1, 3), integers().between(1, 12), integers().between(1, 20), Gens.seeds())
                .checkAssert((lead, half, p, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor x = Gens.input(rnd, append(lead, 2 * half));
                    Tables t = Tables.random(rnd, F64, p, half);
                    int[] rows = randomRows(rnd, lead.size(), p);
                    FusedCheck.assertSame(
                            "rope " + x.shape(),
                            Rope.class,
                            xs -> Rope.apply(xs.get(0), t.cos(), t.sin(), rows),
                            xs -> composed(xs.get(0), t, rows),
                            List.of(x),
                            seed,
                            1e-12);
                });
    }

    private static Tensor composed(Tensor x, Tables t, int[] rows) {
        int half = x.dim(-1) / 2;
        Tensor index = Tensor.ofInts(rows);
        Shape lead = Shape.of(Arrays.copyOf(x.shape().dims(), x.rank() - 1));
        int[] pairs = append(append(lead, half), 2).dims();
        int[] angles = append(append(lead, half), 1).dims();
        Tensor c = Tensor.of(t.cos()).indexSelect(0, index).reshape(angles);
        Tensor s = Tensor.of(t.sin()).indexSelect(0, index).reshape(angles);
        Tensor xp = x.reshape(pairs);
        Tensor even = xp.narrow(-1, 0, 1);
        Tensor odd = xp.narrow(-1, 1, 1);
        Tensor y =
                Tensor.concat(List.of(even.mul(c).sub(odd.mul(s)), even.mul(s).add(odd.mul(c))), -1);
        return y.reshape(x.shape().dims());
    }

    /** float32 agrees with float64 on enough rows to be split over threads. */
    @Test
    void float32AgreesWithFloat64() {
        Random rnd = new Random(21);
        Tensor x = Gens.input(rnd, Shape.of(16, 64, 4, 24));
        Tables t64 = Tables.random(rnd, F64, 64, 12);
        Tables t32 = new Tables(t64.cos().cast(DType.FLOAT32), t64.sin().cast(DType.FLOAT32));
        int[] rows = randomRows(rnd, 16 * 64 * 4, 64);
        Tensor y = Rope.apply(x, t64.cos(), t64.sin(), rows);
        Tensor g = FusedCheck.weights(y, 1);
        y.backward(g);
        Tensor x32 = FusedCheck.to32(x);
        Tensor y32 = Rope.apply(x32, t32.cos(), t32.sin(), rows);
        y32.backward(Tensor.of(g.value().cast(DType.FLOAT32)));
        FusedCheck.assertClose("forward", y.value(), y32.value(), 1e-6);
        FusedCheck.assertClose("∂x", x.gradValue(), x32.gradValue(), 1e-6);
    }

    @Test
    void badInputNamesTheOpAndTheShapes() {
        Tables t = Tables.random(new Random(1), DType.FLOAT32, 4, 2);
        IllegalArgumentException odd = assertThrows(
                IllegalArgumentException.class, () -> Rope.apply(Tensor.zeros(2, 3), t.cos(), t.sin(), new int[2]));
        assertMessage(odd, "rope", "[2, 3]");
        IllegalArgumentException width = assertThrows(
                IllegalArgumentException.class, () -> Rope.apply(Tensor.zeros(2, 6), t.cos(), t.sin(), new int[2]));
        assertMessage(width, "rope", "[4, 2]", "[2, 6]");
        IllegalArgumentException count = assertThrows(
                IllegalArgumentException.class, () -> Rope.apply(Tensor.zeros(2, 4), t.cos(), t.sin(), new int[3]));
        assertMessage(count, "rope", "3", "[2, 4]");
        IllegalArgumentException far = assertThrows(
                IllegalArgumentException.class,
                () -> Rope.apply(Tensor.zeros(2, 4), t.cos(), t.sin(), new int[] {0, 4}));
        assertMessage(far, "rope", "table row 4", "[0, 4)", "[2, 4]");
        IllegalArgumentException dtype = assertThrows(
                IllegalArgumentException.class,
                () -> Rope.apply(Tensor.zeros(F64, 2, 4), t.cos(), t.sin(), new int[2]));
        assertMessage(dtype, "rope", "float32", "float64");
    }
}
