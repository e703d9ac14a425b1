package dev.jgrad.nn.functional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.modules.CausalSelfAttention;
import dev.jgrad.nn.modules.RotaryEmbedding;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The layer functions that run as one fused core op, against the compositions they stand for: heads side by
 * side in causalAttention, cos/sin broadcasting in rope, the heads view that CausalSelfAttention rotates.
 */
class FusedLayersTest {
    private static final DType F64 = DType.FLOAT64;

    /** causalAttention over [B, T, h·d_k] equals scaledDotProductAttention with the causal mask, head by head. */
    @Test
    void causalAttentionEqualsMaskedAttentionPerHead() {
        qt().withExamples(20)
                .forAll(
                        integers().between(1, 6),
                        integers().between(1, 3),
                        integers().between(1, 4),
                        longs().all())
                .checkAssert((t, heads, dk, seed) -> {
                    Random rnd = new Random(seed);
                    Tensor q = Tensor.randn(F64, rnd, 2, t, heads * dk);
                    Tensor k = Tensor.randn(F64, rnd, 2, t, heads * dk);
                    Tensor v = Tensor.randn(F64, rnd, 2, t, heads * dk);
                    List<Tensor> perHead = new ArrayList<>();
                    for (int h = 0; h < heads; h++) {
                        perHead.add(F.scaledDotProductAttention(
                                q.narrow(-1, h * dk, dk),
                                k.narrow(-1, h * dk, dk),
                                v.narrow(-1, h * dk, dk),
                                F.causalMask(t)));
                    }
                    assertArrayEquals(
                            Tensor.concat(perHead, -1).toDoubleArray(),
                            F.causalAttention(q, k, v, heads).toDoubleArray(),
                            1e-12);
                });
    }

    /** rope with per-position cos/sin [T, d/2] broadcast over a batch equals rotating each pair by hand. */
    @Test
    void ropeBroadcastsCosAndSinOverLeadingDims() {
        Random rnd = new Random(5);
        Tensor x = Tensor.randn(F64, rnd, 3, 4, 6);
        double[] angles = new double[4 * 3];
        for (int i = 0; i < angles.length; i++) {
            angles[i] = 6 * rnd.nextDouble();
        }
        double[] c = new double[angles.length];
        double[] s = new double[angles.length];
        for (int i = 0; i < angles.length; i++) {
            c[i] = Math.cos(angles[i]);
            s[i] = Math.sin(angles[i]);
        }
        Tensor y = F.rope(x, Tensor.of(F64, c, 4, 3), Tensor.of(F64, s, 4, 3));
        double[] xv = x.toDoubleArray();
        double[] expected = new double[xv.length];
        for (int b = 0; b < 3; b++) {
            for (int t = 0; t < 4; t++) {
                for (int j = 0; j < 3; j++) {
                    int o = (b * 4 + t) * 6 + 2 * j;
                    double cj = c[t * 3 + j];
                    double sj = s[t * 3 + j];
                    expected[o] = xv[o] * cj - xv[o + 1] * sj;
                    expected[o + 1] = xv[o] * sj + xv[o + 1] * cj;
                }
            }
        }
        assertArrayEquals(expected, y.toDoubleArray(), 1e-14);
        IllegalArgumentException bad = assertThrows(
                IllegalArgumentException.class, () -> F.rope(x, Tensor.zeros(F64, 5, 3), Tensor.zeros(F64, 5, 3)));
        assertTrue(bad.getMessage().contains("[5, 3]") && bad.getMessage().contains("[3, 4, 6]"), bad.getMessage());
    }

    /** Rotating the heads view [B, T, h, d_k] with positions [B, T, 1] rotates every head of a token alike. */
    @Test
    void ropeOnTheHeadsViewRotatesEachHeadByItsTokensPosition() {
        Random rnd = new Random(9);
        RotaryEmbedding rope = new RotaryEmbedding(10000, 4, 16);
        Tensor x = Tensor.randn(F64, rnd, 2, 5, 3, 4); // B = 2, T = 5, h = 3, d_k = 4
        int[] p = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
        Tensor rotated = rope.forward(x, Tensor.ofInts(p, 2, 5, 1));
        for (int h = 0; h < 3; h++) {
            Tensor head = x.narrow(2, h, 1).squeeze(2); // [2, 5, 4]
            Tensor expected = rope.forward(head, Tensor.ofInts(p, 2, 5));
            assertArrayEquals(
                    expected.toDoubleArray(), rotated.narrow(2, h, 1).squeeze(2).toDoubleArray(), 1e-14);
        }
    }

    @Test
    void swigluGateIsSiluTimesB() {
        Random rnd = new Random(2);
        Tensor a = Tensor.randn(F64, rnd, 4, 5);
        Tensor b = Tensor.randn(F64, rnd, 4, 5);
        assertArrayEquals(a.silu().mul(b).toDoubleArray(), F.siluMul(a, b).toDoubleArray(), 1e-15);
    }

    @Test
    void attentionRejectsPositionsOfTheWrongLength() {
        CausalSelfAttention attn =
                new CausalSelfAttention(4, 2, new RotaryEmbedding(10000, 2, 8), false, F64, new Random(1));
        Tensor x = Tensor.zeros(F64, 2, 3, 4);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> attn.forward(x, Tensor.ofInts(new int[] {0, 1, 2, 3})));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[2, 3, 4]"), e.getMessage());
        assertEquals(3, attn.forward(x, Tensor.ofInts(new int[] {0, 1, 2})).dim(1));
    }
}
