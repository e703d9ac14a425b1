package dev.jgrad.nn.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The public data files in {@code <repo root>/../shared/data}; tests that need them are skipped without them. */
final class SharedData {
    private SharedData() {}

    /** The file {@code name} in shared/data; skips the calling test when it is not there. */
    static Path file(String name) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path f = d.resolve("shared").resolve("data").resolve(name);
            if (Files.isRegularFile(f)) return f;
        }
        assumeTrue(
                false, "shared/data/" + name + " not found above " + Path.of("").toAbsolutePath());
        throw new AssertionError("unreachable");
    }
}
