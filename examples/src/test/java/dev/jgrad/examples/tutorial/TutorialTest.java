package dev.jgrad.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.core.autograd.BackwardFunction;
import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.explain.BackwardTrace;
import dev.jgrad.core.explain.Dot;
import dev.jgrad.core.explain.Exercise;
import dev.jgrad.core.explain.Explain;
import dev.jgrad.core.ops.Mul;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.NdArray;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.core.testing.Gens;
import dev.jgrad.nn.modules.TransformerLM;
import dev.jgrad.nn.optim.AdamW;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every code snippet of docs/tutorial.md, between {@code // tutorial:begin NAME} and {@code // tutorial:end
 * NAME} markers, run as a test; the assertions after each snippet check what the tutorial's text claims.
 * {@link TutorialDocTest} checks that the tutorial shows exactly these snippets, and exactly what the
 * methods print.
 */
class TutorialTest {
    @Test
    void neuron() {
        // tutorial:begin neuron
        Tensor x1 = Tensor.scalar(DType.FLOAT64, 2.0);
        Tensor x2 = Tensor.scalar(DType.FLOAT64, 0.0);
        Tensor w1 = Tensor.scalar(DType.FLOAT64, -3.0).requiresGrad(true);
        Tensor w2 = Tensor.scalar(DType.FLOAT64, 1.0).requiresGrad(true);
        Tensor b = Tensor.scalar(DType.FLOAT64, 6.8813735870195432).requiresGrad(true);

        Tensor n = x1.mul(w1).add(x2.mul(w2)).add(b); // n = x1·w1 + x2·w2 + b
        Tensor o = n.tanh();

        System.out.println(o.op()); // the record that made o: Tanh, holding n and the saved output
        // tutorial:end neuron
        // tutorial:begin neuronBackward
        o.backward();
        System.out.printf(
                "o = %.4f   ∂o/∂w1 = %.4f   ∂o/∂w2 = %.4f   ∂o/∂b = %.4f%n",
                o.item(), w1.grad().item(), w2.grad().item(), b.grad().item());
        // tutorial:end neuronBackward
        double dn = 1 - o.item() * o.item(); // tanh′ = 1 − tanh²
        assertEquals(Math.sqrt(0.5), o.item(), 1e-12);
        assertEquals(dn * 2.0, w1.grad().item(), 1e-12);
        assertEquals(dn * 0.0, w2.grad().item(), 1e-12);
        assertEquals(dn, b.grad().item(), 1e-12);
    }

    @Test
    void neuronExplained() {
        // tutorial:begin neuronExplained
        Tensor x1 = Tensor.scalar(DType.FLOAT64, 2.0);
        Tensor x2 = Tensor.scalar(DType.FLOAT64, 0.0);
        Tensor w1 = Tensor.scalar(DType.FLOAT64, -3.0).requiresGrad(true);
        Tensor w2 = Tensor.scalar(DType.FLOAT64, 1.0).requiresGrad(true);
        Tensor b = Tensor.scalar(DType.FLOAT64, 6.8813735870195432).requiresGrad(true);
        Tensor n = x1.mul(w1).add(x2.mul(w2)).add(b);
        Tensor o = n.tanh();

        Map<String, Tensor> names = Map.of("x1", x1, "x2", x2, "w1", w1, "w2", w2, "b", b, "n", n);
        BackwardTrace trace = Explain.backward(o, Explain.Options.defaults().withNames(names));
        System.out.print(trace); // Explain.backward(o) ran o.backward() and recorded every step
        // tutorial:end neuronExplained
        assertEquals(
                List.of("tanh", "add", "add", "mul", "mul"),
                trace.steps().stream().map(BackwardTrace.Step::op).toList());
        assertEquals(0.5, b.grad().item(), 1e-12);
    }

    @Test
    void usedTwice() {
        // tutorial:begin usedTwice
        Tensor x = Tensor.scalar(DType.FLOAT64, 3.0).requiresGrad(true);
        Tensor y = x.mul(x); // mul lists x as both a and b
        y.backward();
        System.out.println(x.grad().item()); // ∂L/∂a + ∂L/∂b = x + x = 6
        // tutorial:end usedTwice
        assertEquals(6.0, x.grad().item(), 0);
    }

