package dev.jgrad.examples.lessons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.explain.Dot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphPicturesTest {
    @Test
    void writesBothGraphsWithNamedParametersAndGradients(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        GraphPictures.Result r = GraphPictures.run(dir, new PrintStream(log, true, StandardCharsets.UTF_8));

        String mlp = Files.readString(dir.resolve("mlp.dot"), StandardCharsets.UTF_8);
        // x, W1, b1, W2, b2 and six ops: matmul, add, tanh, matmul, add, crossEntropy
        assertEquals(11, r.mlpNodes(), mlp);
        for (String name : new String[] {"W1\\n[2, 3]", "b1\\n[3]", "W2\\n[3, 2]", "b2\\n[2]", "x\\n[4, 2]"}) {
            assertTrue(mlp.contains("label=\"" + name), name + " missing in\n" + mlp);
        }
        assertTrue(mlp.contains("tanh\\n[4, 3]"), mlp);
        assertTrue(mlp.contains("‖g‖"), "edges carry gradient norms:\n" + mlp);

        String block = Files.readString(dir.resolve("transformer-block.dot"), StandardCharsets.UTF_8);
        for (String p : new String[] {"attn.q_proj.weight", "ln1.weight", "ffn.w1.weight", "ln2.weight"}) {
            assertTrue(block.contains("label=\"" + p + "\\n"), p + " missing in the block's picture");
        }
        assertTrue(r.blockNodes() > r.mlpNodes());
        assertEquals(r.rendered() ? 4 : 2, r.files().size());
        if (r.rendered()) {
            assertTrue(Files.readString(dir.resolve("mlp.svg"), StandardCharsets.UTF_8)
                    .contains("<svg"));
        } else {
            assertTrue(log.toString(StandardCharsets.UTF_8).contains(Dot.INSTALL_HINT));
        }
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("mlp") && text.contains("transformer-block"), text);
    }
}
