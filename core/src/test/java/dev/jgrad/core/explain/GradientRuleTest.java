package dev.jgrad.core.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgrad.core.ops.GradientRule;
import dev.jgrad.core.ops.Op;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The backward rule an explain trace prints comes from {@link GradientRule}, and the rule a reader sees
 * is the Javadoc's {@code backward} line: this test reads every op's source file and fails when the two
 * differ, or when a permitted {@link Op} has no rule, so they cannot drift apart.
 */
class GradientRuleTest {
    private static final Pattern BACKWARD_LINE = Pattern.compile("^(\\s*)backward(\\s+)(.*)$");

    @Test
    void everyPermittedOpHasAGradientRule() {
        List<String> missing = new ArrayList<>();
        for (Class<?> op : Op.class.getPermittedSubclasses()) {
            if (op.getAnnotation(GradientRule.class) == null) {
                missing.add(op.getSimpleName());
            }
        }
        assertTrue(
                missing.isEmpty(),
                () -> "ops without @GradientRule (copy the Javadoc's backward line(s), see GradientRule): " + missing);
    }

    @Test
    void everyRuleIsTheJavadocsBackwardLine() throws IOException {
        Path dir = opsSourceDir();
        List<String> problems = new ArrayList<>();
        for (Class<?> op : Op.class.getPermittedSubclasses()) {
            GradientRule rule = op.getAnnotation(GradientRule.class);
            if (rule == null) {
                continue; // reported by everyPermittedOpHasAGradientRule
            }
            Path file = dir.resolve(op.getSimpleName() + ".java");
            String source = Files.readString(file, StandardCharsets.UTF_8);
            List<String> javadoc = backwardRule(classJavadoc(source, op.getSimpleName()));
            if (javadoc.isEmpty()) {
                problems.add(op.getSimpleName() + ": its Javadoc <pre> block has no backward line");
            } else if (!javadoc.equals(Arrays.asList(rule.value()))) {
                problems.add(op.getSimpleName() + ": @GradientRule " + Arrays.asList(rule.value())
                        + " differs from the Javadoc's backward rule " + javadoc);
            }
            if (!annotationDirectlyAboveRecord(source, op.getSimpleName())) {
                problems.add(
                        op.getSimpleName() + ": @GradientRule should sit between the class Javadoc and the record");
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    @Test
    void parserTakesContinuationLinesDecodesEntitiesAndStopsAtTheNextKeyword() {
        String javadoc = String.join(
                "\n",
                "/**",
                " * Something.",
                " * <pre>",
                " *   shapes    x [n]",
                " *   backward  ∂L/∂x = g ⊙ [x &gt; 0]   ",
                " *             ∂L/∂w = Σ g &amp; more",
                " *   forward   y = x",
                " *             not part of the rule",
                " * </pre>",
                " */");
        assertEquals(List.of("∂L/∂x = g ⊙ [x > 0]", "∂L/∂w = Σ g & more"), backwardRule(javadoc));
    }

    @Test
    void parserFindsNoRuleWithoutABackwardLine() {
        String javadoc = "/**\n * <pre>\n *   forward   y = x\n * </pre>\n */";
        assertEquals(List.of(), backwardRule(javadoc));
    }

    /** {@code core/src/main/java/dev/jgrad/core/ops}, found from the working directory upwards. */
    static Path opsSourceDir() {
        String rel = "src/main/java/dev/jgrad/core/ops";
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            for (Path candidate : List.of(d.resolve(rel), d.resolve("core").resolve(rel))) {
                if (Files.isDirectory(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException(
                "cannot find core/" + rel + " above " + Paths.get("").toAbsolutePath());
    }

    /** The {@code /** … *}{@code /} block that opens at column 0 last before {@code public record name}. */
    static String classJavadoc(String source, String name) {
        int record = source.indexOf("public record " + name + "(");
        if (record < 0) {
            throw new IllegalStateException(name + ".java declares no public record " + name);
        }
        int start = source.lastIndexOf("\n/**", record);
        int end = source.indexOf("*/", start);
        return source.substring(start + 1, end + 2);
    }

    private static boolean annotationDirectlyAboveRecord(String source, String name) {
        int record = source.indexOf("public record " + name + "(");
        int docEnd = source.lastIndexOf("*/", record);
        return source.substring(docEnd + 2, record).strip().startsWith("@GradientRule(");
    }

    /**
     * The rule in a Javadoc's {@code <pre>} block: the text after {@code backward} on its line, then one
     * string per continuation line (indented past the keyword), until a blank line, another keyword line
     * or the end of the block. Trailing spaces are dropped and HTML entities decoded.
     */
    static List<String> backwardRule(String javadoc) {
        List<String> rule = new ArrayList<>();
        boolean inPre = false;
        int keywordIndent = -1;
        for (String line : javadoc.split("\n")) {
            if (line.contains("<pre>")) {
                inPre = true;
                continue;
            }
            if (line.contains("</pre>")) {
                if (!rule.isEmpty()) {
                    break;
                }
                inPre = false;
                continue;
            }
            int star = line.indexOf('*');
            if (!inPre || star < 0) {
                continue;
            }
            String content = line.substring(star + 1);
            if (keywordIndent < 0) {
                Matcher m = BACKWARD_LINE.matcher(content);
                if (m.matches()) {
                    keywordIndent = m.group(1).length();
                    rule.add(decode(m.group(3).stripTrailing()));
                }
            } else {
                int indent = content.length() - content.stripLeading().length();
                if (content.isBlank() || indent <= keywordIndent) {
                    break;
                }
                rule.add(decode(content.strip()));
            }
        }
        return rule;
    }

    private static String decode(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&#64;", "@").replace("&amp;", "&");
    }
}
