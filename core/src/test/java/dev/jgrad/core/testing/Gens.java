package dev.jgrad.core.testing;

import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Shared QuickTheories generators and input builders for gradient properties.
 *
 * <p>Shapes are small (rank ≤ 3, dims 1..4, so at most 64 elements) because a finite-difference check
 * costs two forward passes per input element. Every generator shrinks toward the simplest case (lower
 * rank, dims of 1, no broadcasting), so a failure is reported at the smallest shape that still fails.
 * Values never come from QuickTheories directly: they come from a {@code long} seed, which makes every
 * reported failure replayable with {@code new Random(seed)}.
 */
public final class Gens {
    /** Largest rank generated. */
    public static final int MAX_RANK = 3;

    /** Largest dimension size generated. */
    public static final int MAX_DIM = 4;

    private Gens() {}

    // ---- shapes ---------------------------------------------------------------------------------

    /** Shapes of rank 0..3 with dims 1..4; shrinks toward {@code []}. */
    public static Gen<Shape> shapes() {
        return shapes(0, MAX_RANK);
    }

    /** Shapes of rank {@code minRank..maxRank} with dims 1..4; shrinks toward rank minRank, dims 1. */
    public static Gen<Shape> shapes(int minRank, int maxRank) {
        return Generate.intArrays(Generate.range(minRank, maxRank), Generate.range(1, MAX_DIM))
                .map((int[] dims) -> Shape.of(dims))
                .describedAs(Shape::toString);
    }

    /** Shapes of exactly {@code rank} dims, each 1..4. */
    public static Gen<Shape> shapesOfRank(int rank) {
        return shapes(rank, rank);
    }

    /**
     * Lists of {@code n} shapes that broadcast together under NumPy's rules. Each is made from one base
     * shape by setting some of its dims to 1 and dropping some of its leading dims, independently per
     * shape; so any pattern of stretched and added dims occurs. Shrinks toward n copies of {@code []}.
     */
    public static Gen<List<Shape>> broadcastShapes(int n) {
        Gen<int[]> ones = Generate.intArrays(Generate.constant(n * MAX_RANK), Generate.range(0, 1));
        Gen<int[]> drops = Generate.intArrays(Generate.constant(n), Generate.range(0, MAX_RANK));
        return shapes().zip(ones, drops, (base, one, drop) -> broadcastFamily(base, one, drop))
                .describedAs(Gens::describe);
    }

    /** Pairs of shapes that broadcast together; see {@link #broadcastShapes}. */
    public static Gen<List<Shape>> broadcastPairs() {
        return broadcastShapes(2);
    }

    /**
     * A shape and a second shape that broadcasts <em>to</em> it (some dims set to 1, some leading
     * dims dropped): element 0 is the target, element 1 the source, as {@code expand} or
     * {@code maskedFill} need.
     */
    public static Gen<List<Shape>> broadcastSources() {
        Gen<int[]> ones = Generate.intArrays(Generate.constant(MAX_RANK), Generate.range(0, 1));
        return shapes().zip(ones, Generate.range(0, MAX_RANK), (target, one, drop) -> {
                    Shape source =
                            broadcastFamily(target, one, new int[] {drop}).get(0);
                    return List.of(target, source);
                })
                .describedAs(Gens::describe);
    }

    private static List<Shape> broadcastFamily(Shape base, int[] ones, int[] drops) {
        int r = base.rank();
        List<Shape> out = new ArrayList<>();
        for (int s = 0; s < drops.length; s++) {
            int[] dims = base.dims();
            for (int i = 0; i < r; i++) {
                if (ones[s * MAX_RANK + i] == 1) {
                    dims[i] = 1;
                }
            }
            int drop = Math.min(drops[s], r);
            out.add(Shape.of(Arrays.copyOfRange(dims, drop, r)));
        }
        return out;
    }

    private static String describe(List<Shape> shapes) {
        StringBuilder sb = new StringBuilder();
        for (Shape s : shapes) {
            sb.append(sb.length() == 0 ? "" : " & ").append(s);
        }
        return sb.toString();
    }

    // ---- seeds ----------------------------------------------------------------------------------

    /** Seeds for {@link Random}: every long, shrinking toward 0. */
    public static Gen<Long> seeds() {
        return longs().all();
    }

    // ---- tensors --------------------------------------------------------------------------------

    /** Standard normal float64 values of {@code shape}, not requiring grad. */
    public static Tensor randn(Random rnd, Shape shape) {
        return Tensor.randn(DType.FLOAT64, rnd, shape.dims());
    }

    /** Standard normal float64 values of {@code shape} from {@code seed}, not requiring grad. */
    public static Tensor randn(long seed, Shape shape) {
        return randn(new Random(seed), shape);
    }

    /** A float64 leaf with {@code requiresGrad(true)}, standard normal values. */
    public static Tensor input(Random rnd, Shape shape) {
        return randn(rnd, shape).requiresGrad(true);
    }

    /**
     * A float64 leaf with {@code requiresGrad(true)} holding exactly {@code values}; no dims means a
     * scalar (unlike {@code Tensor.of(double[])}, whose shape defaults to 1-D).
     */
    public static Tensor input(double[] values, int... shape) {
        return Tensor.of(NdArray.wrap(values.clone(), Shape.of(shape))).requiresGrad(true);
    }

    /** A float64 leaf requiring grad with values uniform in {@code [lo, hi)}. */
    public static Tensor uniformInput(Random rnd, Shape shape, double lo, double hi) {
        return Tensor.of(NdArray.wrap(uniform(rnd, shape.size(), lo, hi), shape))
                .requiresGrad(true);
    }

    /** A float64 leaf requiring grad with values in {@code [0.5, 2)}: away from 0 for log, sqrt and x^p. */
    public static Tensor positiveInput(Random rnd, Shape shape) {
        return uniformInput(rnd, shape, 0.5, 2);
    }

    /**
     * A float64 leaf requiring grad whose values have {@code |x| ≥ margin} and random signs, to keep
     * finite differences off a kink at 0 ({@code relu}, {@code abs}) or off a pole ({@code 1/x}).
     */
    public static Tensor awayFromZero(Random rnd, Shape shape, double margin) {
        double[] v = new double[shape.size()];
        for (int i = 0; i < v.length; i++) {
            double magnitude = margin + Math.abs(rnd.nextGaussian());
            v[i] = rnd.nextBoolean() ? magnitude : -magnitude;
        }
        return Tensor.of(NdArray.wrap(v, shape)).requiresGrad(true);
    }

    /**
     * A float64 leaf requiring grad whose values are pairwise at least {@code gap} apart (a shuffled
     * arithmetic sequence plus a little noise): {@code max} then never sees a tie, so finite
     * differences never straddle the kink where the argmax changes.
     */
    public static Tensor distinctInput(Random rnd, Shape shape, double gap) {
        int n = shape.size();
        List<Integer> ranks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ranks.add(i);
        }
        Collections.shuffle(ranks, rnd);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (ranks.get(i) - n / 2.0) * 2 * gap + 0.5 * gap * rnd.nextDouble();
        }
        return Tensor.of(NdArray.wrap(v, shape)).requiresGrad(true);
    }

    /** An int32 tensor of {@code shape} with values uniform in {@code [0, bound)}. */
    public static Tensor ints(Random rnd, Shape shape, int bound) {
        int[] v = new int[shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextInt(bound);
        }
        return Tensor.of(NdArray.wrap(v, shape));
    }

    private static double[] uniform(Random rnd, int n, double lo, double hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * rnd.nextDouble();
        }
        return v;
    }
}
