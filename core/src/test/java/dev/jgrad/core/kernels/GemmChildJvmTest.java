package dev.jgrad.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Backend selection in fresh JVMs: a plain {@code java -cp} run, without {@code --add-modules
 * jdk.incubator.vector}, must work and fall back to EJML; with the module, {@code jgrad.gemm=ejml}
 * still chooses EJML. The child's checksum must equal the same products computed here on the same
 * backend, bit for bit.
 */
class GemmChildJvmTest {

    /** What a child JVM printed: its exit code, the key=value lines of stdout, and stderr. */
    record Child(int exitCode, Map<String, String> values, String stderr) {}

    private static Child runChild(List<String> jvmArgs) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GemmChildMain.class.getName());
        Path err = Files.createTempFile("gemm-child", ".err");
        try {
            Process process =
                    new ProcessBuilder(command).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("child JVM " + command + " did not finish in 60 s");
            }
            Map<String, String> values = new HashMap<>();
            for (String line : out.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1).trim());
                }
            }
            return new Child(process.exitValue(), values, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** Runs a child that must succeed, and returns its key=value lines. */
    private static Map<String, String> runChildOk(List<String> jvmArgs) throws IOException, InterruptedException {
        Child child = runChild(jvmArgs);
        assertEquals(0, child.exitCode(), () -> "child JVM " + jvmArgs + " failed:\n" + child.stderr());
        return child.values();
    }

    private static String checksumHere(String backendName) {
        SgemmBackend backend = Gemm.backend(backendName);
        long h = GemmChildMain.checksum((transA, transB, m, n, k, a, b, c) -> Gemm.sgemmBatched(
                "sgemm", backend, Parallel.threads(), 1, transA, transB, m, n, k, a, 0, 0, b, 0, 0, c, 0, 0, true));
        return Long.toHexString(h);
    }

    @Test
    void plainJavaWithoutTheIncubatorModuleFallsBackToEjml() throws Exception {
        Map<String, String> child = runChildOk(List.of());
        assertEquals("ejml", child.get("backend"), child.toString());
        assertEquals("plain", child.get("floatMath"), child.toString());
        assertEquals(checksumHere("ejml"), child.get("checksum"));
    }

    @Test
    void thePropertyOverridesTheModule() throws Exception {
        // With the module present the default is the vector kernel (checked in GemmTest, in process).
        Map<String, String> ejml = runChildOk(List.of("--add-modules=jdk.incubator.vector", "-Djgrad.gemm=ejml"));
        assertEquals("ejml", ejml.get("backend"), ejml.toString());
        assertEquals("plain", ejml.get("floatMath"), ejml.toString()); // one switch for every kernel
        assertEquals(checksumHere("ejml"), ejml.get("checksum"));
    }

    @Test
    void askingForTheVectorKernelWithoutTheModuleFailsWithAHint() throws Exception {
        Child child = runChild(List.of("-Djgrad.gemm=vector"));
        assertNotEquals(0, child.exitCode());
        assertTrue(
                child.stderr()
                        .contains("gemm: jgrad.gemm=vector but module jdk.incubator.vector is not in the boot layer"),
                child.stderr());
    }
}
