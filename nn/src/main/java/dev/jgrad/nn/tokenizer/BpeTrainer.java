package dev.jgrad.nn.tokenizer;

import dev.jgrad.nn.tokenizer.BpeTokenizer.Merge;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.regex.Matcher;

/**
 * Byte-level BPE training, as specified by Stanford CS336 assignment 1.
 *
 * <pre>
 *   1. cut the special tokens out of the corpus; merges never cross or enter them
 *   2. split each remaining stretch into pre-tokens with BpeTokenizer.GPT2_PRE_TOKENIZER and count each
 *      distinct pre-token ("word") w: freq(w), and its UTF-8 bytes as its first symbol sequence
 *   3. count(a, b) = Σ_w freq(w) · #{i : w_i = a, w_{i+1} = b}          (every adjacent position, overlaps too)
 *   4. repeat until the vocabulary is full or no pair is left:
 *        (a, b) = argmax count, ties going to the greatest (bytes(a), bytes(b)) compared as unsigned byte
 *                 strings, left first (so Python's max over (count, (bytes(a), bytes(b))))
 *        new token c with bytes(c) = bytes(a) ‖ bytes(b); in every word replace each (a, b), left to right, by c
 * </pre>
 *
 * <p>Incremental update: for each pair we keep its count and the words it occurs in. A merge of (a, b) visits only
 * the words listed for (a, b); for each it subtracts the word's old pairs, merges, adds the new pairs (listing the
 * word under each new pair that holds c), and the net change per pair is applied once. The maximum comes from a
 * lazy max-heap: every changed count pushes a fresh entry, and an entry whose count no longer matches the pair's
 * current count is dropped when it reaches the top. So a merge costs time in proportion to the words that hold
 * the pair, not to the corpus.
 *
 * <p>If a merged byte string is already a token (two different pairs can spell the same bytes), the merge is kept
 * and reuses that token's id, so ids stay one per byte string; the vocabulary grows only with new byte strings.
 */
final class BpeTrainer {
    private BpeTrainer() {}

    /** Count and the words (indices, possibly repeated or stale) in which a pair occurs. */
    private static final class PairStats {
        long count;
        final IntList words = new IntList(4);
    }

    /** A heap entry: pair (left, right) had {@code count} when pushed. */
    private record Candidate(long count, int left, int right) {}

    static BpeTokenizer train(String text, int vocabSize, List<String> specialTokens) {
        Counts counts = new Counts(specialTokens, vocabSize);
        counts.addText(Utf8.withoutLoneSurrogates(text));
        return counts.train();
    }

    static BpeTokenizer train(byte[] corpus, int vocabSize, List<String> specialTokens) {
        Counts counts = new Counts(specialTokens, vocabSize);
        int runStart = 0;
        int i = 0;
        while (i < corpus.length) {
            int n = Utf8.wellFormedLength(corpus, i);
            if (n > 0) {
                i += n;
                continue;
            }
            counts.addText(new String(corpus, runStart, i - runStart, StandardCharsets.UTF_8));
            runStart = ++i; // a byte outside well-formed UTF-8 stands alone: it has no neighbour to merge with
        }
        counts.addText(new String(corpus, runStart, corpus.length - runStart, StandardCharsets.UTF_8));
        return counts.train();
    }

    /** Steps 1 and 2: the pre-token counts, then {@link #train()} for steps 3 and 4. */
    private static final class Counts {
        final List<String> specialList;
        final SpecialTokens specials;
        final int vocabSize;
        final Map<String, long[]> wordCounts = new HashMap<>();

        Counts(List<String> specialTokens, int vocabSize) {
            specialList = SpecialTokens.check("BpeTokenizer.train", specialTokens);
            for (String t : specialList)
                if (t.getBytes(StandardCharsets.UTF_8).length == 1)
                    throw new IllegalArgumentException("BpeTokenizer.train: special token " + SpecialTokens.quote(t)
                            + " is a single byte, which already has its own token");
            if (vocabSize < 256 + specialList.size())
                throw new IllegalArgumentException("BpeTokenizer.train: vocabSize " + vocabSize + " is less than 256"
                        + " byte tokens + " + specialList.size() + " special tokens");
            int[] ids = new int[specialList.size()];
            for (int k = 0; k < ids.length; k++) ids[k] = k;
            specials = new SpecialTokens(specialList, ids);
            this.vocabSize = vocabSize;
        }

        void addText(String text) {
            specials.split(text, this::addOrdinary, special -> {});
        }

        private void addOrdinary(String text) {
            Matcher m = BpeTokenizer.GPT2_PRE_TOKENIZER.matcher(text);
            while (m.find()) wordCounts.computeIfAbsent(m.group(), w -> new long[1])[0]++;
        }