    @Test
    void broadcast() {
        // tutorial:begin broadcast
        Tensor x = Tensor.of(DType.FLOAT64, new double[][] {{1, 2, 3}, {4, 5, 6}});
        Tensor bias = Tensor.of(DType.FLOAT64, new double[] {10, 20, 30}, 3).requiresGrad(true);
        Tensor y = x.add(bias); // bias [3] is used for both rows of y [2, 3]
        Tensor loss = y.mul(y).sum(); // L = Σ y²,  so ∂L/∂y = 2y

        BackwardTrace trace = Explain.backward(loss);
        System.out.print(trace);
        System.out.println("bias.grad() = " + Arrays.toString(bias.grad().toDoubleArray()));
        // tutorial:end broadcast
        // ∂L/∂y = 2y = [[22, 44, 66], [28, 50, 72]]; each bias element gets its column's sum
        assertArrayEquals(new double[] {50, 94, 138}, bias.grad().toDoubleArray(), 1e-12);
        assertArrayEquals(new int[] {0}, trace.steps().get(2).inputs().get(1).summedAxes());
    }

    @Test
    void crossEntropy() {
        // tutorial:begin crossEntropy
        Tensor z = Tensor.of(DType.FLOAT64, new double[][] {{2.0, 1.0, 0.1}, {0.5, 2.5, 0.3}})
                .requiresGrad(true);
        Tensor targets = Tensor.ofInts(new int[] {0, 2}, 2);
        Tensor loss = z.crossEntropy(targets); // mean over the N = 2 rows

        System.out.print(Explain.backward(loss, Explain.Options.defaults().withRow(1)));
        // tutorial:end crossEntropy
        double[] row = {0.5, 2.5, 0.3};
        double s = Math.exp(row[0]) + Math.exp(row[1]) + Math.exp(row[2]);
        double[] expected = new double[3];
        for (int a = 0; a < 3; a++) {
            expected[a] = (Math.exp(row[a]) / s - (a == 2 ? 1 : 0)) / 2; // (p − onehot) / N
        }
        assertArrayEquals(expected, Arrays.copyOfRange(z.grad().toDoubleArray(), 3, 6), 1e-12);
    }

    @Test
    void maxTrick() {
        // tutorial:begin maxTrick
        double[] z = {1000, 1001, 1002};
        double naive = Math.log(Math.exp(z[0]) + Math.exp(z[1]) + Math.exp(z[2])); // exp(1000) overflows to ∞
        double m = 1002; // max_a z_a
        double shifted = m + Math.log(Math.exp(z[0] - m) + Math.exp(z[1] - m) + Math.exp(z[2] - m));
        Tensor loss = Tensor.of(DType.FLOAT64, new double[][] {z}).crossEntropy(Tensor.ofInts(new int[] {2}, 1));

        System.out.printf("naive lse = %s   shifted lse = %.6f   loss = %.6f%n", naive, shifted, loss.item());
        // tutorial:end maxTrick
        assertEquals(Double.POSITIVE_INFINITY, naive);
        // lse − z_t = log(e^−2 + e^−1 + 1), computed with small numbers only
        assertEquals(Math.log(Math.exp(-2) + Math.exp(-1) + 1), loss.item(), 1e-12);
        assertEquals(1002 + loss.item(), shifted, 1e-9);
    }

    @Test
    void gradCheck() {
        // tutorial:begin gradCheck
        Random rnd = new Random(0);
        Tensor a = Tensor.randn(DType.FLOAT64, rnd, 2, 3).requiresGrad(true);
        Tensor b = Tensor.randn(DType.FLOAT64, rnd, 3).requiresGrad(true);

        GradCheck.Report report =
                GradCheck.check("a ⊙ tanh(b)", xs -> xs.get(0).mul(xs.get(1).tanh()), List.of(a, b), 42);
        System.out.println("passed: " + report.passed());
        // tutorial:end gradCheck
        assertTrue(report.passed());
        assertEquals(2, report.inputs().size());
        for (GradCheck.InputReport r : report.inputs()) {
            assertTrue(r.maxAbsError() < 1e-7, r::toString);
        }
    }

