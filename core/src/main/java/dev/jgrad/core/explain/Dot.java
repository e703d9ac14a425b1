package dev.jgrad.core.explain;

import dev.jgrad.core.ops.Op;
import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

/**
 * A computation graph as a Graphviz DOT picture: one node per tensor (an op node is labelled with its op
 * and output shape), an edge from each input to the op that used it, parameters (leaves that require
 * grad) in blue, constants dashed, the root doubled.
 *
 * <pre>
 *   String dot = Dot.write(loss, true, model.namedParameters());   // after loss.backward(): leaf gradient norms
 *   Dot.render(dot, Path.of("graph.svg"));                         // needs Graphviz's dot on the PATH
 * </pre>
 *
 * With a {@link BackwardTrace} taken with {@code retainGraph}, every op node shows ‖∂L/∂node‖ and every
 * edge the norm of the gradient that flowed back along it.
 */
public final class Dot {
    /** How to get Graphviz, for messages. */
    public static final String INSTALL_HINT = "install Graphviz: apt-get install graphviz (Debian/Ubuntu), brew install"
            + " graphviz (macOS), or see https://graphviz.org/download/";

    private static final long RENDER_TIMEOUT_SECONDS = 120;

    private Dot() {}

    /** The graph under {@code root}; with {@code withGrads}, the norm of each stored gradient. */
    public static String write(Tensor root, boolean withGrads) {
        return write(root, withGrads, Map.of());
    }

    /**
     * As {@link #write(Tensor, boolean)}, labelling leaves by name, e.g. with a module's {@code
     * namedParameters()}. Stored gradients are those of leaves (and of nodes that called {@code
     * retainGrad()}).
     */
    public static String write(Tensor root, boolean withGrads, Map<String, Tensor> names) {
        return build(root, withGrads, null, names);
    }

    /**
     * The graph under {@code root} with the gradients of one backward pass: ‖∂L/∂node‖ on every node
     * and the norm of each input's share on every edge. The trace must come from {@link
     * Explain#backward(Tensor, Explain.Options)} with {@code retainGraph}, or the graph would be gone.
     */
    public static String write(Tensor root, BackwardTrace trace, Map<String, Tensor> names) {
        return build(root, true, trace, names);
    }

    private static String build(Tensor root, boolean withGrads, BackwardTrace trace, Map<String, Tensor> names) {
        Map<Tensor, String> nameOf = new IdentityHashMap<>();
        names.forEach((name, t) -> nameOf.put(t, name));
        List<Tensor> order = order(root);
        Map<Tensor, String> id = new IdentityHashMap<>();
        for (Tensor t : order) {
            id.put(t, "n" + id.size());
        }
        StringBuilder sb = new StringBuilder();
        sb.append("digraph jgrad {\n");
        sb.append("  graph [rankdir=TB, fontname=\"Helvetica\", nodesep=0.3, ranksep=0.35];\n");
        sb.append(
                "  node [fontname=\"Helvetica\", fontsize=11, style=filled, fillcolor=\"#f2f2f2\", color=\"#555555\"];\n");
        sb.append("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\", fontcolor=\"#b03030\"];\n");
        for (Tensor t : order) {
            sb.append("  ")
                    .append(id.get(t))
                    .append(" [")
                    .append(nodeAttributes(t, t == root, nameOf, withGrads, trace));
            sb.append("];\n");
        }
        for (Tensor t : order) {
            Op op = t.op();
            if (op == null) {
                continue;
            }
            List<Tensor> inputs = op.inputs();
            List<String> inNames = OpInfo.inputNames(op);
            for (int k = 0; k < inputs.size(); k++) {
                List<String> label = new ArrayList<>();
                if (inputs.size() > 1) {
                    label.add(inNames.get(k));
                }
                if (trace != null) {
                    OptionalDouble n = trace.edgeGradNorm(t, k);
                    if (n.isPresent()) {
                        label.add("‖g‖ " + GradStats.num(n.getAsDouble()));
                    }
                }
                sb.append("  ").append(id.get(inputs.get(k))).append(" -> ").append(id.get(t));
                if (!label.isEmpty()) {
                    sb.append(" [label=\"")
                            .append(escape(String.join("\n", label)))
                            .append("\"]");
                }
                sb.append(";\n");
            }
        }
        sb.append("}\n");
        return sb.toString();
    }

