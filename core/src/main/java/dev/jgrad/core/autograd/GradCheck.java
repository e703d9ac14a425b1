package dev.jgrad.core.autograd;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;

/**
 * Checks analytic gradients against central finite differences, as {@code torch.autograd.gradcheck}.
 *
 * <pre>
 *   L(x)      = Σ w ⊙ f(x),  w random from the seed (a plain sum would hide a backward that ignores g)
 *   analytic  = ∂L/∂x from backward()
 *   numeric_i = (L(x + h·e_i) − L(x − h·e_i)) / 2h,  h = 1e-6
 *   pass when |analytic_i − numeric_i| ≤ atol + rtol·|numeric_i|,  atol = 1e-5, rtol = 1e-3
 * </pre>
 *
 * Inputs must be float64 (float32 rounding would swamp h). Only inputs with
 * {@code requiresGrad(true)} are checked; others are held constant.
 */
public final class GradCheck {
    public static final double STEP = 1e-6;
    public static final double ATOL = 1e-5;
    public static final double RTOL = 1e-3;

    private GradCheck() {}

    /** The worst disagreement found for one input. */
    public record InputReport(
            int input,
            String shape,
            double maxAbsError,
            double maxRelError,
            int worstIndex,
            double analytic,
            double numeric,
            boolean passed) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "input %d %s: max abs error %.3g, max rel error %.3g (worst at flat index %d: backward %.6g, "
                            + "finite difference %.6g)%s",
                    input,
                    shape,
                    maxAbsError,
                    maxRelError,
                    worstIndex,
                    analytic,
                    numeric,
                    passed ? "" : " FAILED");
        }
    }

    /** One row per checked input. */
    public record Report(String name, List<InputReport> inputs) {
        public boolean passed() {
            return inputs.stream().allMatch(InputReport::passed);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(name + ":");
            for (InputReport r : inputs) {
                sb.append("\n  ").append(r);
            }
            return sb.toString();
        }
    }

    /** Runs the check and throws {@link AssertionError} with a readable message if any input fails. */
    public static Report check(String name, Function<List<Tensor>, Tensor> f, List<Tensor> inputs, long seed) {
        Report report = compare(name, f, inputs, seed);
        for (InputReport r : report.inputs()) {
            if (!r.passed()) {
                throw new AssertionError(String.format(
                        Locale.ROOT,
                        "%s: gradient of input %d %s differs at flat index %d: backward %.6g, finite difference "
                                + "%.6g\n%s",
                        name,
                        r.input(),
                        r.shape(),
                        r.worstIndex(),
                        r.analytic(),
                        r.numeric(),
                        report));
            }
        }
        return report;
    }

    /** Compares gradients without throwing. */
    public static Report compare(String name, Function<List<Tensor>, Tensor> f, List<Tensor> inputs, long seed) {
        List<Tensor> leaves = new ArrayList<>();
        for (int k = 0; k < inputs.size(); k++) {
            Tensor x = inputs.get(k);
            if (x.dtype() != DType.FLOAT64 && x.requiresGrad()) {
                throw new IllegalArgumentException(name + ": gradcheck input " + k + " " + x.shape() + " is "
                        + x.dtype() + "; use float64 (x.to(DType.FLOAT64)) so rounding does not swamp h");
            }
            leaves.add(Tensor.of(x.value().copy()).requiresGrad(x.requiresGrad()));
        }
        Tensor out = f.apply(leaves);
        NdArray w = NdArray.zeros(DType.FLOAT64, out.shape());
        Random rnd = new Random(seed);
        for (int i = 0; i < w.size(); i++) {
            w.set(i, rnd.nextGaussian());
        }
        if (out.requiresGrad()) {
            out.backward(Tensor.of(w));
        }
        List<InputReport> reports = new ArrayList<>();
        for (int k = 0; k < leaves.size(); k++) {
            Tensor x = leaves.get(k);
            if (x.requiresGrad()) {
                reports.add(compareInput(k, x, f, leaves, w));
            }
        }
        return new Report(name, reports);
    }

    private static InputReport compareInput(
            int k, Tensor x, Function<List<Tensor>, Tensor> f, List<Tensor> leaves, NdArray w) {
        NdArray analytic = x.gradValue() == null ? x.value().zerosLike() : x.gradValue();
        double maxAbs = 0;
        double maxRel = 0;
        double worstScore = -1;
        int worst = 0;
        double worstAnalytic = 0;
        double worstNumeric = 0;
        boolean passed = true;
        for (int i = 0; i < x.numel(); i++) {
            double numeric = numericAt(i, x, f, leaves, w);
            double a = analytic.get(i);
            double err = Math.abs(a - numeric);
            double bound = ATOL + RTOL * Math.abs(numeric);
            passed &= err <= bound; // NaN fails
            maxAbs = Math.max(maxAbs, err);
            maxRel = Math.max(maxRel, err / Math.max(Math.abs(numeric), 1e-12));
            double score = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / bound;
            if (score > worstScore) {
                worstScore = score;
                worst = i;
                worstAnalytic = a;
                worstNumeric = numeric;
            }
        }
        return new InputReport(k, x.shape().toString(), maxAbs, maxRel, worst, worstAnalytic, worstNumeric, passed);
    }

    @SuppressWarnings("try") // the noGrad scope exists only to be closed
    private static double numericAt(int i, Tensor x, Function<List<Tensor>, Tensor> f, List<Tensor> leaves, NdArray w) {
        NdArray data = x.value();
        try (GradScope ignored = Autograd.noGrad()) {
            double original = data.get(i);
            data.set(i, original + STEP);
            double plus = weightedSum(f.apply(leaves), w);
            data.set(i, original - STEP);
            double minus = weightedSum(f.apply(leaves), w);
            data.set(i, original);
            return (plus - minus) / (2 * STEP);
        }
    }

    private static double weightedSum(Tensor y, NdArray w) {
        NdArray v = y.value();
        if (!v.shape().equals(w.shape())) {
            throw new IllegalStateException("gradcheck: the function's output shape changed from " + w.shape() + " to "
                    + v.shape() + " between calls");
        }
        double s = 0;
        for (int i = 0; i < w.size(); i++) {
            s += w.get(i) * v.get(i);
        }
        return s;
    }
}
