package dev.jgrad.examples.cli;

import dev.jgrad.examples.train.UserError;
import dev.jgrad.nn.data.TokenFile;
import dev.jgrad.nn.tokenizer.BpeTokenizer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        description = "Trains a byte-level BPE tokenizer, or encodes text into a token file.",
        subcommands = {TokenizeCommand.Train.class, TokenizeCommand.Encode.class})
final class TokenizeCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: train or encode");
    }

    static byte[] read(Path p) throws java.io.IOException {
        try {
            byte[] b = Files.readAllBytes(p);
            if (b.length == 0) {
                throw new UserError("--data " + p + " is empty");
            }
            return b;
        } catch (NoSuchFileException e) {
            throw new UserError("--data " + p + " does not exist");
        }
    }

    @Command(
            name = "train",
            mixinStandardHelpOptions = true,
            description = "Trains byte-level BPE on a text file; writes vocab.json and merges.txt (GPT-2 format).")
    static final class Train implements Callable<Integer> {
        @Option(names = "--data", paramLabel = "FILE", required = true, description = "Training text.")
        Path data;

        @Option(names = "--vocab-size", required = true, description = "Target vocabulary size (≥ 256 + specials).")
        int vocabSize;

        @Option(names = "--special-token", paramLabel = "TOKEN", description = "Special tokens, never split.")
        List<String> specialTokens = List.of("<|endoftext|>");

        @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output directory.")
        Path out;

        @Override
        public Integer call() throws Exception {
            byte[] text = read(data);
            long t0 = System.nanoTime();
            BpeTokenizer bpe = BpeTokenizer.train(text, vocabSize, specialTokens);
            Files.createDirectories(out);
            bpe.save(out);
            System.out.printf(
                    Locale.ROOT,
                    "trained %d tokens (%d merges) in %.1f s; wrote %s and %s%n",
                    bpe.vocabSize(),
                    bpe.merges().size(),
                    (System.nanoTime() - t0) / 1e9,
                    out.resolve("vocab.json"),
                    out.resolve("merges.txt"));
            return 0;
        }
    }

    @Command(
            name = "encode",
            mixinStandardHelpOptions = true,
            description = "Encodes a text file into a token file (uint16, or int32 for vocabularies over 65,536).")
    static final class Encode implements Callable<Integer> {
        @Option(
                names = "--tokenizer",
                paramLabel = "DIR",
                required = true,
                description = "Directory with vocab.json and merges.txt.")
        Path tokenizer;

        @Option(names = "--data", paramLabel = "FILE", required = true, description = "Text to encode.")
        Path data;

        @Option(names = "--special-token", paramLabel = "TOKEN", description = "Special tokens, never split.")
        List<String> specialTokens = List.of("<|endoftext|>");

        @Option(names = "--out", paramLabel = "FILE.bin", required = true, description = "Token file to write.")
        Path out;

        @Override
        public Integer call() throws Exception {
            BpeTokenizer bpe =
                    BpeTokenizer.load(tokenizer.resolve("vocab.json"), tokenizer.resolve("merges.txt"), specialTokens);
            byte[] text = read(data);
            int[] ids = bpe.encodeBytes(text);
            TokenFile.write(out, ids, bpe.vocabSize());
            System.out.printf(
                    Locale.ROOT,
                    "%,d bytes → %,d tokens (%.2f bytes/token) in %s (%s)%n",
                    text.length,
                    ids.length,
                    (double) text.length / ids.length,
                    out,
                    TokenFile.Dtype.forVocabSize(bpe.vocabSize()));
            return 0;
        }
    }
}
