package dev.jgrad.nn.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Shape;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.modules.UnusedParameters.Finding;
import dev.jgrad.nn.modules.UnusedParameters.Reason;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Finding parameters a backward pass never reached, or reached only with zeros. */
class UnusedParametersTest {

    /** A hand-built model with the three classic bugs: a layer never called, one zeroed, one frozen. */
    private static final class Buggy extends Module {
        final Linear used;
        final Linear forgotten;
        final Linear zeroed;
        final Tensor gate;

        Buggy(Random rnd) {
            used = registerModule("used", new Linear(3, 2, true, DType.FLOAT64, rnd));
            forgotten = registerModule("forgotten", new Linear(3, 2, true, DType.FLOAT64, rnd));
            zeroed = registerModule("zeroed", new Linear(3, 2, false, DType.FLOAT64, rnd));
            gate = registerParameter("gate", Tensor.ones(DType.FLOAT64, 2));
        }

        Tensor forward(Tensor x) {
            Tensor y = used.forward(x).mul(gate);
            return y.add(zeroed.forward(x).mul(0)); // the author meant a learned scale, wrote 0
        }
    }

    @Test
    void listsLayersNeverCalledAndLayersWhoseEveryPathCarriesZero() {
        Buggy model = new Buggy(new Random(1));
        Tensor x = Tensor.randn(DType.FLOAT64, new Random(2), 4, 3);
        model.forward(x).pow(2).mean().backward();
        List<Finding> found = UnusedParameters.find(model);
        assertEquals(
                List.of(
                        new Finding("forgotten.weight", Shape.of(2, 3), Reason.NO_GRADIENT),
                        new Finding("forgotten.bias", Shape.of(2), Reason.NO_GRADIENT),
                        new Finding("zeroed.weight", Shape.of(2, 3), Reason.ALL_ZERO)),
                found);
        String report = UnusedParameters.report(found, model.namedParameters().size());
        assertTrue(report.startsWith("3 of 6 parameters received no gradient or an all-zero one"), report);
        assertTrue(report.contains("\n  forgotten.weight [2, 3]: no gradient"), report);
        assertTrue(report.contains("\n  zeroed.weight [2, 3]: an all-zero gradient"), report);
    }

    @Test
    void aHealthyModelReportsEveryParameterReached() {
        TransformerLM lm = new TransformerLM(new TransformerLM.Config(11, 4, 8, 1, 2, 16, 10_000), new Random(3));
        Tensor ids = Tensor.ofInts(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);
        Tensor targets = Tensor.ofInts(new int[] {2, 3, 4, 5, 6, 7, 8, 9}, 2, 4);
        lm.forward(ids).crossEntropy(targets).backward();
        assertEquals(List.of(), UnusedParameters.find(lm));
        assertEquals(
                "all " + lm.namedParameters().size() + " parameters received a non-zero gradient",
                UnusedParameters.report(List.of(), lm.namedParameters().size()));
    }

    @Test
    void beforeAnyBackwardEveryParameterLacksAGradient() {
        Buggy model = new Buggy(new Random(4));
        List<Finding> found = UnusedParameters.find(model);
        assertEquals(6, found.size());
        assertTrue(found.stream().allMatch(f -> f.reason() == Reason.NO_GRADIENT), found.toString());
    }
}
