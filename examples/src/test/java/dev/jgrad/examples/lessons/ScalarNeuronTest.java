package dev.jgrad.examples.lessons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScalarNeuronTest {
    // The lesson's inputs, and the gradients derived here from the chain rule (not taken from the lesson):
    // n = x1·w1 + x2·w2 + b, o = tanh n, do = 1 − o²; ∂o/∂w1 = x1·do, ∂o/∂x1 = w1·do, ∂o/∂w2 = x2·do, …
    private static final double X1 = 2, X2 = 0, W1 = -3, W2 = 1, B = 6.8813735870195432;

    private static Map<String, double[]> expected() {
        double n = X1 * W1 + X2 * W2 + B;
        double o = Math.tanh(n);
        double d = 1 - o * o;
        Map<String, double[]> m = new HashMap<>(); // name → {value, gradient}
        m.put("x1", new double[] {X1, W1 * d});
        m.put("x2", new double[] {X2, W2 * d});
        m.put("w1", new double[] {W1, X1 * d});
        m.put("w2", new double[] {W2, X2 * d});
        m.put("b", new double[] {B, d});
        m.put("x1w1", new double[] {X1 * W1, d});
        m.put("x2w2", new double[] {X2 * W2, d});
        m.put("x1w1+x2w2", new double[] {X1 * W1 + X2 * W2, d});
        m.put("n", new double[] {n, d});
        m.put("o", new double[] {o, 1});
        return m;
    }

    @Test
    void printedGradientsEqualTheHandDerivedOnes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream previous = System.out;
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            ScalarNeuron.main(new String[0]);
        } finally {
            System.setOut(previous);
        }
        Map<String, double[]> expected = expected();
        int seen = 0;
        for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length < 5
                    || !expected.containsKey(cols[0])
                    || !Set.of("leaf", "mul", "add", "tanh").contains(cols[1])) {
                continue;
            }
            // columns: node, op, [inputs…], value, grad, by hand; the last three are numbers
            double value = Double.parseDouble(cols[cols.length - 3]);
            double grad = Double.parseDouble(cols[cols.length - 2]);
            double[] e = expected.get(cols[0]);
            assertEquals(e[0], value, 5e-7, "value of " + cols[0]);
            assertEquals(e[1], grad, 5e-7, "printed gradient of " + cols[0]);
            seen++;
        }
        assertEquals(expected.size(), seen, "every node should have a printed row");
    }

    @Test
    void nodesComeInTopologicalOrderWithExactGradients() {
        List<ScalarNeuron.Node> nodes = ScalarNeuron.run();
        Map<String, double[]> expected = expected();
        assertEquals(expected.size(), nodes.size());
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            ScalarNeuron.Node nd = nodes.get(i);
            position.put(nd.name(), i);
            assertEquals(expected.get(nd.name())[1], nd.grad(), 1e-12, nd.name());
            assertEquals(nd.handGrad(), nd.grad(), 1e-12, nd.name());
            for (String in : nd.inputs().isEmpty() ? new String[0] : nd.inputs().split(", ")) {
                assertTrue(position.containsKey(in), nd.name() + " is listed before its input " + in);
            }
        }
        assertEquals("o", nodes.get(nodes.size() - 1).name());
        assertEquals("tanh", nodes.get(nodes.size() - 1).op());
        // o = tanh(0.8813735870195432) = 1/√2, so 1 − o² = ½ (the inputs were chosen for this)
        assertEquals(Math.sqrt(0.5), nodes.get(nodes.size() - 1).value(), 1e-12);
    }
}
