package dev.jgrad.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgrad.core.ops.Cast;
import dev.jgrad.core.ops.Op;
import dev.jgrad.core.testing.GradientProperty;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.commons.annotation.Testable;

/**
 * Every differentiable op has a test of its backward: the permitted subclasses of the sealed {@link Op}
 * are matched against the {@link GradientProperty} annotations on the methods of every compiled test
 * class (found by walking the directory this class was loaded from, normally {@code target/test-classes}).
 * A new op without a gradient property fails here, by name.
 */
class EveryOpHasAGradientPropertyTest {
    /**
     * Ops whose backward finite differences cannot check, with the reason; each must still have a
     * {@code @GradientProperty(value = …, by = KNOWN_VALUES)} test comparing its backward with a gradient
     * derived by hand.
     */
    private static final Map<Class<? extends Op>, String> NOT_FINITE_DIFFERENCE_CHECKABLE = Map.of(
            Cast.class,
            "its only differentiable use goes through float32 (float64 → float32 → float64), and rounding x ± h to"
                    + " float32 (spacing ≈ 1.2e-7 near 1) swamps h = 1e-6: the finite difference is off by up"
                    + " to ~6%, far beyond rtol 1e-3, however correct the backward is");

    private static Map<Class<?>, Map<GradientProperty.Check, List<String>>> coverage;
    private static List<String> unloadable;

    @BeforeAll
    static void scanCompiledTests() throws URISyntaxException {
        Path root = Paths.get(EveryOpHasAGradientPropertyTest.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        coverage = new HashMap<>();
        unloadable = new ArrayList<>();
        List<String> unmarked = new ArrayList<>();
        ClassLoader loader = EveryOpHasAGradientPropertyTest.class.getClassLoader();
        for (String name : classNames(root)) {
            Method[] methods;
            try {
                methods = Class.forName(name, false, loader).getDeclaredMethods();
            } catch (ClassNotFoundException | LinkageError e) {
                unloadable.add(name + " (" + e + ")");
                continue;
            }
            for (Method m : methods) {
                GradientProperty[] marks = m.getAnnotationsByType(GradientProperty.class);
                if (marks.length > 0 && !isTest(m)) {
                    unmarked.add(name + "." + m.getName());
                }
                for (GradientProperty mark : marks) {
                    coverage.computeIfAbsent(mark.value(), k -> new TreeMap<>())
                            .computeIfAbsent(mark.by(), k -> new ArrayList<>())
                            .add(name + "." + m.getName());
                }
            }
        }
        assertTrue(
                unmarked.isEmpty(),
                () -> "@GradientProperty on methods that JUnit does not run (no @Test or @ParameterizedTest): "
                        + unmarked);
    }

    /** Binary names of the classes under {@code root}, from their {@code .class} paths. */
    private static List<String> classNames(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> {
                        String rel = root.relativize(p).toString();
                        return rel.substring(0, rel.length() - ".class".length())
                                .replace(p.getFileSystem().getSeparator(), ".");
                    })
                    .filter(n -> !n.endsWith("module-info") && !n.endsWith("package-info"))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("coverage: cannot walk compiled tests at " + root, e);
        }
    }

    /**
     * Whether JUnit runs {@code m}: one of its annotations is, directly or through its own annotations
     * ({@code @ParameterizedTest} → {@code @TestTemplate}), marked {@link Testable}.
     */
    private static boolean isTest(Method m) {
        for (Annotation a : m.getAnnotations()) {
            if (isTestable(a.annotationType(), new HashSet<>())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTestable(Class<? extends Annotation> type, Set<Class<?>> seen) {
        if (!seen.add(type)) {
            return false;
        }
        if (type.isAnnotationPresent(Testable.class)) {
            return true;
        }
        for (Annotation meta : type.getAnnotations()) {
            if (isTestable(meta.annotationType(), seen)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theScanFindsThisModulesGradientProperties() {
        // Guards against a scan that silently finds nothing (wrong directory, renamed annotation).
        assertFalse(coverage.isEmpty(), "no @GradientProperty found under the test classes directory");
    }

    @Test
    void everyOpHasAGradientProperty() {
        List<String> missing = new ArrayList<>();
        for (Class<?> op : Op.class.getPermittedSubclasses()) {
            Map<GradientProperty.Check, List<String>> found = coverage.getOrDefault(op, Map.of());
            if (found.isEmpty()) {
                missing.add(op.getSimpleName() + " has no test method annotated @GradientProperty(" + op.getSimpleName()
                        + ".class)");
            } else if (!found.containsKey(GradientProperty.Check.FINITE_DIFFERENCES)
                    && !NOT_FINITE_DIFFERENCE_CHECKABLE.containsKey(op)) {
                missing.add(op.getSimpleName() + " is only checked against known values " + found
                        + "; give it a GradCheck property");
            }
        }
        if (!missing.isEmpty()) {
            fail(String.join("\n", missing)
                    + (unloadable.isEmpty() ? "" : "\n(test classes that could not be loaded: " + unloadable + ")"));
        }
    }

    @Test
    void opsExemptFromFiniteDifferencesStillHaveAKnownValueBackwardTest() {
        for (Map.Entry<Class<? extends Op>, String> e : NOT_FINITE_DIFFERENCE_CHECKABLE.entrySet()) {
            Set<GradientProperty.Check> kinds = EnumSet.noneOf(GradientProperty.Check.class);
            kinds.addAll(coverage.getOrDefault(e.getKey(), Map.of()).keySet());
            assertTrue(
                    kinds.contains(GradientProperty.Check.KNOWN_VALUES),
                    () -> e.getKey().getSimpleName() + " is exempt from finite differences (" + e.getValue()
                            + ") but has no @GradientProperty(value = "
                            + e.getKey().getSimpleName()
                            + ".class, by = KNOWN_VALUES) test");
        }
    }
}
