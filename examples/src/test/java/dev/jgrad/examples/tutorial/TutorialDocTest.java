package dev.jgrad.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/tutorial.md cannot drift from the code: each fenced block sits under a marker saying where its
 * text comes from, and must equal that text exactly.
 *
 * <pre>
 *   &lt;!-- snippet: NAME --&gt;   + ```java   the region between // tutorial:begin NAME and // tutorial:end NAME
 *                                         in TutorialTest (which runs it), indentation removed
 *   &lt;!-- output: METHOD --&gt;  + ```text   what TutorialTest.METHOD() prints to System.out
 *   &lt;!-- source: PATH --&gt;    + ```java   the file PATH (from the repository root) from its class Javadoc on
 * </pre>
 *
 * A ```java block without a marker fails, as does a snippet region the tutorial does not show. After
 * changing a snippet (or a printout), regenerate the blocks with
 * {@code mvn -pl examples test -Dtest=TutorialDocTest -Djgrad.tutorial.update=true} and review the diff.
 */
class TutorialDocTest {
    private static final Pattern MARKER = Pattern.compile("<!-- (snippet|output|source): (\\S+) -->");
    private static final Pattern BEGIN = Pattern.compile("^\\s*// tutorial:begin (\\S+)\\s*$");
    private static final Pattern END = Pattern.compile("^\\s*// tutorial:end (\\S+)\\s*$");
    private static final String SNIPPETS = "examples/src/test/java/dev/jgrad/examples/tutorial/TutorialTest.java";

