package dev.jgrad.core.ops;

import static org.quicktheories.QuickTheory.qt;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import dev.jgrad.core.testing.GradientProperty;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * Backward of the ops that move values without arithmetic (permute, transpose, reshape, squeeze,
 * unsqueeze, expand, narrow, concat, stack, indexSelect) against finite differences.
 *
 * <p>Default GradCheck tolerances (atol 1e-5, rtol 1e-3): each output is a copy or a sum of inputs, so
 * the central difference is exact up to O(ε/h) ≈ 1e-10 rounding in float64. What these properties
 * catch is a gradient routed to the wrong element, or a repeat/broadcast not summed.
 */
class LayoutGradTest {
    /** All permutations of {@code 0..r-1} in lexicographic order. */
    private static List<int[]> permutations(int r) {
        List<int[]> out = new ArrayList<>();
        permute(new int[r], new boolean[r], 0, out);
        return out;
    }

    private static void permute(int[] prefix, boolean[] used, int at, List<int[]> out) {
        if (at == prefix.length) {
            out.add(prefix.clone());
            return;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (!used[i]) {
                used[i] = true;
                prefix[at] = i;
                permute(prefix, used, at + 1, out);
                used[i] = false;
            }
        }
    }

    @Test
    @GradientProperty(Permute.class)
    void permuteBackwardMatchesFiniteDifferences() {
        qt().withExamples(40)
                .forAll(Gens.shapes(), Generate.range(0, 5), Gens.seeds())
                .checkAssert((shape, k, seed) -> {
                    List<int[]> all = permutations(shape.rank());
                    int[] perm = all.get(k % all.size());
                    Tensor x = Gens.input(new Random(seed), shape);
                    GradCheck.check(
                            "permute" + Arrays.toString(perm) + " of " + shape,
                            xs -> xs.get(0).permute(perm),
                            List.of(x),
                            seed);
                });
    }

    @Test
    @GradientProperty(Permute.class)
    void transposeBackwardMatchesFiniteDifferences() {
        qt().withExamples(30)
                .forAll(Gens.shapes(1, 3), Generate.range(0, 2), Generate.range(-3, 2), Gens.seeds())
                .checkAssert((shape, a, b, seed) -> {
                    int dim0 = a % shape.rank();
                    int dim1 = Math.floorMod(b, shape.rank()) - (b < 0 ? shape.rank() : 0); // some from the end
                    Tensor x = Gens.input(new Random(seed), shape);
                    GradCheck.check(
                            "transpose(" + dim0 + ", " + dim1 + ") of " + shape,
                            xs -> xs.get(0).transpose(dim0, dim1),
                            List.of(x),
                            seed);
                });
    }

    /**
     * A target shape with {@code shape}'s element count: its prime factors (2 and 3 here) dealt at random
     * into {@code rank} dims, padded with 1s; one dim replaced by −1 when {@code infer}.
     */
    static int[] reshapeTarget(Shape shape, int rank, boolean infer, Random rnd) {
        int[] dims = new int[rank];
        Arrays.fill(dims, 1);
        int n = shape.size();
        for (int p = 2; n > 1; ) {
            if (n % p == 0) {
                if (rank > 0) {
                    dims[rnd.nextInt(rank)] *= p;
                }
                n /= p;
            } else {
                p++;
            }
        }
        if (rank == 0 && shape.size() != 1) {
            return new int[] {-1}; // a scalar target only fits one element; flatten instead
        }
        if (infer && rank > 0) {
            dims[rnd.nextInt(rank)] = -1;
        }
        return dims;
    }

    @Test
    @GradientProperty(Reshape.class)
    void reshapeBackwardMatchesFiniteDifferences() {
        qt().withExamples(40)
                .forAll(Gens.shapes(), Generate.range(0, 4), Generate.booleans(), Gens.seeds())
                .checkAssert((shape, rank, infer, seed) -> {
                    Random rnd = new Random(seed);
                    int[] target = reshapeTarget(shape, rank, infer, rnd);
                    Tensor x = Gens.input(rnd, shape);
                    GradCheck.check(
                            "reshape" + Arrays.toString(target) + " of " + shape,
                            xs -> xs.get(0).reshape(target),
                            List.of(x),
                            seed);
                });
    }

    @Test
    @GradientProperty(Reshape.class)
    void squeezeAndUnsqueezeBackwardMatchFiniteDifferences() {
        // broadcastSources()' second shape has dims set to 1: something for squeeze to remove
        qt().withExamples(40)
                .forAll(Gens.broadcastSources(), Generate.range(0, 3), Generate.range(-4, 3), Gens.seeds())
                .checkAssert((shapes, which, at, seed) -> {
                    Shape shape = shapes.get(1);
                    int r = shape.rank();
                    int unsqueezeDim = Math.floorMod(at, r + 1) - (at < 0 ? r + 1 : 0); // in [−r−1, r]
                    int ones = firstSizeOne(shape);
                    Tensor x = Gens.input(new Random(seed), shape);
                    if (which == 0 || (which == 1 && ones < 0)) {
                        GradCheck.check("squeeze() of " + shape, xs -> xs.get(0).squeeze(), List.of(x), seed);
                    } else if (which == 1) {
                        GradCheck.check(
                                "squeeze(" + ones + ") of " + shape,
                                xs -> xs.get(0).squeeze(ones),
                                List.of(x),
                                seed);
                    } else {
                        GradCheck.check(
                                "unsqueeze(" + unsqueezeDim + ") of " + shape,
                                xs -> xs.get(0).unsqueeze(unsqueezeDim),
                                List.of(x),
                                seed);
                    }
                });
    }

