package dev.jgrad.examples.cli;

import dev.jgrad.examples.train.LoadedModel;
import dev.jgrad.examples.train.Trainer;
import dev.jgrad.examples.train.UserError;
import dev.jgrad.nn.data.TokenFile;
import dev.jgrad.nn.io.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Mean cross-entropy (nats per token) and bits per byte of a model over a token file, on"
                + " consecutive non-overlapping windows of context_length from the start of the file.")
final class EvalCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    ModelOptions.Source source;

    @Option(
            names = "--tokenizer",
            paramLabel = "byte|DIR",
            description = "Tokenizer of a bare weights file, for bits per byte (a run knows its own).")
    String tokenizer;

    @Option(
            names = "--data",
            paramLabel = "FILE.bin",
            description = "Token file (uint16 or int32 little-endian); default: the run's val.bin.")
    Path data;

    @Option(names = "--batch-size", description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize = 16;

    @Option(names = "--json", description = "Print one JSON object: loss, tokens, and bpb when known.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        LoadedModel loaded = source.load(tokenizer);
        Path tokens = data;
        if (tokens == null) {
            if (source.run == null) {
                throw new UserError("--data FILE.bin is required with --weights");
            }
            tokens = source.run.resolve("val.bin");
        }
        if (batchSize <= 0) {
            throw new UserError("--batch-size must be positive, got " + batchSize);
        }
        int vocab = loaded.model().config().vocabSize();
        TokenFile file = TokenFile.open(tokens, vocab);
        double[] bytes = loaded.tokenizer() == null ? null : Trainer.bytesPerToken(loaded.tokenizer());
        Trainer.Evaluation e =
                Trainer.evaluate(loaded.model(), file, loaded.model().config().contextLength(), batchSize, bytes);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("loss", e.natsPerToken());
            m.put("tokens", e.tokens());
            if (bytes != null) {
                m.put("bpb", e.bitsPerByte());
            }
            System.out.println(Json.write(m));
        } else {
            System.out.printf(
                    Locale.ROOT,
                    "loss %.6f nats/token over %,d tokens%s%n",
                    e.natsPerToken(),
                    e.tokens(),
                    bytes == null ? "" : String.format(Locale.ROOT, ", %.4f bits/byte", e.bitsPerByte()));
        }
        return 0;
    }
}
