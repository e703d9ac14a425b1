package dev.jgrad.nn.modules;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.autograd.BackwardListener;
import dev.jgrad.core.autograd.GradScope;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.optim.AdamW;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Recycled storage (NdArray.recycle, NdArray.empty) changes no result: a float32 Transformer LM, big
 * enough that its activations and gradients go through the buffer pool, trains three steps to the same
 * bits with gradients recycled, and with activations released as well (Autograd.releaseActivations()), as
 * with every array kept (a backward listener makes the engine treat every array as shared, so it recycles
 * nothing). The tests run with {@code jgrad.bufferPool.poison=true}: a recycled array
 * is NaN until overwritten, so an op that reads storage it did not write would turn the losses to NaN.
 */
@SuppressWarnings("try") // a release scope that exists only to be closed
class BufferRecyclingTest {
    private static final BackwardListener KEEP_EVERYTHING = (node, g, inputs, inputGrads) -> {};

    /** What the engine may hand back for reuse. */
    private enum Recycling {
        NOTHING,
        GRADIENTS,
        GRADIENTS_AND_ACTIVATIONS
    }

    @Test
    void recyclingGradientsChangesNoBits() {
        assertSameTraining(train(Recycling.NOTHING), train(Recycling.GRADIENTS));
    }

    /** Autograd.releaseActivations(): each step's forward pass writes into the last step's activations. */
    @Test
    void releasingActivationsChangesNoBits() {
        assertSameTraining(train(Recycling.NOTHING), train(Recycling.GRADIENTS_AND_ACTIVATIONS));
    }

    private static void assertSameTraining(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], "tensor " + i);
        }
    }

    /** Losses of three AdamW steps (row 0), then every parameter after them. */
    private static float[][] train(Recycling recycling) {
        TransformerLM.Config c = new TransformerLM.Config(97, 32, 64, 2, 4, 128, 10_000);
        TransformerLM lm = new TransformerLM(c, new Random(5));
        Map<String, Tensor> params = lm.namedParameters();
        AdamW opt = new AdamW(params, 1e-2, 0.9, 0.95, 1e-8, 0.01);
        Random rnd = new Random(6);
        int batch = 4;
        int[] x = new int[batch * c.contextLength()];
        int[] y = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextInt(c.vocabSize());
            y[i] = rnd.nextInt(c.vocabSize());
        }
        float[] losses = new float[3];
        for (int step = 0; step < losses.length; step++) {
            Tensor logits = lm.forward(Tensor.ofInts(x, batch, c.contextLength()));
            Tensor loss = logits.crossEntropy(Tensor.ofInts(y, batch, c.contextLength()));
            losses[step] = (float) loss.item();
            if (recycling == Recycling.GRADIENTS_AND_ACTIVATIONS) {
                try (GradScope ignored = Autograd.releaseActivations()) {
                    loss.backward();
                }
                assertThrows(IllegalStateException.class, logits::value, "the logits were released");
            } else {
                Autograd.backward(loss, null, false, recycling == Recycling.NOTHING ? KEEP_EVERYTHING : null);
            }
            opt.step();
            opt.zeroGrad();
        }
        List<Tensor> ps = List.copyOf(params.values());
        float[][] out = new float[ps.size() + 1][];
        out[0] = losses;
        for (int i = 0; i < ps.size(); i++) {
            out[i + 1] = ps.get(i).value().floats().clone();
        }
        return out;
    }
}