    private static int firstSizeOne(Shape s) {
        for (int i = 0; i < s.rank(); i++) {
            if (s.dim(i) == 1) {
                return i;
            }
        }
        return -1;
    }

    @Test
    @GradientProperty(Expand.class)
    void expandBackwardMatchesFiniteDifferences() {
        qt().withExamples(40).forAll(Gens.broadcastSources(), Gens.seeds()).checkAssert((shapes, seed) -> {
            Shape target = shapes.get(0);
            Tensor x = Gens.input(new Random(seed), shapes.get(1));
            GradCheck.check(
                    "expand " + x.shape() + " to " + target, xs -> xs.get(0).expand(target.dims()), List.of(x), seed);
        });
    }

    @Test
    @GradientProperty(Narrow.class)
    void narrowBackwardMatchesFiniteDifferences() {
        qt().withExamples(40)
                .forAll(
                        Gens.shapes(1, 3),
                        Generate.intArrays(Generate.constant(3), Generate.range(0, 3)),
                        Generate.booleans(),
                        Gens.seeds())
                .checkAssert((shape, choice, fromEnd, seed) -> {
                    int axis = choice[0] % shape.rank();
                    int size = shape.dim(axis);
                    int start = choice[1] % size;
                    int length = 1 + choice[2] % (size - start);
                    int dim = fromEnd ? axis - shape.rank() : axis;
                    Tensor x = Gens.input(new Random(seed), shape);
                    GradCheck.check(
                            "narrow(" + dim + ", " + start + ", " + length + ") of " + shape,
                            xs -> xs.get(0).narrow(dim, start, length),
                            List.of(x),
                            seed);
                });
    }

    @Test
    @GradientProperty(Concat.class)
    void concatOfSeveralInputsBackwardMatchesFiniteDifferences() {
        // 1 to 4 inputs that agree outside the concat dim and have 1..3 entries along it
        qt().withExamples(40)
                .forAll(
                        Gens.shapes(1, 3),
                        Generate.range(0, 2),
                        Generate.intArrays(Generate.range(1, 4), Generate.range(1, 3)),
                        Gens.seeds())
                .checkAssert((shape, d, lengths, seed) -> {
                    int axis = d % shape.rank();
                    Random rnd = new Random(seed);
                    List<Tensor> inputs = new ArrayList<>();
                    for (int len : lengths) {
                        inputs.add(Gens.input(rnd, shape.with(axis, len)));
                    }
                    GradCheck.check(
                            "concat of " + lengths.length + " along " + axis + " of " + shape,
                            xs -> Tensor.concat(xs, axis),
                            inputs,
                            seed);
                });
    }

    @Test
    @GradientProperty(Concat.class)
    @GradientProperty(Reshape.class)
    void stackBackwardMatchesFiniteDifferences() {
        // stack = unsqueeze each input (a reshape), then concat; dims in [−r−1, r]
        qt().withExamples(40)
                .forAll(Gens.shapes(), Generate.range(1, 3), Generate.range(-4, 3), Gens.seeds())
                .checkAssert((shape, count, at, seed) -> {
                    int r = shape.rank();
                    int dim = Math.floorMod(at, r + 1) - (at < 0 ? r + 1 : 0);
                    Random rnd = new Random(seed);
                    List<Tensor> inputs = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        inputs.add(Gens.input(rnd, shape));
                    }
                    GradCheck.check(
                            "stack of " + count + " " + shape + " at " + dim,
                            xs -> Tensor.stack(xs, dim),
                            inputs,
                            seed);
                });
    }

    /** Index values in {@code [0, size)} with at least one repeat whenever there are two or more. */
    static Tensor indexWithRepeats(Random rnd, Shape indexShape, int size) {
        int[] v = new int[indexShape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextInt(size);
        }
        if (v.length >= 2) {
            v[v.length - 1] = v[0]; // the backward must add the two shares, not overwrite
        }
        return Tensor.of(NdArray.wrap(v, indexShape));
    }

    @Test
    @GradientProperty(IndexSelect.class)
    void indexSelectWithRepeatedIndicesBackwardMatchesFiniteDifferences() {
        // dim 0 (an embedding lookup), a middle dim, or the last; index of rank 0..2
        qt().withExamples(50)
                .forAll(Gens.shapes(1, 3), Generate.range(0, 2), Gens.shapes(0, 2), Gens.seeds())
                .checkAssert((shape, d, indexShape, seed) -> {
                    int axis = d % shape.rank();
                    Random rnd = new Random(seed);
                    Tensor index = indexWithRepeats(rnd, indexShape, shape.dim(axis));
                    Tensor x = Gens.input(rnd, shape);
                    GradCheck.check(
                            "indexSelect(" + axis + ", " + Arrays.toString(index.toIntArray()) + " " + indexShape
                                    + ") of " + shape,
                            xs -> xs.get(0).indexSelect(axis, index),
                            List.of(x),
                            seed);
                });
    }
}
