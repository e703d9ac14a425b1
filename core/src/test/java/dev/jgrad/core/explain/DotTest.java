package dev.jgrad.core.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DotTest {
    private static final Pattern NODE = Pattern.compile("(?m)^  n\\d+ \\[label=\"([^\"]*)\"(.*)\\];$");
    private static final Pattern EDGE = Pattern.compile("(?m)^  n\\d+ -> n\\d+.*;$");

    private final Random rnd = new Random(5);
    private final Tensor x = Tensor.randn(DType.FLOAT64, rnd, 4, 3);
    private final Tensor w = Tensor.randn(DType.FLOAT64, rnd, 3, 2).requiresGrad(true);
    private final Tensor b = Tensor.randn(DType.FLOAT64, rnd, 2).requiresGrad(true);
    private final Tensor loss = x.matmul(w).add(b).crossEntropy(Tensor.ofInts(new int[] {0, 1, 1, 0}, 4));

    private Map<String, Tensor> names() {
        Map<String, Tensor> names = new LinkedHashMap<>();
        names.put("w", w);
        names.put("b", b);
        names.put("x", x);
        return names;
    }

    @Test
    void oneNodePerTensorAndOneEdgePerInput() {
        String dot = Dot.write(loss, false, names());
        assertTrue(dot.startsWith("digraph jgrad {"), dot);
        assertEquals(6, count(NODE, dot), dot); // x, w, b, matmul, add, crossEntropy
        assertEquals(5, count(EDGE, dot), dot); // x→matmul, w→matmul, matmul→add, b→add, add→crossEntropy
        assertTrue(dot.contains("label=\"matmul\\n[4, 2] float64\""), dot);
        assertTrue(dot.contains("label=\"crossEntropy\\n[] float64\", shape=ellipse, peripheries=2"), dot);
        assertTrue(dot.contains("label=\"w\\n[3, 2] float64\", shape=box, fillcolor=\"#cfe2ff\""), dot);
        assertTrue(dot.contains("label=\"x\\n[4, 3] float64\", shape=box, style=dashed"), dot);
        assertTrue(dot.contains("[label=\"b\"]"), dot); // edges of a two-input op are named as in its rule
    }

    @Test
    void unnamedLeavesSayWhetherTheyAreParametersOrConstants() {
        String dot = Dot.write(loss, false);
        assertTrue(dot.contains("label=\"parameter\\n[3, 2] float64\""), dot);
        assertTrue(dot.contains("label=\"constant\\n[4, 3] float64\""), dot);
    }

    @Test
    void withGradsShowsEachStoredGradientsNorm() {
        Tensor plain = Tensor.of(w.value().copy()).requiresGrad(true);
        Tensor copyLoss = x.matmul(plain).add(b).crossEntropy(Tensor.ofInts(new int[] {0, 1, 1, 0}, 4));
        copyLoss.backward(true);
        String dot = Dot.write(copyLoss, true, Map.of("w", plain));
        String norm = GradStats.num(GradStats.of(plain.gradValue()).norm());
        assertTrue(dot.contains("label=\"w\\n[3, 2] float64\\n‖∂L/∂·‖ " + norm + "\""), dot);
        assertTrue(Dot.write(copyLoss, false, Map.of("w", plain)).contains("label=\"w\\n[3, 2] float64\","));
    }

    @Test
    void aRetainedTraceLabelsEveryNodeAndEdgeWithItsGradient() {
        BackwardTrace trace = Explain.backward(loss, Explain.Options.defaults().withRetainGraph(true));
        String dot = Dot.write(loss, trace, names());
        String logitsNorm =
                GradStats.num(trace.steps().get(0).inputs().get(0).stats().norm());
        assertTrue(dot.contains("label=\"add\\n[4, 2] float64\\n‖∂L/∂·‖ " + logitsNorm + "\""), dot);
        String bShare =
                GradStats.num(trace.steps().get(1).inputs().get(1).stats().norm());
        assertTrue(dot.contains("[label=\"b\\n‖g‖ " + bShare + "\"]"), dot);
    }

    @Test
    void aFreedGraphIsDrawnAsFreed() {
        loss.backward();
        String dot = Dot.write(loss, false);
        assertTrue(dot.contains("crossEntropy (graph freed)"), dot);
    }

    @Test
    void rendersDotTextWithoutGraphviz(@TempDir Path dir) throws IOException {
        Path out = Dot.render(Dot.write(loss, false), dir.resolve("g.dot"));
        assertTrue(Files.readString(out, StandardCharsets.UTF_8).startsWith("digraph"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Dot.render("digraph {}", dir.resolve("g.txt")));
        assertTrue(e.getMessage().contains(".svg, .png, .pdf or .dot"), e.getMessage());
    }

    @Test
    void withoutGraphvizSaysHowToInstallIt(@TempDir Path dir) {
        assumeFalse(Dot.available(), "Graphviz is installed");
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> Dot.render("digraph {}", dir.resolve("g.svg")));
        assertTrue(e.getMessage().contains("apt-get install graphviz"), e.getMessage());
    }

    @Test
    void withGraphvizDrawsSvgAndPng(@TempDir Path dir) throws IOException {
        assumeTrue(Dot.available(), "Graphviz's dot is not on the PATH");
        String dot = Dot.write(loss, false, names());
        Path svg = Dot.render(dot, dir.resolve("g.svg"));
        assertTrue(Files.readString(svg, StandardCharsets.UTF_8).contains("<svg"));
        Path png = Dot.render(dot, dir.resolve("g.png"));
        byte[] head = Files.readAllBytes(png);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
    }

    private static int count(Pattern p, String s) {
        Matcher m = p.matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