    @Test
    void everyBlockOfTheTutorialIsTheCodeOrOutputItClaims() throws IOException {
        Path root = repositoryRoot();
        Path doc = root.resolve("docs/tutorial.md");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        Map<String, String> snippets = regions(Files.readString(root.resolve(SNIPPETS), StandardCharsets.UTF_8));
        Set<String> used = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        String synced = sync(
                text,
                (kind, name) -> {
                    switch (kind) {
                        case "snippet":
                            used.add(name);
                            if (!snippets.containsKey(name)) {
                                throw new IllegalStateException(
                                        "no region // tutorial:begin " + name + " in " + SNIPPETS);
                            }
                            return snippets.get(name);
                        case "output":
                            return output(name);
                        default:
                            return source(root.resolve(name));
                    }
                },
                problems);
        Set<String> unused = new LinkedHashSet<>(snippets.keySet());
        unused.removeAll(used);
        if (!unused.isEmpty()) {
            problems.add("snippet regions not shown in docs/tutorial.md: " + unused);
        }
        if (!synced.equals(text)) {
            if (Boolean.getBoolean("jgrad.tutorial.update")) {
                Files.writeString(doc, synced, StandardCharsets.UTF_8);
            } else {
                problems.add(
                        "blocks differ from their code or output:\n" + firstDifference(text, synced)
                                + "\nregenerate with mvn -pl examples test -Dtest=TutorialDocTest -Djgrad.tutorial.update=true");
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    @Test
    void syncReplacesMarkedBlocksAndRejectsUnmarkedJava() {
        String doc = "intro\n<!-- snippet: a -->\n```java\nold\n```\ntext\n<!-- output: b -->\n```text\nx\n```\n";
        List<String> problems = new ArrayList<>();
        String out = sync(doc, (kind, name) -> kind + " " + name + "\n", problems);
        assertEquals(
                "intro\n<!-- snippet: a -->\n```java\nsnippet a\n```\ntext\n<!-- output: b -->\n```text\noutput b\n```\n",
                out);
        assertTrue(problems.isEmpty(), problems::toString);
        sync("```java\nint x;\n```\n", (kind, name) -> "", problems);
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("line 1"), problems::toString);
    }

    @Test
    void regionsAreDedentedAndMustBeClosed() {
        Map<String, String> r =
                regions("  class X {\n    // tutorial:begin a\n    int x;\n      y();\n    // tutorial:end a\n  }\n");
        assertEquals(Map.of("a", "int x;\n  y();\n"), r);
        assertThrows(IllegalStateException.class, () -> regions("// tutorial:begin a\nint x;\n"));
    }

    /** The doc with every marked block's body replaced by {@code body.apply(kind, name)}. */
    static String sync(String doc, BlockSource body, List<String> problems) {
        String[] lines = doc.split("\n", -1);
        StringBuilder out = new StringBuilder();
        String pendingKind = null;
        String pendingName = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher m = MARKER.matcher(line.strip());
            if (m.matches()) {
                pendingKind = m.group(1);
                pendingName = m.group(2);
                out.append(line).append('\n');
                continue;
            }
            if (line.startsWith("```") && line.length() > 3) {
                String lang = line.substring(3).strip();
                int close = i + 1;
                while (close < lines.length && !lines[close].equals("```")) {
                    close++;
                }
                if (close == lines.length) {
                    problems.add("docs/tutorial.md line " + (i + 1) + ": ``` block is never closed");
                    out.append(line).append('\n');
                    continue;
                }
                out.append(line).append('\n');
                if (pendingKind != null) {
                    out.append(body.text(pendingKind, pendingName));
                } else {
                    if (lang.equals("java")) {
                        problems.add("docs/tutorial.md line " + (i + 1)
                                + ": a ```java block needs a <!-- snippet: NAME --> or <!-- source: PATH --> marker");
                    }
                    for (int j = i + 1; j < close; j++) {
                        out.append(lines[j]).append('\n');
                    }
                }
                out.append("```");
                i = close;
                if (i < lines.length - 1) {
                    out.append('\n');
                }
                pendingKind = null;
                continue;
            }
            if (!line.isBlank()) {
                pendingKind = null;
            }
            out.append(line);
            if (i < lines.length - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    /** What goes in a block: the text for a marker, ending in a newline. */
    interface BlockSource {
        String text(String kind, String name);
    }

    /** Regions between {@code // tutorial:begin NAME} and {@code // tutorial:end NAME}, dedented. */
    static Map<String, String> regions(String source) {
        Map<String, String> out = new LinkedHashMap<>();
        String name = null;
        List<String> body = new ArrayList<>();
        for (String line : source.split("\n", -1)) {
            Matcher b = BEGIN.matcher(line);
            Matcher e = END.matcher(line);
            if (b.matches()) {
                name = b.group(1);
                body.clear();
            } else if (e.matches()) {
                if (!e.group(1).equals(name)) {
                    throw new IllegalStateException("tutorial:end " + e.group(1) + " closes region " + name);
                }
                out.put(name, dedent(body));
                name = null;
            } else if (name != null) {
                body.add(line);
            }
        }
        if (name != null) {
            throw new IllegalStateException("tutorial:begin " + name + " is never closed");
        }
        return out;
    }

    private static String dedent(List<String> lines) {
        int indent = Integer.MAX_VALUE;
        for (String l : lines) {
            if (!l.isBlank()) {
                indent = Math.min(indent, l.length() - l.stripLeading().length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return sb.toString();
    }

    /** What {@code TutorialTest.method()} prints (in {@link Locale#ROOT}, so that 0.5 is not 0,5). */
    private static String output(String method) {
        PrintStream saved = System.out;
        Locale locale = Locale.getDefault();
        Locale.setDefault(Locale.ROOT);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            Method m = TutorialTest.class.getDeclaredMethod(method);
            m.setAccessible(true);
            System.setOut(capture);
            m.invoke(new TutorialTest());
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("<!-- output: " + method + " -->: TutorialTest has no method " + method, e);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("TutorialTest." + method + " failed", e.getCause());
        } finally {
            System.setOut(saved);
            Locale.setDefault(locale);
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        return s.endsWith("\n") ? s : s + "\n";
    }

    /** The file from the first line that opens its class Javadoc to the end. */
    private static String source(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8);
            int start = s.indexOf("\n/**");
            if (start < 0) {
                throw new IllegalStateException(file + " has no class Javadoc");
            }
            return s.substring(start + 1);
        } catch (IOException e) {
            throw new IllegalStateException("<!-- source: " + file + " -->: cannot read it", e);
        }
    }

    private static String firstDifference(String a, String b) {
        String[] x = a.split("\n", -1);
        String[] y = b.split("\n", -1);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (!x[i].equals(y[i])) {
                return "docs/tutorial.md line " + (i + 1) + ":\n  doc:  " + x[i] + "\n  code: " + y[i];
            }
        }
        return "docs/tutorial.md: length differs (" + x.length + " vs " + y.length + " lines)";
    }

    /** The directory above the working directory that holds docs/tutorial.md. */
    static Path repositoryRoot() {
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("docs/tutorial.md"))) {
                return d;
            }
        }
        throw new IllegalStateException(
                "cannot find docs/tutorial.md above " + Paths.get("").toAbsolutePath());
    }
}
