package dev.jgrad.examples.lessons;

import dev.jgrad.core.explain.BackwardTrace;
import dev.jgrad.core.explain.Dot;
import dev.jgrad.core.explain.Explain;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.modules.RotaryEmbedding;
import dev.jgrad.nn.modules.TransformerBlock;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Lesson 4: pictures of two computation graphs, with the gradient that flowed back along every edge.
 *
 * <pre>
 *   tiny MLP           logits = tanh(x · W1 + b1) · W2 + b2,   L = crossEntropy(logits, y)      x [4, 2]
 *   Transformer block  h = x + attn(rmsNorm(x)),  y = h + swiglu(rmsNorm(h)),   L = mean(y²)    x [1, 4, 8]
 * </pre>
 *
 * Each graph is built, backpropagated once with {@link Explain#backward} (keeping the graph, so that it can
 * still be drawn), and written as Graphviz DOT: one node per tensor, an op's node labelled with the op and
 * its output shape, parameters in blue, constants dashed, and on each node ‖∂L/∂node‖ and on each edge the
 * norm of the gradient its op sent back to that input. With Graphviz's {@code dot} on the PATH it also
 * writes SVG pictures; without it, it says how to install it and the .dot files can be drawn later with
 * {@code dot -Tsvg mlp.dot -o mlp.svg}.
 *
 * <p>The block's loss, the mean of y², is a stand-in: any scalar will do to see what backward visits. Read
 * the block's picture from the bottom (the loss) up: both residual additions hand the same gradient to
 * the stream and to their branch, which is why deep residual stacks still train.
 *
 * <p>Writes to {@code args[0]} (default {@code graphs/}); runs in about a second, plus dot's time.
 */
public final class GraphPictures {
    static final long SEED = 7;

    private GraphPictures() {}

    /** What was written: the files, the node count of each graph, and whether pictures were drawn. */
    public record Result(List<Path> files, int mlpNodes, int blockNodes, boolean rendered) {}

    public static void main(String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : "graphs");
        Result r = run(dir, System.out);
        System.out.printf(
                Locale.ROOT,
                "%d files in %s (MLP graph %d nodes, Transformer block graph %d nodes)%n",
                r.files().size(),
                dir,
                r.mlpNodes(),
                r.blockNodes());
    }

    /** Builds, backpropagates and writes both graphs into {@code dir}; progress lines go to {@code log}. */
    public static Result run(Path dir, PrintStream log) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("graph pictures: cannot create " + dir, e);
        }
        Random rnd = new Random(SEED);
        boolean draw = Dot.available();
        if (!draw) {
            log.println("Graphviz's dot is not on the PATH: writing .dot files only; " + Dot.INSTALL_HINT);
        }
        List<Path> files = new ArrayList<>();

        // 1. A tiny MLP, written out with plain tensors so that every parameter has a short name.
        Map<String, Tensor> mlp = new LinkedHashMap<>();
        mlp.put("x", Tensor.randn(DType.FLOAT64, rnd, 4, 2));
        mlp.put("W1", Tensor.randn(DType.FLOAT64, rnd, 2, 3).requiresGrad(true));
        mlp.put("b1", Tensor.zeros(DType.FLOAT64, 3).requiresGrad(true));
        mlp.put("W2", Tensor.randn(DType.FLOAT64, rnd, 3, 2).requiresGrad(true));
        mlp.put("b2", Tensor.zeros(DType.FLOAT64, 2).requiresGrad(true));
        Tensor logits = mlp.get("x")
                .matmul(mlp.get("W1"))
                .add(mlp.get("b1"))
                .tanh()
                .matmul(mlp.get("W2"))
                .add(mlp.get("b2"));
        Tensor mlpLoss = logits.crossEntropy(Tensor.ofInts(new int[] {0, 1, 1, 0}, 4));
        int mlpNodes = write("mlp", mlpLoss, mlp, dir, draw, files, log);

        // 2. One pre-norm Transformer block (attention with RoPE, SwiGLU feed-forward), d_model 8, 2 heads.
        int dModel = 8;
        int heads = 2;
        RotaryEmbedding rope = new RotaryEmbedding(10000, dModel / heads, 4);
        TransformerBlock block = new TransformerBlock(dModel, heads, 16, rope, DType.FLOAT32, rnd);
        Tensor x = Tensor.randn(rnd, 1, 4, dModel);
        Tensor blockLoss = block.forward(x).pow(2).mean();
        Map<String, Tensor> names = new LinkedHashMap<>(block.namedParameters());
        names.put("x", x);
        int blockNodes = write("transformer-block", blockLoss, names, dir, draw, files, log);

        return new Result(files, mlpNodes, blockNodes, draw);
    }

    /** Backpropagates {@code loss} keeping the graph, then writes NAME.dot (and NAME.svg); returns the node count. */
    private static int write(
            String name,
            Tensor loss,
            Map<String, Tensor> names,
            Path dir,
            boolean draw,
            List<Path> files,
            PrintStream log) {
        BackwardTrace trace = Explain.backward(loss, Explain.Options.defaults().withRetainGraph(true));
        String dot = Dot.write(loss, trace, names);
        files.add(Dot.render(dot, dir.resolve(name + ".dot")));
        if (draw) {
            files.add(Dot.render(dot, dir.resolve(name + ".svg")));
        }
        int nodes = (int) dot.lines().filter(l -> l.matches("  n\\d+ \\[.*")).count();
        log.printf(
                Locale.ROOT,
                "%-18s loss %.4f, %d nodes (%d ops visited by backward) → %s%n",
                name,
                loss.item(),
                nodes,
                trace.visited(),
                dir.resolve(name + (draw ? ".{dot,svg}" : ".dot")));
        return nodes;
    }
}