    @Test
    void dot() throws IOException {
        // tutorial:begin dot
        Random rnd = new Random(1);
        Tensor x = Tensor.randn(DType.FLOAT64, rnd, 4, 2);
        Tensor w = Tensor.randn(DType.FLOAT64, rnd, 2, 3).requiresGrad(true);
        Tensor b = Tensor.zeros(DType.FLOAT64, 3).requiresGrad(true);
        Tensor loss = x.matmul(w).add(b).crossEntropy(Tensor.ofInts(new int[] {0, 2, 1, 0}, 4));
        loss.backward(true); // keep the graph so that it can still be drawn

        String dot = Dot.write(loss, true, Map.of("x", x, "w", w, "b", b)); // true: show gradient norms
        Path dir = Files.createTempDirectory("jgrad-graphs");
        Dot.render(dot, dir.resolve("mlp.dot"));
        if (Dot.available()) {
            Dot.render(dot, dir.resolve("mlp.svg")); // runs Graphviz: dot -Tsvg
        }
        // tutorial:end dot
        assertTrue(Files.readString(dir.resolve("mlp.dot")).contains("label=\"w\\n[2, 3] float64\\n‖∂L/∂·‖"));
        assertEquals(Dot.available(), Files.exists(dir.resolve("mlp.svg")));
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Test
    void transformer() {
        // tutorial:begin transformer
        TransformerLM.Config config = new TransformerLM.Config(16, 8, 16, 2, 2, 32, 10000);
        TransformerLM model = new TransformerLM(config, new Random(0)); // float32
        AdamW optimizer = new AdamW(model.namedParameters(), 1e-2, 0.9, 0.999, 1e-8, 0.0);
        Tensor ids = Tensor.ofInts(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 8); // [B = 1, T = 8]
        Tensor next = Tensor.ofInts(new int[] {2, 3, 4, 5, 6, 7, 8, 9}, 1, 8); // each token's successor

        Tensor first = model.forward(ids).crossEntropy(next); // logits [1, 8, 16] against next [1, 8]
        BackwardTrace trace = Explain.backward(first, Explain.Options.defaults().withLimit(2));
        optimizer.step();
        optimizer.zeroGrad();
        for (int step = 1; step < 30; step++) {
            Tensor loss = model.forward(ids).crossEntropy(next);
            loss.backward();
            optimizer.step();
            optimizer.zeroGrad();
        }
        // tutorial:end transformer
        assertEquals("crossEntropy", trace.steps().get(0).op());
        assertTrue(trace.visited() > 20, () -> trace.visited() + " nodes");
        assertTrue(trace.nanOrigin() == null);
        double start = first.item();
        double end = model.forward(ids).crossEntropy(next).item();
        assertEquals(Math.log(16), start, 0.5); // an untrained model is close to uniform over 16 tokens
        assertTrue(end < start / 4, () -> "loss went from " + start + " to " + end);
    }

    @Test
    void sigmoidProperty() {
        // tutorial:begin sigmoidProperty
        qt().withExamples(30).forAll(Gens.shapes(), longs().all()).checkAssert((shape, seed) -> {
            Tensor x = Gens.input(new Random(seed), shape); // float64, requiresGrad(true)
            GradCheck.check("sigmoid", xs -> xs.get(0).sigmoid(), List.of(x), seed);
        });
        // tutorial:end sigmoidProperty
    }

    @Test
    void exercise() {
        // tutorial:begin exercise
        BackwardFunction myMul = (op, g) -> {
            Mul mul = (Mul) op; // the record: its components are what forward saved
            NdArray a = mul.a().value();
            NdArray b = mul.b().value();
            return List.of(g.mul(b), g.mul(a)); // ∂L/∂a = g ⊙ b,  ∂L/∂b = g ⊙ a
        };
        System.out.println(Exercise.grade(Mul.class, myMul));
        // tutorial:end exercise
        Exercise.Verdict v = Exercise.grade(Mul.class, myMul);
        assertFalse(v.correct());
        assertEquals("a [3], b []", v.shapes());
    }

    @Test
    void exerciseFixed() {
        // tutorial:begin exerciseFixed
        BackwardFunction myMul = (op, g) -> {
            Mul mul = (Mul) op;
            NdArray a = mul.a().value();
            NdArray b = mul.b().value();
            return List.of(g.mul(b).sumTo(a.shape()), g.mul(a).sumTo(b.shape()));
        };
        System.out.println(Exercise.grade(Mul.class, myMul));
        // tutorial:end exerciseFixed
        assertTrue(Exercise.grade(Mul.class, myMul).correct());
    }

    @Test
    void exerciseWithoutG() {
        // tutorial:begin exerciseWithoutG
        BackwardFunction noChainRule = (op, g) -> {
            Mul mul = (Mul) op;
            return List.of(
                    mul.b().value().sumTo(mul.a().shape()),
                    mul.a().value().sumTo(mul.b().shape()));
        };
        System.out.println(Exercise.grade(Mul.class, noChainRule));
        // tutorial:end exerciseWithoutG
        Exercise.Verdict v = Exercise.grade(Mul.class, noChainRule);
        assertEquals("a [], b []", v.shapes());
        assertTrue(v.hint().contains("ignores g"));
    }
}
