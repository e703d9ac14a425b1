package dev.jgrad.examples.cli;

import dev.jgrad.examples.train.LoadedModel;
import dev.jgrad.examples.train.UserError;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Where eval and generate find a model: a run directory, or a weights file and its config. */
final class ModelOptions {
    private ModelOptions() {}

    static final class Source {
        @Option(names = "--run", paramLabel = "DIR", description = "A run directory written by jgrad train.")
        Path run;

        @ArgGroup(exclusive = false)
        Files files;

        LoadedModel load(String tokenizer) throws IOException {
            if (run != null) {
                if (tokenizer != null) {
                    throw new UserError("--tokenizer goes with --weights; a run directory has its own tokenizer");
                }
                return LoadedModel.fromRun(run);
            }
            return LoadedModel.fromFiles(files.weights, files.config, tokenizer);
        }
    }

    static final class Files {
        @Option(
                names = "--weights",
                paramLabel = "FILE",
                required = true,
                description = "safetensors weights with CS336/PyTorch names (or a jgrad checkpoint).")
        Path weights;

        @Option(
                names = "--config",
                paramLabel = "FILE",
                required = true,
                description = "JSON with vocab_size, context_length, d_model, num_layers, num_heads, d_ff, rope_theta.")
        Path config;
    }
}