        BpeTokenizer train() {
            // Ids: special tokens, then the 256 bytes in the order of their GPT-2 characters, then merges.
            List<byte[]> vocab = new ArrayList<>();
            Map<String, Integer> idOf = new HashMap<>();
            for (String t : specialList) add(vocab, idOf, t.getBytes(StandardCharsets.UTF_8));
            Integer[] bytesInCharOrder = new Integer[256];
            for (int b = 0; b < 256; b++) bytesInCharOrder[b] = b;
            Arrays.sort(bytesInCharOrder, (x, y) -> Character.compare(ByteUnicode.charOf(x), ByteUnicode.charOf(y)));
            int[] byteIds = new int[256];
            for (int b : bytesInCharOrder) byteIds[b] = add(vocab, idOf, new byte[] {(byte) b});

            int nWords = wordCounts.size();
            int[][] words = new int[nWords][];
            long[] freq = new long[nWords];
            int w = 0;
            for (Map.Entry<String, long[]> e : wordCounts.entrySet()) {
                byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
                words[w] = new int[bytes.length];
                for (int i = 0; i < bytes.length; i++) words[w][i] = byteIds[bytes[i] & 0xFF];
                freq[w++] = e.getValue()[0];
            }
            wordCounts.clear();

            // Step 3.
            Map<Long, PairStats> stats = new HashMap<>();
            for (w = 0; w < nWords; w++) {
                int[] s = words[w];
                for (int i = 0; i + 1 < s.length; i++) {
                    PairStats st = stats.computeIfAbsent(BpeTokenizer.pair(s[i], s[i + 1]), k -> new PairStats());
                    st.count += freq[w];
                    st.words.add(w);
                }
            }
            PriorityQueue<Candidate> heap = new PriorityQueue<>((x, y) -> {
                if (x.count != y.count) return Long.compare(y.count, x.count); // larger count first
                int c = Arrays.compareUnsigned(vocab.get(y.left), vocab.get(x.left)); // then greater bytes first
                return c != 0 ? c : Arrays.compareUnsigned(vocab.get(y.right), vocab.get(x.right));
            });
            for (Map.Entry<Long, PairStats> e : stats.entrySet())
                heap.add(new Candidate(e.getValue().count, left(e.getKey()), right(e.getKey())));

            // Step 4.
            List<Merge> merges = new ArrayList<>();
            int[] visitedAt = new int[nWords];
            Arrays.fill(visitedAt, -1);
            while (vocab.size() < vocabSize) {
                Candidate top = heap.poll();
                if (top == null) break; // every word is a single token
                long key = BpeTokenizer.pair(top.left, top.right);
                PairStats best = stats.get(key);
                if (best == null || best.count != top.count) continue; // stale entry
                int a = top.left, b = top.right;
                int c = add(vocab, idOf, concat(vocab.get(a), vocab.get(b)));
                int rank = merges.size();
                merges.add(new Merge(a, b, c));
                stats.remove(key);

                Map<Long, Long> delta = new HashMap<>();
                for (int k = 0; k < best.words.size(); k++) {
                    int wi = best.words.get(k);
                    if (visitedAt[wi] == rank) continue; // listed twice
                    visitedAt[wi] = rank;
                    int[] s = words[wi];
                    int[] merged = merge(s, a, b, c);
                    if (merged.length == s.length) continue; // stale: the pair left this word earlier
                    long f = freq[wi];
                    for (int i = 0; i + 1 < s.length; i++)
                        delta.merge(BpeTokenizer.pair(s[i], s[i + 1]), -f, Long::sum);
                    for (int i = 0; i + 1 < merged.length; i++) {
                        long p = BpeTokenizer.pair(merged[i], merged[i + 1]);
                        delta.merge(p, f, Long::sum);
                        if (merged[i] == c || merged[i + 1] == c)
                            stats.computeIfAbsent(p, x -> new PairStats()).words.add(wi);
                    }
                    words[wi] = merged;
                }
                for (Map.Entry<Long, Long> e : delta.entrySet()) {
                    long p = e.getKey();
                    long d = e.getValue();
                    if (d == 0 || p == key) continue;
                    PairStats st = stats.computeIfAbsent(p, x -> new PairStats());
                    st.count += d;
                    if (st.count <= 0) stats.remove(p);
                    else heap.add(new Candidate(st.count, left(p), right(p)));
                }
            }

            int[] specialIds = new int[specialList.size()];
            for (int k = 0; k < specialIds.length; k++) specialIds[k] = k;
            return new BpeTokenizer(vocab.toArray(new byte[0][]), merges, specialList, specialIds);
        }
    }

    private static int add(List<byte[]> vocab, Map<String, Integer> idOf, byte[] bytes) {
        return idOf.computeIfAbsent(BpeTokenizer.key(bytes), k -> {
            vocab.add(bytes);
            return vocab.size() - 1;
        });
    }

    /** {@code s} with each (a, b), scanned left to right, replaced by c. */
    private static int[] merge(int[] s, int a, int b, int c) {
        int[] out = new int[s.length];
        int n = 0;
        for (int i = 0; i < s.length; ) {
            if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
                out[n++] = c;
                i += 2;
            } else out[n++] = s[i++];
        }
        return n == s.length ? s : Arrays.copyOf(out, n);
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] out = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

    private static int left(long pair) {
        return (int) (pair >>> 32);
    }

    private static int right(long pair) {
        return (int) pair;
    }
}
