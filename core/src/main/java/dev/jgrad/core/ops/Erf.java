package dev.jgrad.core.ops;

/**
 * The error function to double precision, which {@code java.lang.Math} lacks.
 *
 * <pre>
 *   erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·5···(2n+1))
 * </pre>
 *
 * Every term of this series is positive, so it sums without cancellation; it needs about 2x² + 40
 * terms, and beyond |x| = 6 erf is ±1 in double precision.
 */
final class Erf {
    private Erf() {}

    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double ax = Math.abs(x);
        if (ax >= 6) {
            return Math.signum(x);
        }
        double term = ax;
        double sum = ax;
        for (int n = 1; term > sum * 1e-17; n++) {
            term *= 2 * ax * ax / (2 * n + 1);
            sum += term;
        }
        double r = 2 / Math.sqrt(Math.PI) * Math.exp(-ax * ax) * sum;
        return Math.copySign(Math.min(r, 1), x);
    }
}
