package dev.jgrad.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.checkpoint.Checkpoint;
import dev.jgrad.nn.modules.TransformerLM;
import dev.jgrad.nn.optim.AdamW;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run directory's own config files, damaged, as {@code --resume} and {@code eval --run} read them:
 * run.json and model.json are opened, the model is built and the checkpoint restored into it. Each
 * input must resume or fail with a {@link UserError}, an {@link IllegalArgumentException} or an
 * {@link IOException} whose message names the file or the loader; a config too large for the JVM is
 * refused before anything is allocated ({@link ModelBudget}).
 */
class RunFilesFuzzTest {
    @TempDir
    Path tmp;

    private Path trainTinyRun() throws IOException {
        TrainOptions o = TinyRuns.options(tmp.resolve("run"), 4);
        o.stopAfter = 2;
        o.sampleBytes = 0;
        TinyRuns.quietTrainer().train(o);
        return o.out;
    }

    @Test
    void theParameterCountMatchesTheModel() {
        for (TransformerLM.Config c : List.of(
                new TransformerLM.Config(20, 4, 8, 1, 2, 16, 10_000),
                new TransformerLM.Config(257, 16, 24, 3, 3, 40, 500),
                new TransformerLM.Config(5, 2, 4, 2, 1, 6, 1))) {
            assertEquals(new TransformerLM(c, new Random(0)).numParameters(), ModelBudget.parameters(c), c::toString);
        }
    }

    @Test
    void aConfigTooLargeForTheJvmIsRefusedBeforeAllocating() {
        // d_model² just under 2³¹: every weight fits an array, but 4 layers of them need ~140 GB
        TransformerLM.Config huge = new TransformerLM.Config(257, 64, 46_340, 4, 2, 64, 10_000);
        UserError e = assertThrows(UserError.class, () -> ModelBudget.checkLoading(huge, "model.json"));
        assertTrue(e.getMessage().startsWith("model.json: a model with "), e.getMessage());
        assertTrue(e.getMessage().contains("this JVM may use"), e.getMessage());
        TransformerLM.Config wide = new TransformerLM.Config(257, 64, 1 << 24, 1, 2, 64, 10_000);
        e = assertThrows(UserError.class, () -> ModelBudget.checkTraining(wide, 8, "model.json"));
        assertTrue(e.getMessage().contains("more than one Java array can"), e.getMessage());
        TransformerLM.Config longContext = new TransformerLM.Config(257, Integer.MAX_VALUE, 8, 1, 2, 16, 10_000);
        assertThrows(UserError.class, () -> ModelBudget.checkLoading(longContext, "model.json"));
    }

    @Test
    void damagedRunJsonAndModelJsonFailCleanly() throws Exception {
        Path dir = trainTinyRun();
        String runJson = Files.readString(dir.resolve("run.json"));
        String modelJson = Files.readString(dir.resolve("model.json"));
        List<String> prefixes = List.of(
                dir.toString(),
                "run.json",
                "model.json",
                "config",
                "json: ",
                "TransformerLM.Config: ",
                "checkpoint: ",
                "tokenFile: ",
                "the tokenizer in ");
        Map<String, Integer> rejected = new TreeMap<>();
        List<String> surprises = new ArrayList<>();
        int[] loaded = {0};
        int inputs = 1_500;
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            for (long seed = 0; seed < inputs; seed++) {
                Mutator mut = new Mutator(seed);
                boolean model = mut.random().nextInt(3) == 0;
                Files.write(
                        dir.resolve("run.json"),
                        (model ? runJson : mut.json(runJson)).getBytes(StandardCharsets.UTF_8));
                Files.write(
                        dir.resolve("model.json"),
                        (model ? mut.json(modelJson) : modelJson).getBytes(StandardCharsets.UTF_8));
                try {
                    RunDir run = RunDir.open(dir, 0);
                    TransformerLM m = new TransformerLM(run.modelConfig(), new Random(0));
                    Checkpoint.load(run.checkpointPath()).restore(m, new AdamW(m.namedParameters()));
                    loaded[0]++;
                } catch (UserError | IllegalArgumentException | IOException e) {
                    String msg = e.getMessage();
                    if (msg != null && prefixes.stream().anyMatch(msg::startsWith)) {
                        rejected.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                    } else if (surprises.size() < 10) {
                        surprises.add("seed " + seed + ": " + e.getClass().getName() + ": " + msg);
                    }
                } catch (Throwable t) {
                    if (surprises.size() < 10) {
                        surprises.add("seed " + seed + ": " + t.getClass().getName() + ": " + t.getMessage() + " at "
                                + (t.getStackTrace().length > 0 ? t.getStackTrace()[0] : "?"));
                    }
                }
            }
        });
        System.out.printf(
                "hostile files: run directories, %d inputs: %d resumed, rejected %s%n", inputs, loaded[0], rejected);
        assertEquals(List.of(), surprises);
    }

    /** Text damage for JSON, as in the nn fuzz tests: edge-case values, dropped and doubled text, deep nesting. */
    private static final class Mutator {
        private static final List<String> VALUES = List.of(
                "null",
                "true",
                "\"\"",
                "\"bpe\"",
                "\"byte\"",
                "[]",
                "{}",
                "0",
                "-1",
                "1",
                "2",
                "3",
                "1.5",
                "1e308",
                "1e309",
                "2147483647",
                "2147483648",
                "4294967304",
                "9223372036854775807",
                "-9223372036854775808",
                "100000",
                "1e-300",
                "\"\\ud800\"",
                "[\"<|endoftext|>\", \"<|endoftext|>\"]",
                "[\"\"]",
                "[1]");

        private final Random rnd;

        Mutator(long seed) {
            rnd = new Random(seed);
        }

        Random random() {
            return rnd;
        }

        String json(String in) {
            String out = in;
            int n = 1 + rnd.nextInt(3);
            for (int i = 0; i < n; i++) {
                out = once(out);
            }
            return out;
        }

        private String once(String in) {
            if (in.isEmpty()) {
                return VALUES.get(rnd.nextInt(VALUES.size()));
            }
            switch (rnd.nextInt(6)) {
                case 0:
                case 1:
                case 2: { // replace the value after a random key
                    List<int[]> spans = new ArrayList<>();
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                                    "(?<=\": )(?:\"[^\"\\\\]*+(?:\\\\.[^\"\\\\]*+)*+\"|\\[[^\\[\\]]*+\\]|[^,\\n}]++)")
                            .matcher(in);
                    while (m.find()) {
                        spans.add(new int[] {m.start(), m.end()});
                    }
                    if (spans.isEmpty()) {
                        return in;
                    }
                    int[] s = spans.get(rnd.nextInt(spans.size()));
                    return in.substring(0, s[0]) + VALUES.get(rnd.nextInt(VALUES.size())) + in.substring(s[1]);
                }
                case 3: { // delete a range
                    int from = rnd.nextInt(in.length());
                    int to = Math.min(in.length(), from + 1 + rnd.nextInt(12));
                    return in.substring(0, from) + in.substring(to);
                }
                case 4: { // duplicate a line (a duplicate key)
                    String[] lines = in.split("\n", -1);
                    int i = rnd.nextInt(lines.length);
                    List<String> out = new ArrayList<>(List.of(lines));
                    out.add(i, lines[i]);
                    return String.join("\n", out);
                }
                default: // truncate
                    return in.substring(0, rnd.nextInt(in.length()));
            }
        }
    }
}
