package dev.jgrad.nn.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Prints how long BPE training and encoding take on a few MB of generated English-like text. A measurement to
 * read, not a test: nothing is asserted, and Surefire does not run it. Run after {@code mvn -pl nn test-compile}:
 *
 * <pre>
 *   java -cp nn/target/classes:nn/target/test-classes dev.jgrad.nn.tokenizer.BpeTrainingTiming [MB] [vocab]
 * </pre>
 *
 * Defaults: 4 MB, vocabulary 10000 (CS336's TinyStories setting). The text: 30000 words made of 1 to 4 random
 * syllables, drawn with Zipf weights 1/rank, in sentences of 4 to 15 words, documents separated by
 * {@code <|endoftext|>}; seed 42.
 */
public final class BpeTrainingTiming {
    private BpeTrainingTiming() {}

    public static void main(String[] args) {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int vocabSize = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        String text = generate(new Random(42), megabytes << 20);
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;

        long t0 = System.nanoTime();
        BpeTokenizer tok = BpeTokenizer.train(text, vocabSize, List.of("<|endoftext|>"));
        long t1 = System.nanoTime();
        int[] ids = tok.encode(text);
        long t2 = System.nanoTime();
        boolean roundTrip = tok.decode(ids).equals(text);

        System.out.printf(
                "%.1f MB of text, vocab %d (%d merges): train %.2f s%n",
                bytes / 1048576.0, tok.vocabSize(), tok.merges().size(), (t1 - t0) / 1e9);
        System.out.printf(
                "encode: %d tokens in %.2f s (%.1f MB/s, %.2f bytes/token), round trip %s%n",
                ids.length,
                (t2 - t1) / 1e9,
                bytes / 1048576.0 / ((t2 - t1) / 1e9),
                (double) bytes / ids.length,
                roundTrip ? "exact" : "FAILED");
    }

    private static final String[] SYLLABLES = {
        "ba", "ter", "lo", "mi", "son", "ka", "ri", "wen", "tho", "pal", "ing", "ed", "ly", "qu", "str", "ar", "en",
        "is", "um", "ox", "ve", "ne", "ha", "dor", "fi", "gru", "ja", "ze", "ph", "ch"
    };

    static String generate(Random rnd, int approxBytes) {
        String[] words = new String[30_000];
        double[] cumulative = new double[words.length];
        double total = 0;
        for (int r = 0; r < words.length; r++) {
            StringBuilder w = new StringBuilder();
            for (int s = 1 + rnd.nextInt(4); s > 0; s--) w.append(SYLLABLES[rnd.nextInt(SYLLABLES.length)]);
            words[r] = w.toString();
            total += 1.0 / (r + 1);
            cumulative[r] = total;
        }
        StringBuilder sb = new StringBuilder(approxBytes + 100);
        while (sb.length() < approxBytes) {
            for (int sentence = 2 + rnd.nextInt(8); sentence > 0; sentence--) {
                int n = 4 + rnd.nextInt(12);
                for (int i = 0; i < n; i++) {
                    int k = java.util.Arrays.binarySearch(cumulative, rnd.nextDouble() * total);
                    String w = words[k < 0 ? -k - 1 : k];
                    if (i == 0) w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
                    sb.append(w).append(i == n - 1 ? ". " : rnd.nextInt(10) == 0 ? ", " : " ");
                }
            }
            sb.append(rnd.nextInt(3) == 0 ? "<|endoftext|>" : "\n\n");
        }
        return sb.toString();
    }
}