    private static String nodeAttributes(
            Tensor t, boolean isRoot, Map<Tensor, String> nameOf, boolean withGrads, BackwardTrace trace) {
        List<String> lines = new ArrayList<>();
        String shape = t.shape() + (t.dtype() == DType.FLOAT32 ? "" : " " + t.dtype());
        String attributes;
        if (t.op() != null) {
            lines.add(t.op().name());
            lines.add(shape);
            attributes = "shape=ellipse";
        } else if (t.freedOp() != null) {
            lines.add(t.freedOp() + " (graph freed)");
            lines.add(shape);
            attributes = "shape=ellipse, style=dotted";
        } else if (t.requiresGrad()) {
            lines.add(nameOf.getOrDefault(t, "parameter"));
            lines.add(shape);
            attributes = "shape=box, fillcolor=\"#cfe2ff\", color=\"#2a5db0\"";
        } else {
            lines.add(nameOf.getOrDefault(t, "constant"));
            lines.add(shape);
            attributes = "shape=box, style=dashed, color=\"#888888\", fontcolor=\"#555555\"";
        }
        if (withGrads) {
            OptionalDouble n = trace == null ? OptionalDouble.empty() : trace.gradNorm(t);
            if (n.isEmpty() && t.gradValue() != null) {
                n = OptionalDouble.of(GradStats.of(t.gradValue()).norm());
            }
            if (n.isPresent()) {
                lines.add("‖∂L/∂·‖ " + GradStats.num(n.getAsDouble()));
            }
        }
        if (isRoot) {
            attributes += ", peripheries=2, fillcolor=\"#ffe3b3\"";
        }
        return "label=\"" + escape(String.join("\n", lines)) + "\", " + attributes;
    }

    /** Every tensor under {@code root}, each after its inputs (iterative, so deep graphs are fine). */
    private static List<Tensor> order(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        Deque<Object[]> stack = new ArrayDeque<>();
        seen.put(root, true);
        stack.push(new Object[] {root, 0});
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            List<Tensor> inputs = t.op() == null ? List.of() : t.op().inputs();
            int next = (Integer) frame[1];
            if (next < inputs.size()) {
                frame[1] = next + 1;
                Tensor in = inputs.get(next);
                if (seen.put(in, true) == null) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Whether Graphviz's {@code dot} is on the PATH. */
    public static boolean available() {
        return findDot() != null;
    }

    /**
     * Writes {@code dot} to {@code out}: a {@code .dot} file as is, or a picture ({@code .svg}, {@code
     * .png}, {@code .pdf}) drawn by Graphviz's {@code dot}.
     *
     * @throws IllegalStateException if a picture is asked for and {@code dot} is not installed (the
     *     message says how to install it)
     * @throws IllegalArgumentException for another file extension
     * @throws UncheckedIOException if writing or running {@code dot} fails
     */
    public static Path render(String dot, Path out) {
        String file = out.getFileName().toString();
        String format =
                file.contains(".") ? file.substring(file.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
        try {
            if (format.equals("dot") || format.equals("gv")) {
                Files.writeString(out, dot, StandardCharsets.UTF_8);
                return out;
            }
            if (!List.of("svg", "png", "pdf").contains(format)) {
                throw new IllegalArgumentException(
                        "dot: cannot render " + out + "; name the file .svg, .png, .pdf or .dot");
            }
            Path exe = findDot();
            if (exe == null) {
                throw new IllegalStateException("dot: Graphviz's dot is not on the PATH, so " + out
                        + " cannot be drawn; " + INSTALL_HINT + " (or open the .dot text in any Graphviz viewer)");
            }
            Process p = new ProcessBuilder(exe.toString(), "-T" + format, "-o", out.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(dot.getBytes(StandardCharsets.UTF_8));
            }
            String err = readAll(p.getErrorStream());
            if (!p.waitFor(RENDER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("dot: drawing " + out + " took more than " + RENDER_TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(
                        "dot: exited with status " + p.exitValue() + " drawing " + out + ": " + err.strip());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("dot: interrupted while drawing " + out, e);
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static Path findDot() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        String[] names = System.getProperty("os.name", "").startsWith("Windows")
                ? new String[] {"dot.exe", "dot"}
                : new String[] {"dot"};
        for (String dir : path.split(File.pathSeparator)) {
            for (String name : names) {
                try {
                    Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                    if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                        return candidate;
                    }
                } catch (InvalidPathException e) {
                    // a malformed PATH entry: skip it
                }
            }
        }
        return null;
    }
}
