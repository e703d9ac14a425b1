package dev.jgrad.examples.cli;

import static dev.jgrad.examples.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.data.TokenFile;
import dev.jgrad.nn.tokenizer.BpeTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeAndLessonCommandTest {
    @TempDir
    Path tmp;

    @Test
    void tokenizeTrainThenEncodeGivesATokenFileThatDecodesToTheText() throws Exception {
        String text = "the cat sat on the mat.<|endoftext|>a dog ran after the cat. ".repeat(50);
        Path data = Files.writeString(tmp.resolve("text.txt"), text);
        Path tok = tmp.resolve("tok");
        CliTestSupport.Result trained = run(
                "tokenize",
                "train",
                "--data",
                data.toString(),
                "--vocab-size",
                "290",
                "--special-token",
                "<|endoftext|>",
                "--out",
                tok.toString());
        assertEquals(0, trained.exitCode(), trained.err());
        assertTrue(Files.exists(tok.resolve("vocab.json")) && Files.exists(tok.resolve("merges.txt")));

        Path bin = tmp.resolve("text.bin");
        CliTestSupport.Result encoded = run(
                "tokenize",
                "encode",
                "--tokenizer",
                tok.toString(),
                "--data",
                data.toString(),
                "--out",
                bin.toString());
        assertEquals(0, encoded.exitCode(), encoded.err());

        BpeTokenizer bpe =
                BpeTokenizer.load(tok.resolve("vocab.json"), tok.resolve("merges.txt"), List.of("<|endoftext|>"));
        TokenFile file = TokenFile.open(bin, bpe.vocabSize());
        int[] ids = new int[file.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = file.get(i);
        }
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), bpe.decodeBytes(ids));
        assertTrue(ids.length < text.length() / 2, "BPE should compress this repetitive text: " + ids.length);
    }

    @Test
    void lessonsRunByName() {
        CliTestSupport.Result r = run("lesson", "scalar-neuron");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("tanh"), r.out());
    }

    @Test
    void anUnknownLessonIsAUserError() {
        CliTestSupport.Result r = run("lesson", "backprop-by-magic");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown lesson \"backprop-by-magic\""), r.err());
    }
}
