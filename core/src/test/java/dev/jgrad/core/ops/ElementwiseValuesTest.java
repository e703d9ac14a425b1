package dev.jgrad.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Forward values of the elementwise ops at points whose results are known independently (closed forms,
 * or standard-normal table values Φ(x) to double precision), plus their derivatives at the points where
 * a convention decides (relu and abs at 0, pow(0) at 0).
 */
class ElementwiseValuesTest {
    private static final double EXACT = 0;
    private static final double ULPS = 1e-15;

    private static Tensor f64(double... values) {
        return Tensor.of(DType.FLOAT64, values);
    }

    // Φ(x), the standard normal CDF, at a few points (published to 16+ digits; e.g. Φ(1) = 0.8413447460685429)
    private static final double PHI_HALF = 0.6914624612740131;
    private static final double PHI_1 = 0.8413447460685429;
    private static final double PHI_2 = 0.9772498680518208;
    private static final double PHI_3 = 0.9986501019683699;

    @Test
    void erfMatchesKnownValues() {
        // erf(x) = 2Φ(x√2) − 1; reference values of erf to double precision
        assertEquals(0, Erf.erf(0), EXACT);
        assertEquals(0.5204998778130465, Erf.erf(0.5), ULPS);
        assertEquals(0.8427007929497149, Erf.erf(1), ULPS);
        assertEquals(0.9953222650189527, Erf.erf(2), ULPS);
        assertEquals(0.9999779095030014, Erf.erf(3), ULPS);
        assertEquals(0.9999999999999927, Erf.erf(5.5), ULPS);
        assertEquals(1, Erf.erf(7), EXACT); // 1 − erf(7) ≈ 4e-23, below double spacing at 1
        assertEquals(-Erf.erf(1.25), Erf.erf(-1.25), EXACT); // odd function
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)));
    }

    @Test
    void geluIsXTimesTheNormalCdf() {
        // gelu(x) = x·Φ(x); Φ(−x) = 1 − Φ(x)
        Tensor y = f64(0, 0.5, 1, 2, 3, -1, -2, -3).gelu();
        double[] expected = {
            0, 0.5 * PHI_HALF, PHI_1, 2 * PHI_2, 3 * PHI_3, -(1 - PHI_1), -2 * (1 - PHI_2), -3 * (1 - PHI_3)
        };
        assertArrayEquals(expected, y.toDoubleArray(), 1e-15);
        // gelu(1) = Φ(1) = 0.84134474606854294859…, to within one unit in the last place
        assertEquals(0.8413447460685429, y.toDoubleArray()[2], Math.ulp(0.8413447460685429));
    }

    @Test
    void geluDerivativeIsCdfPlusXTimesDensity() {
        // gelu'(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π):  gelu'(0) = ½,  gelu'(1) = Φ(1) + e^(−½)/√(2π)
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {0, 1}).requiresGrad(true);
        x.gelu().sum().backward();
        double phi1 = Math.exp(-0.5) / Math.sqrt(2 * Math.PI); // 0.24197072451914337
        assertArrayEquals(new double[] {0.5, PHI_1 + phi1}, x.grad().toDoubleArray(), 1e-15);
    }

    @Test
    void geluTanhMatchesItsFormulaAndStaysCloseToGelu() {
        // ½x(1 + tanh(√(2/π)(x + 0.044715x³))), evaluated in 30-digit arithmetic:
        //   x = 1 → 0.84119199060827670,  x = −1 → −0.15880800939172330,  x = 2 → 1.9545976940877750
        Tensor y = f64(1, -1, 2, 0).geluTanh();
        assertArrayEquals(
                new double[] {0.8411919906082767, -0.1588080093917233, 1.954597694087775, 0}, y.toDoubleArray(), 1e-15);
        // the approximation error at 1 is gelu(1) − geluTanh(1) ≈ 1.5e-4
        assertEquals(PHI_1, y.toDoubleArray()[0], 2e-4);
    }

    @Test
    void sigmoidValuesAndNoOverflow() {
        // σ(0) = ½;  σ(2) = 1/(1 + e⁻²);  σ(−x) = 1 − σ(x);  σ(±1000) saturates without NaN
        double s2 = 1 / (1 + Math.exp(-2)); // 0.8807970779778823
        assertArrayEquals(
                new double[] {0.5, s2, 1 - s2, 0, 1},
                f64(0, 2, -2, -1000, 1000).sigmoid().toDoubleArray(),
                1e-15);
        // σ'(0) = σ(0)(1 − σ(0)) = ¼
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {0}).requiresGrad(true);
        x.sigmoid().sum().backward();
        assertEquals(0.25, x.grad().item(), EXACT);
    }

    @Test
    void siluIsXTimesSigmoid() {
        // silu(1) = 1/(1 + e⁻¹) = 0.7310585786300049;  silu(−2) = −2/(1 + e²) = −0.2384058440442351
        assertArrayEquals(
                new double[] {0, 0.7310585786300049, -0.2384058440442351},
                f64(0, 1, -2).silu().toDoubleArray(),
                1e-15);
        // silu'(0) = σ(0)(1 + 0) = ½
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {0}).requiresGrad(true);
        x.silu().sum().backward();
        assertEquals(0.5, x.grad().item(), EXACT);
    }

    @Test
    void tanhExpLogSqrtPowAtExactPoints() {
        // tanh(ln 3) = (9 − 1)/(9 + 1) = 0.8
        assertEquals(0.8, f64(Math.log(3)).tanh().item(), ULPS);
        assertArrayEquals(new double[] {1, 2}, f64(0, Math.log(2)).exp().toDoubleArray(), ULPS);
        assertArrayEquals(new double[] {0, 1}, f64(1, Math.E).log().toDoubleArray(), ULPS);
        assertArrayEquals(new double[] {0, 2, 1.5}, f64(0, 4, 2.25).sqrt().toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {8, -8, 1}, f64(2, -2, 1).pow(3).toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {2, 0.5}, f64(4, 0.25).pow(0.5).toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {0.25, 1}, f64(2, 1).pow(-2).toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {-1.5, 0, 2}, f64(1.5, 0, -2).neg().toDoubleArray(), EXACT);
    }

    @Test
    void reluAndAbsValuesAndTheirDerivativeAtZero() {
        assertArrayEquals(new double[] {0, 0, 2}, f64(-1, 0, 2).relu().toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {1.5, 0, 2}, f64(-1.5, 0, 2).abs().toDoubleArray(), EXACT);
        // PyTorch's convention at the kink: relu'(0) = 0 and abs'(0) = sign(0) = 0
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {-1, 0, 2}).requiresGrad(true);
        x.relu().sum().backward();
        assertArrayEquals(new double[] {0, 0, 1}, x.grad().toDoubleArray(), EXACT);
        Tensor z = Tensor.of(DType.FLOAT64, new double[] {-1, 0, 2}).requiresGrad(true);
        z.abs().sum().backward();
        assertArrayEquals(new double[] {-1, 0, 1}, z.grad().toDoubleArray(), EXACT);
    }

    @Test
    void powWithExponentZeroHasZeroGradientEverywhere() {
        // x⁰ = 1 for every x (Math.pow(0, 0) = 1), a constant, so d/dx x⁰ = 0, also at x = 0
        // (PyTorch masks this case explicitly). The formula p·x^(p−1) gives 0 · 0⁻¹ = 0 · ∞ = NaN there.
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {0, 2}).requiresGrad(true);
        Tensor y = x.pow(0);
        assertArrayEquals(new double[] {1, 1}, y.toDoubleArray(), EXACT);
        y.sum().backward();
        assertArrayEquals(new double[] {0, 0}, x.grad().toDoubleArray(), EXACT);
    }

    @Test
    void broadcastingAddOfAColumnAndARow() {
        // [[1], [2]] (shape [2, 1]) + [10, 20, 30] (shape [3]) → shape [2, 3]: a[i] + b[j]
        Tensor a = Tensor.of(DType.FLOAT64, new double[] {1, 2}, 2, 1);
        Tensor b = f64(10, 20, 30);
        Tensor c = a.add(b);
        assertEquals(Shape.of(2, 3), c.shape());
        assertArrayEquals(new double[] {11, 21, 31, 12, 22, 32}, c.toDoubleArray(), EXACT);
    }

    @Test
    void broadcastingBackwardSumsOverTheStretchedDims() {
        // c = a + b with a [2, 1], b [3]: ∂Σc/∂a = 3 per element (a[i] is used 3 times), ∂Σc/∂b = 2
        Tensor a = Tensor.of(DType.FLOAT64, new double[] {1, 2}, 2, 1).requiresGrad(true);
        Tensor b = f64(10, 20, 30).requiresGrad(true);
        a.mul(b).sum().backward();
        // for mul: ∂/∂a[i] = Σ_j b[j] = 60, ∂/∂b[j] = Σ_i a[i] = 3
        assertArrayEquals(new double[] {60, 60}, a.grad().toDoubleArray(), EXACT);
        assertEquals(Shape.of(2, 1), a.grad().shape());
        assertArrayEquals(new double[] {3, 3, 3}, b.grad().toDoubleArray(), EXACT);
    }

    @Test
    void subMulDivWithAScalar() {
        Tensor x = f64(2, -4, 8);
        assertArrayEquals(new double[] {1, -5, 7}, x.sub(1).toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {1, -2, 4}, x.mul(0.5).toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {-1, 2, -4}, x.div(-2).toDoubleArray(), EXACT);
        // division by a tensor broadcast from a scalar tensor of shape []
        Tensor s = Tensor.scalar(DType.FLOAT64, 4);
        assertArrayEquals(new double[] {0.5, -1, 2}, x.div(s).toDoubleArray(), EXACT);
    }

    @Test
    void whereAndMaskedFillPickElementwise() {
        // where(c, a, b) with c [2, 1] broadcast over columns: row 0 from a, row 1 from b
        Tensor c = Tensor.ofInts(new int[] {1, 0}, 2, 1);
        Tensor a = Tensor.of(DType.FLOAT64, new double[] {1, 2, 3, 4}, 2, 2);
        Tensor b = Tensor.scalar(DType.FLOAT64, -1);
        assertArrayEquals(new double[] {1, 2, -1, -1}, Tensor.where(c, a, b).toDoubleArray(), EXACT);
        // maskedFill: mask [2] broadcast over rows; column 1 is filled
        Tensor mask = Tensor.ofInts(new int[] {0, 1});
        assertArrayEquals(
                new double[] {1, Double.NEGATIVE_INFINITY, 3, Double.NEGATIVE_INFINITY},
                a.maskedFill(mask, Double.NEGATIVE_INFINITY).toDoubleArray(),
                EXACT);
    }
}
