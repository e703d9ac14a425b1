package dev.jgrad.examples.train;

import dev.jgrad.nn.checkpoint.Checkpoint;
import dev.jgrad.nn.io.Json;
import dev.jgrad.nn.modules.TransformerLM;
import dev.jgrad.nn.tokenizer.BpeTokenizer;
import dev.jgrad.nn.tokenizer.ByteTokenizer;
import dev.jgrad.nn.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * A model with its weights loaded, and its tokenizer when known: from a run directory, or from a
 * bare safetensors file with CS336/PyTorch names plus a JSON config with CS336's keys.
 */
public record LoadedModel(TransformerLM model, Tokenizer tokenizer) {
    /** The final (or latest checkpointed) weights of a run directory, with the run's tokenizer. */
    public static LoadedModel fromRun(Path dir) throws IOException {
        RunDir run = RunDir.open(dir, 0);
        TransformerLM model = new TransformerLM(run.modelConfig(), new Random(0));
        Path weights = Files.exists(run.weightsPath()) ? run.weightsPath() : run.checkpointPath();
        loadWeights(weights, model);
        return new LoadedModel(model, run.tokenizer());
    }

    /**
     * A weights file (bare, or a jgrad training checkpoint) and a config file; {@code tokenizer} is
     * {@code byte}, a directory with vocab.json and merges.txt, or null when unknown.
     */
    public static LoadedModel fromFiles(Path weights, Path config, String tokenizer) throws IOException {
        String text;
        try {
            text = Files.readString(config, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserError("--config " + config + " does not exist");
        }
        TransformerLM.Config c = TransformerLM.Config.fromJson(Json.object(Json.parse(text), config.toString()));
        ModelBudget.checkLoading(c, config.toString());
        TransformerLM model = new TransformerLM(c, new Random(0));
        loadWeights(weights, model);
        Tokenizer tok = null;
        if ("byte".equals(tokenizer)) {
            tok = new ByteTokenizer();
        } else if (tokenizer != null) {
            Path dir = Path.of(tokenizer);
            tok = BpeTokenizer.load(
                    dir.resolve("vocab.json"), dir.resolve("merges.txt"), List.of(RunDir.SPECIAL_TOKEN));
        }
        if (tok != null && tok.vocabSize() != c.vocabSize()) {
            throw new UserError(
                    "the tokenizer has " + tok.vocabSize() + " tokens but the model's vocab_size is " + c.vocabSize());
        }
        return new LoadedModel(model, tok);
    }

    private static void loadWeights(Path file, TransformerLM model) throws IOException {
        if (!Files.exists(file)) {
            throw new UserError("weights file " + file + " does not exist");
        }
        Checkpoint.loadWeights(file, model, true);
    }
}
