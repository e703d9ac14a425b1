package dev.jgrad.examples.cli;

import static dev.jgrad.examples.cli.CliTestSupport.concat;
import static dev.jgrad.examples.cli.CliTestSupport.run;
import static dev.jgrad.examples.cli.CliTestSupport.tiny;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every user error ends in one line naming the problem, a non-zero exit, no stack trace, and no
 * half-written output.
 */
class BadInputTest {
    @TempDir
    static Path shared;

    static Path run;

    @BeforeAll
    static void trainOnce() {
        run = shared.resolve("run");
        CliTestSupport.Result r =
                CliTestSupport.run(concat(tiny("--steps", "2", "--sample-bytes", "0"), "--out", run.toString()));
        assertEquals(0, r.exitCode(), r.err());
    }

    @TempDir
    Path tmp;

    private static void assertUserError(CliTestSupport.Result r, String... fragments) {
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        String err = r.err()
                .replace("WARNING: Using incubator modules: jdk.incubator.vector\n", "")
                .trim();
        assertFalse(err.contains("\n"), "expected one line, got:\n" + err);
        assertFalse(err.contains("Exception"), "no stack traces or exception names for user errors: " + err);
        for (String f : fragments) {
            assertTrue(err.contains(f), "'" + f + "' missing from: " + err);
        }
    }

    @Test
    void missingDataFile() {
        Path out = tmp.resolve("out");
        assertUserError(
                run(concat(
                        tiny("--steps", "2"), "--data", tmp.resolve("nope.txt").toString(), "--out", out.toString())),
                "nope.txt",
                "does not exist");
        assertFalse(Files.exists(out), "no output directory for a failed start");
    }

    @Test
    void emptyCorpus() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty.txt"));
        Path out = tmp.resolve("out");
        assertUserError(
                run(concat(tiny("--steps", "2"), "--data", empty.toString(), "--out", out.toString())), "empty");
        assertFalse(Files.exists(out));
    }

    @Test
    void corpusTooShortForOneWindow() throws IOException {
        Path small = Files.writeString(tmp.resolve("small.txt"), "tiny text");
        Path out = tmp.resolve("out");
        assertUserError(
                run(concat(tiny("--steps", "2"), "--data", small.toString(), "--out", out.toString())),
                "--context-length");
        assertFalse(Files.exists(out));
    }

    @Test
    void zeroOrNegativeSizes() {
        assertUserError(run(concat(tiny(), "--d-model", "0")), "--d-model must be positive, got 0");
        assertUserError(run(concat(tiny(), "--batch-size", "-3")), "--batch-size must be positive, got -3");
        assertUserError(run(concat(tiny(), "--steps", "0")), "--steps must be positive");
    }

    @Test
    void headsMustDivideTheModelWidth() {
        assertUserError(run(concat(tiny(), "--heads", "3")), "--heads 3 does not divide --d-model 16");
    }

    @Test
    void unknownFlag() {
        assertUserError(run("train", "--learning-rate", "3"), "Unknown option", "--learning-rate");
        assertUserError(run("bogus"), "bogus");
    }

    @Test
    void tokenizerVocabularyMustMatchTheModel() throws IOException {
        Path tok = tmp.resolve("tok");
        Path text = Files.writeString(tmp.resolve("t.txt"), "the cat sat on the mat. ".repeat(200));
        assertEquals(
                0,
                run("tokenize", "train", "--data", text.toString(), "--vocab-size", "300", "--out", tok.toString())
                        .exitCode());
        assertUserError(
                run(
                        "eval",
                        "--weights",
                        run.resolve("model.safetensors").toString(),
                        "--config",
                        run.resolve("model.json").toString(),
                        "--tokenizer",
                        tok.toString(),
                        "--data",
                        run.resolve("val.bin").toString()),
                "the tokenizer has",
                "vocab_size is 256");
    }

    @Test
    void tokenIdBeyondTheVocabulary() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2 * 40).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 40; i++) {
            b.putShort((short) (i == 17 ? 300 : 65));
        }
        Path bin = Files.write(tmp.resolve("bad.bin"), b.array());
        assertUserError(run("eval", "--run", run.toString(), "--data", bin.toString()), "300", "position 17");
    }

    @Test
    void corruptCheckpoint() throws IOException {
        Path weights = run.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Path broken = Files.write(tmp.resolve("broken.safetensors"), Arrays.copyOf(bytes, bytes.length / 2));
        assertUserError(
                run(
                        "eval",
                        "--weights",
                        broken.toString(),
                        "--config",
                        run.resolve("model.json").toString(),
                        "--tokenizer",
                        "byte",
                        "--data",
                        run.resolve("val.bin").toString()),
                "broken.safetensors");
    }

    @Test
    void missingRunDirectory() {
        assertUserError(run("generate", "--run", tmp.resolve("nothing").toString()), "nothing");
    }

    @Test
    void aRunDirectoryIsNeverOverwritten() {
        assertUserError(run(concat(tiny("--steps", "2"), "--out", run.toString())), "already holds a run", "--resume");
    }
}
