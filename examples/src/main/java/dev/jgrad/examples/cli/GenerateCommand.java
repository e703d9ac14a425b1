package dev.jgrad.examples.cli;

import dev.jgrad.examples.train.LoadedModel;
import dev.jgrad.examples.train.UserError;
import dev.jgrad.nn.sampling.Generator;
import dev.jgrad.nn.sampling.Sampler;
import dev.jgrad.nn.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Samples text from a trained model; stops at <|endoftext|>.")
final class GenerateCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    ModelOptions.Source source;

    @Option(names = "--tokenizer", paramLabel = "byte|DIR", description = "Tokenizer of a bare weights file.")
    String tokenizer;

    @Option(names = "--prompt", description = "Text to continue (default: \"${DEFAULT-VALUE}\").")
    String prompt = "the ";

    @Option(names = "--max-tokens", description = "Tokens to generate at most (default: ${DEFAULT-VALUE}).")
    int maxTokens = 200;

    @Option(names = "--temperature", description = "Softmax temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
    double temperature = 0.8;

    @Option(names = "--top-p", description = "Nucleus probability mass (default: ${DEFAULT-VALUE}).")
    double topP = 0.95;

    @Option(names = "--seed", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Override
    public Integer call() throws Exception {
        Sampler sampler = new Sampler(temperature, topP, seed);
        LoadedModel loaded = source.load(tokenizer == null && source.files != null ? "byte" : tokenizer);
        Tokenizer tok = loaded.tokenizer();
        if (prompt.isEmpty()) {
            throw new UserError("--prompt must not be empty");
        }
        int[] ids = tok.encode(prompt);
        int stop = tok.specialTokenId("<|endoftext|>").orElse(-1);
        int[] out = Generator.generate(loaded.model(), ids, maxTokens, sampler, stop);
        System.out.println(new String(tok.decodeBytes(Arrays.copyOf(out, out.length)), StandardCharsets.UTF_8));
        return 0;
    }
}
