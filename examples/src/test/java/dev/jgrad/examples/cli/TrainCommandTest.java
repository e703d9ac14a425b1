package dev.jgrad.examples.cli;

import static dev.jgrad.examples.cli.CliTestSupport.concat;
import static dev.jgrad.examples.cli.CliTestSupport.run;
import static dev.jgrad.examples.cli.CliTestSupport.tiny;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.kernels.Parallel;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.examples.train.LoadedModel;
import dev.jgrad.examples.train.TinyRuns;
import dev.jgrad.examples.train.TrainOptions;
import dev.jgrad.examples.train.Trainer;
import dev.jgrad.nn.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end runs of the trainer on tiny models: seconds each. */
class TrainCommandTest {
    @TempDir
    Path tmp;

    @Test
    void lossFallsOnTheBuiltInCorpus() throws Exception {
        Path dir = tmp.resolve("run");
        CliTestSupport.Result r = run(concat(tiny("--steps", "60", "--lr", "1e-2"), "--out", dir.toString()));
        assertEquals(0, r.exitCode(), r.err());
        List<String> metrics = Files.readAllLines(dir.resolve("metrics.csv"));
        double first = Double.parseDouble(metrics.get(1).split(",")[1]);
        double last = Double.parseDouble(metrics.get(metrics.size() - 1).split(",")[1]);
        // a uniform guess over 256 bytes costs ln 256 ≈ 5.55 nats; 60 steps learn the letter frequencies at least
        assertTrue(first > 5.0, "first loss " + first);
        assertTrue(last < 3.2, "last loss " + last);
        assertTrue(r.out().contains("floor 0.819 bpb"), r.out());
        for (String f : List.of(
                "run.json",
                "model.json",
                "train.bin",
                "val.bin",
                "checkpoint.safetensors",
                "model.safetensors",
                "metrics.csv",
                "bpb.png")) {
            assertTrue(Files.exists(dir.resolve(f)), f + " missing");
        }
    }

    @Test
    void aResumedRunIsBitIdenticalToAnUninterruptedOne() throws Exception {
        Path whole = tmp.resolve("whole");
        Path pieces = tmp.resolve("pieces");
        Trainer.Summary a = TinyRuns.quietTrainer().train(TinyRuns.options(whole, 30));
        TrainOptions first = TinyRuns.options(pieces, 30);
        first.stopAfter = 13; // mid-way between checkpoints: it checkpoints at 10 and stops at 13
        TinyRuns.quietTrainer().train(first);
        Trainer.Summary b = TinyRuns.quietTrainer().resume(pieces, 0, Parallel.threads());
        assertEquals(a.trainLoss(), b.trainLoss(), 0.0);
        assertEquals(a.valLoss(), b.valLoss(), 0.0);
        assertEquals(Files.readString(whole.resolve("metrics.csv")), Files.readString(pieces.resolve("metrics.csv")));
        assertArrayEquals(
                Files.readAllBytes(whole.resolve("model.safetensors")),
                Files.readAllBytes(pieces.resolve("model.safetensors")));
    }

    @Test
    void evalOfTheTrainedRunMatchesTheTrainersValidationFigure() throws Exception {
        Path dir = tmp.resolve("run");
        Trainer.Summary s = TinyRuns.quietTrainer().train(TinyRuns.options(dir, 20));
        CliTestSupport.Result r = run("eval", "--run", dir.toString(), "--json", "--batch-size", "8");
        assertEquals(0, r.exitCode(), r.err());
        Map<String, Object> m = Json.object(Json.parse(r.out().trim()), "eval output");
        assertEquals(s.valLoss(), Json.number(m.get("loss"), "loss"), 1e-12);
        assertEquals(s.valBpb(), Json.number(m.get("bpb"), "bpb"), 1e-12);

        // the same through a bare weights file and the CS336-keyed config, as a PyTorch user would call it
        CliTestSupport.Result bare = run(
                "eval",
                "--weights",
                dir.resolve("model.safetensors").toString(),
                "--config",
                dir.resolve("model.json").toString(),
                "--tokenizer",
                "byte",
                "--data",
                dir.resolve("val.bin").toString(),
                "--json",
                "--batch-size",
                "8");
        assertEquals(0, bare.exitCode(), bare.err());
        assertEquals(r.out(), bare.out());
    }

    @Test
    void generationIsDeterministicGivenASeed() throws Exception {
        Path dir = tmp.resolve("run");
        TinyRuns.quietTrainer().train(TinyRuns.options(dir, 10));
        String[] args = {"generate", "--run", dir.toString(), "--prompt", "the ", "--max-tokens", "30", "--seed", "7"};
        CliTestSupport.Result a = run(args);
        CliTestSupport.Result b = run(args);
        assertEquals(0, a.exitCode(), a.err());
        assertEquals(a.out(), b.out());
        assertTrue(a.out().startsWith("the "), a.out());
        LoadedModel m = LoadedModel.fromRun(dir);
        Tensor logits = m.model().forward(Tensor.ofInts(new int[] {1, 2, 3}, 1, 3));
        assertEquals(List.of(1, 3, 256), List.of(logits.dim(0), logits.dim(1), logits.dim(2)));
    }
}
