package dev.jgrad.nn.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * English-like text from a first-order Markov chain over words, with an entropy rate known exactly: the floor that
 * no byte-level model can beat, so a training run can report how close it got.
 *
 * <p>The text is w₁ ␣ w₂ ␣ w₃ ␣ … : each word followed by one space, where w_{t+1} is drawn from row P_{w_t} of a
 * transition matrix P over n words. Words are non-empty ASCII without spaces, so splitting the text at spaces
 * recovers every word, and the previous word <em>is</em> the state: the text determines the chain's path.
 *
 * <p><b>The rate.</b> Let π be the stationary distribution (πP = π, Σπ_i = 1), H(P_i) = −Σ_j P_ij log₂ P_ij the
 * entropy of row i, and ℓ_i = len(w_i) + 1 the bytes written for word i, space included.
 * <pre>
 *   rate = Σ_i π_i H(P_i) / Σ_i π_i ℓ_i        bits per byte
 * </pre>
 * Why: the bytes of a word are a function of the word, and the word sequence is a function of the bytes, so the
 * first N words and their bytes carry the same information, −log₂ p(w₁…w_N) = −log₂ p(w₁) + Σ_t −log₂ P(w_{t+1} |
 * w_t) bits. Choosing the word after w_t = i costs on average H(P_i) bits, and the word occupies ℓ_i bytes. The
 * chain is irreducible and aperiodic (checked by the constructor), so by the ergodic theorem the fraction of steps
 * spent in state i tends to π_i whatever the start: bits/N → Σ π_i H(P_i) and bytes/N → Σ π_i ℓ_i, almost surely,
 * and their ratio is the rate above. A model that predicts byte by byte pays −log₂ of the product of its byte
 * probabilities, which is at least the true −log₂ p of the text on average, so this is its floor.
 *
 * <p><b>The standard grammar</b> ({@link #standard()}) has eight categories of short English words, chosen by the
 * category-level rules below; within the chosen category C, word v follows word u with weight 2^((i_u + 3·i_v) mod
 * 5), where i is the index in {@link #words()} (an adjective never follows itself). So rows are skewed 1 : 16 at
 * most, each word has its own preferences, and guessing the next word needs the whole previous word, not just its
 * last byte (a model that knew only the previous word's category would sit about 13% above the floor).
 * <pre>{@value #STANDARD_GRAMMAR}</pre>
 * Its rate is about 0.82 bits per byte (3.6 bits per word of 4.4 bytes).
 */
public final class SyntheticCorpus {
    /** The standard grammar: {@code CATEGORY = words} lines, then {@code CATEGORY -> NEXT probability …} rules. */
    public static final String STANDARD_GRAMMAR =
            """
            END  = .
            DET  = the a my one this some
            ADJ  = big red old small happy quiet dark tiny green cold
            NOUN = cat dog bird man girl boy fox king ship tree house river cake horse queen
            VERB = sat ran saw ate found liked took made heard held kept wanted
            ADV  = slowly here again often now
            PREP = on in near under with by
            CONJ = and but then
            END  -> DET 0.85  ADV 0.15
            DET  -> ADJ 0.4   NOUN 0.6
            ADJ  -> ADJ 0.2   NOUN 0.8
            NOUN -> VERB 0.55 PREP 0.15 END 0.15 CONJ 0.15
            VERB -> DET 0.4   PREP 0.2  ADV 0.15 END 0.15 CONJ 0.1
            ADV  -> END 0.5   CONJ 0.25 PREP 0.25
            PREP -> DET 1.0
            CONJ -> DET 0.6   VERB 0.4
            """;

    private final List<String> words;
    private final double[][] p;
    private final byte[][] wordBytes; // each word followed by its space
    private final double[] pi;

    /**
     * A chain over {@code words} with {@code transitions[i][j]} = P(next = j | previous = i). Generation starts in
     * state 0 (for {@link #standard()} that is ".", so the text opens a sentence).
     *
     * @throws IllegalArgumentException if words are empty, repeated, not printable ASCII or contain a space; if the
     *     matrix is not n×n with non-negative rows summing to 1 (±1e-9); or if the chain is not irreducible and
     *     aperiodic (then no unique stationary distribution exists and the rate is not defined)
     */
    public SyntheticCorpus(List<String> words, double[][] transitions) {
        int n = words.size();
        if (n == 0) throw new IllegalArgumentException("syntheticCorpus: no words");
        this.words = List.copyOf(words);
        this.wordBytes = new byte[n][];
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String w = words.get(i);
            if (w.isEmpty() || !w.chars().allMatch(c -> c > ' ' && c < 127))
                throw new IllegalArgumentException("syntheticCorpus: word " + i + " \"" + w
                        + "\" must be non-empty printable ASCII without spaces");
            Integer before = seen.put(w, i);
            if (before != null)
                throw new IllegalArgumentException(
                        "syntheticCorpus: word \"" + w + "\" appears twice, at " + before + " and " + i);
            wordBytes[i] = (w + " ").getBytes(StandardCharsets.US_ASCII);
        }
        if (transitions.length != n)
            throw new IllegalArgumentException(
                    "syntheticCorpus: " + transitions.length + " transition rows for " + n + " words");
        this.p = new double[n][];
        for (int i = 0; i < n; i++) {
            if (transitions[i].length != n)
                throw new IllegalArgumentException("syntheticCorpus: transition row " + i + " has "
                        + transitions[i].length + " entries for " + n + " words");
            double sum = 0;
            for (int j = 0; j < n; j++) {
                double q = transitions[i][j];
                if (!(q >= 0 && q <= 1))
                    throw new IllegalArgumentException("syntheticCorpus: P[" + i + "][" + j + "] = " + q + " (\""
                            + words.get(i) + "\" → \"" + words.get(j) + "\") is not a probability");
                sum += q;
            }
            if (Math.abs(sum - 1) > 1e-9)
                throw new IllegalArgumentException(
                        "syntheticCorpus: row " + i + " (\"" + words.get(i) + "\") sums to " + sum + ", not 1");
            this.p[i] = transitions[i].clone();
        }
        checkErgodic();
        this.pi = solveStationary(p);
    }

    /** The chain of {@link #STANDARD_GRAMMAR}: 58 words, rate ≈ 0.82 bits per byte. */
    public static SyntheticCorpus standard() {
        return fromGrammar(STANDARD_GRAMMAR);
    }

    /**
     * Builds a chain from a grammar in the format of {@link #STANDARD_GRAMMAR}: P(v | u) = P(C(v) | C(u)) · 2^((i_u +
     * 3·i_v) mod 5) / Σ_{v' ∈ C(v), v' ≠ u} 2^((i_u + 3·i_v') mod 5), and 0 when v = u.
     */
    static SyntheticCorpus fromGrammar(String grammar) {
        Map<String, List<Integer>> members = new LinkedHashMap<>();
        Map<String, Map<String, Double>> rules = new LinkedHashMap<>();
        List<String> words = new ArrayList<>();
        for (String line : grammar.strip().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[1].equals("=")) {
                List<Integer> ids = members.computeIfAbsent(f[0], k -> new ArrayList<>());
                for (int k = 2; k < f.length; k++) {
                    ids.add(words.size());
                    words.add(f[k]);
                }
            } else if (f.length >= 4 && f[1].equals("->") && f.length % 2 == 0) {
                Map<String, Double> next = rules.computeIfAbsent(f[0], k -> new LinkedHashMap<>());
                for (int k = 2; k < f.length; k += 2) next.put(f[k], Double.parseDouble(f[k + 1]));
            } else {
                throw new IllegalArgumentException(
                        "syntheticCorpus: cannot parse grammar line \"" + line.trim() + "\"");
            }
        }
        int n = words.size();
        double[][] p = new double[n][n];
        for (Map.Entry<String, List<Integer>> from : members.entrySet()) {
            Map<String, Double> next = rules.get(from.getKey());
            if (next == null)
                throw new IllegalArgumentException("syntheticCorpus: category " + from.getKey() + " has no rule");
            for (int u : from.getValue()) {
                for (Map.Entry<String, Double> rule : next.entrySet()) {
                    List<Integer> targets = members.get(rule.getKey());
                    if (targets == null)
                        throw new IllegalArgumentException("syntheticCorpus: rule " + from.getKey() + " -> "
                                + rule.getKey() + " names an unknown category");
                    double total = 0;
                    for (int v : targets) total += v == u ? 0 : weight(u, v);
                    for (int v : targets) p[u][v] += v == u ? 0 : rule.getValue() * weight(u, v) / total;
                }
            }
        }
        return new SyntheticCorpus(words, p);
    }

    private static double weight(int u, int v) {
        return 1 << ((u + 3 * v) % 5);
    }

    /** Writes the first {@code numBytes} bytes of the text for {@code seed} (the last word may be cut short). */
    public void write(long seed, long numBytes, OutputStream out) throws IOException {
        if (numBytes < 0) throw new IllegalArgumentException("syntheticCorpus: numBytes " + numBytes + " < 0");
        SplitMix64 rng = new SplitMix64(seed);
        byte[] buf = new byte[1 << 13];
        int fill = 0;
        int state = 0;
        for (long written = 0; written < numBytes; ) {
            state = sample(p[state], rng.nextDouble());
            byte[] w = wordBytes[state];
            int take = (int) Math.min(w.length, numBytes - written);
            if (fill + take > buf.length) {
                out.write(buf, 0, fill);
                fill = 0;
            }
            System.arraycopy(w, 0, buf, fill, take);
            fill += take;
            written += take;
        }
        out.write(buf, 0, fill);
    }

    /** The first {@code numBytes} characters of the text for {@code seed}; the same seed gives the same text. */
    public String generate(long seed, int numBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(numBytes, 0));
        try {
            write(seed, numBytes, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // ByteArrayOutputStream does not throw
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    /** Inverse-CDF sampling: the first j with u &lt; P_0 + … + P_j (the last positive entry if rounding leaves u above). */
    private static int sample(double[] row, double u) {
        double c = 0;
        int last = 0;
        for (int j = 0; j < row.length; j++) {
            if (row[j] == 0) continue;
            c += row[j];
            last = j;
            if (u < c) return j;
        }
        return last;
    }

    /** Σ_i π_i H(P_i) / Σ_i π_i (len(w_i) + 1): the entropy rate of the text in bits per byte (see class doc). */
    public double entropyRateBitsPerByte() {
        return entropyBitsPerWord() / meanBytesPerWord();
    }

    /** Σ_i π_i H(P_i): bits per word. */
    public double entropyBitsPerWord() {
        double bits = 0;
        for (int i = 0; i < p.length; i++) bits += pi[i] * rowEntropyBits(i);
        return bits;
    }

    /** Σ_i π_i (len(w_i) + 1): bytes per word, space included. */
    public double meanBytesPerWord() {
        double bytes = 0;
        for (int i = 0; i < p.length; i++) bytes += pi[i] * wordBytes[i].length;
        return bytes;
    }

    /** H(P_i) = −Σ_j P_ij log₂ P_ij, with 0 · log 0 = 0. */
    public double rowEntropyBits(int i) {
        double h = 0;
        for (double q : p[i]) if (q > 0) h -= q * Math.log(q);
        return h / Math.log(2);
    }

    /** The stationary distribution π (a copy). */
    public double[] stationary() {
        return pi.clone();
    }

    public List<String> words() {
        return words;
    }

    /** Index of {@code word} in {@link #words()}, or −1. */
    public int indexOf(String word) {
        return words.indexOf(word);
    }

    /** P(next = j | previous = i). */
    public double transition(int i, int j) {
        return p[i][j];
    }

    /** The transition matrix (a copy). */
    public double[][] transitions() {
        double[][] copy = new double[p.length][];
        for (int i = 0; i < p.length; i++) copy[i] = p[i].clone();
        return copy;
    }

    /**
     * Irreducible: every word reaches every other (breadth-first from word 0 along the arrows and against them).
     * Aperiodic: with d(v) the breadth-first distance from word 0, the period is gcd over all arrows u → v of d(u) + 1
     * − d(v), and it must be 1.
     */
    private void checkErgodic() {
        int n = p.length;
        int[] forward = distances(false), backward = distances(true);
        for (int v = 0; v < n; v++) {
            if (forward[v] < 0)
                throw new IllegalArgumentException("syntheticCorpus: chain is not irreducible: \"" + words.get(v)
                        + "\" cannot follow \"" + words.get(0) + "\"");
            if (backward[v] < 0)
                throw new IllegalArgumentException("syntheticCorpus: chain is not irreducible: \"" + words.get(0)
                        + "\" cannot follow \"" + words.get(v) + "\"");
        }
        int period = 0;
        for (int u = 0; u < n; u++)
            for (int v = 0; v < n; v++) if (p[u][v] > 0) period = gcd(period, Math.abs(forward[u] + 1 - forward[v]));
        if (period != 1)
            throw new IllegalArgumentException("syntheticCorpus: chain is periodic with period " + period
                    + "; it needs a cycle of length coprime to it (e.g. a word that can follow itself)");
    }

    private int[] distances(boolean reversed) {
        int n = p.length;
        int[] d = new int[n];
        Arrays.fill(d, -1);
        d[0] = 0;
        ArrayDeque<Integer> queue = new ArrayDeque<>(List.of(0));
        while (!queue.isEmpty()) {
            int u = queue.poll();
            for (int v = 0; v < n; v++) {
                if (d[v] < 0 && (reversed ? p[v][u] : p[u][v]) > 0) {
                    d[v] = d[u] + 1;
                    queue.add(v);
                }
            }
        }
        return d;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /**
     * Solves π (P − I) = 0 with Σ π_i = 1: the transposed system (Pᵀ − I) πᵀ = 0 with its last equation replaced by
     * Σ π_i = 1, by Gaussian elimination with partial pivoting. For an irreducible chain the solution is unique.
     */
    private static double[] solveStationary(double[][] p) {
        int n = p.length;
        double[][] a = new double[n][n + 1]; // augmented [A | b]
        for (int i = 0; i < n - 1; i++) {
            for (int j = 0; j < n; j++) a[i][j] = p[j][i] - (i == j ? 1 : 0);
        }
        for (int j = 0; j <= n; j++) a[n - 1][j] = 1;
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
            double[] t = a[col];
            a[col] = a[pivot];
            a[pivot] = t;
            for (int r = col + 1; r < n; r++) {
                double f = a[r][col] / a[col][col];
                for (int j = col; j <= n; j++) a[r][j] -= f * a[col][j];
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = a[i][n];
            for (int j = i + 1; j < n; j++) s -= a[i][j] * x[j];
            x[i] = s / a[i][i];
        }
        return x;
    }
}
