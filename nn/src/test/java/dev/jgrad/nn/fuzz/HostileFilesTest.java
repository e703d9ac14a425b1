package dev.jgrad.nn.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.checkpoint.Checkpoint;
import dev.jgrad.nn.checkpoint.Safetensors;
import dev.jgrad.nn.checkpoint.SafetensorsException;
import dev.jgrad.nn.checkpoint.SafetensorsFile;
import dev.jgrad.nn.checkpoint.TensorEntry;
import dev.jgrad.nn.data.TokenFile;
import dev.jgrad.nn.io.Json;
import dev.jgrad.nn.io.JsonException;
import dev.jgrad.nn.modules.TransformerLM;
import dev.jgrad.nn.optim.AdamW;
import dev.jgrad.nn.tokenizer.BpeTokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of damaged safetensors files, token files, tokenizer files and model configs thrown at
 * the loaders. Each must either load (a mutation can leave a file valid), after which the result is
 * checked for use, or fail with the exception type its loader documents and a message that starts by
 * naming the loader: never an OutOfMemoryError, a StackOverflowError, an ArrayIndexOutOfBounds-,
 * NullPointer-, NumberFormat- or other unchecked surprise, and never a hang (each loader's whole batch
 * runs under a generous timeout).
 *
 * <pre>
 *   loader                                  documented failure               message starts with
 *   Safetensors.fromBytes / read            SafetensorsException             safetensors:
 *   Checkpoint.load                         SafetensorsException             safetensors: / checkpoint:
 *   Checkpoint.restore, loadWeights         IllegalArgumentException         checkpoint: / loadWeights:
 *   TokenFile.open                          IllegalArgumentException         tokenFile:
 *   BpeTokenizer.load                       IllegalArgumentException         vocab / merges / BpeTokenizer.load:
 *   Json.parse + TransformerLM.Config       JsonException (an IAE), IAE      json: / config / model.json / TransformerLM.Config:
 * </pre>
 *
 * Inputs derive from fixed seeds, so a failure names the seed that reproduces it.
 */
class HostileFilesTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    /** What one loader's batch did: inputs tried, how they ended, and the surprises. */
    private static final class Tally {
        final String loader;
        int tried;
        int loaded;
        final Map<String, Integer> rejected = new TreeMap<>();
        final List<String> surprises = new ArrayList<>();
        int moreSurprises;

        Tally(String loader) {
            this.loader = loader;
        }

        /** Runs {@code body} on input {@code seed}; an exception must be allowed and well named. */
        void attempt(long seed, Body body, List<Class<? extends Exception>> allowed, List<String> prefixes) {
            tried++;
            try {
                body.run();
                loaded++;
            } catch (Throwable t) {
                boolean typeOk = allowed.stream().anyMatch(c -> c.isInstance(t));
                String m = t.getMessage();
                boolean messageOk = m != null && prefixes.stream().anyMatch(m::startsWith);
                if (typeOk && messageOk) {
                    rejected.merge(t.getClass().getSimpleName(), 1, Integer::sum);
                } else if (surprises.size() < 10) {
                    surprises.add("seed " + seed + ": " + t.getClass().getName() + ": " + abbreviate(m)
                            + (typeOk ? " (message does not name the loader)" : "")
                            + stackTop(t));
                } else {
                    moreSurprises++;
                }
            }
        }

        void check(int minimum) {
            System.out.printf(
                    "hostile files: %s, %d inputs: %d loaded, rejected %s%n", loader, tried, loaded, rejected);
            assertEquals(List.of(), surprises, loader + ": inputs that ended badly (and " + moreSurprises + " more)");
            assertTrue(tried >= minimum, loader + ": only " + tried + " inputs");
        }
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    private static String abbreviate(String m) {
        return m == null ? "null" : m.length() <= 200 ? m : m.substring(0, 200) + "…";
    }

    private static String stackTop(Throwable t) {
        StackTraceElement[] s = t.getStackTrace();
        return s.length == 0 ? "" : "\n    at " + s[0] + (s.length > 1 ? "\n    at " + s[1] : "");
    }

    // ---- safetensors and checkpoints ----------------------------------------------------------

    private static TransformerLM tinyModel() {
        return new TransformerLM(new TransformerLM.Config(20, 4, 8, 1, 2, 16, 10_000), new Random(1));
    }

    @Test
    void damagedSafetensorsFilesAndCheckpointsFailCleanly() throws Exception {
        TransformerLM model = tinyModel();
        AdamW adam = new AdamW(model.namedParameters());
        model.forward(Tensor.ofInts(new int[] {1, 2, 3, 4}, 1, 4))
                .crossEntropy(Tensor.ofInts(new int[] {2, 3, 4, 5}, 1, 4))
                .backward();
        adam.step(); // so that the checkpoint holds moments and a step counter
        Path ckptPath = dir.resolve("seed-checkpoint.safetensors");
        Checkpoint.save(
                ckptPath,
                model,
                adam,
                1,
                Map.of("batcher", 42L),
                Json.write(model.config().toJson()));
        Path weightsPath = dir.resolve("seed-weights.safetensors");
        Checkpoint.saveWeights(weightsPath, model);
        byte[] handMade = Safetensors.toBytes(
                List.of(
                        TensorEntry.ofFloats("w", new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
                        TensorEntry.ofDoubles("d", new double[] {Math.PI}),
                        TensorEntry.ofInts("i", new int[0], 0, 4),
                        TensorEntry.ofLongs("l", new long[] {-1, 1L << 40}, 2)),
                Map.of("format", "pt", "note", "☃"));
        List<byte[]> seeds = List.of(Files.readAllBytes(ckptPath), Files.readAllBytes(weightsPath), handMade);

        Tally tally = new Tally("safetensors and checkpoints");
        Path file = dir.resolve("damaged.safetensors");
        List<String> prefixes = List.of("safetensors: ", "checkpoint: ", "loadWeights: ");
        List<Class<? extends Exception>> allowed = List.of(SafetensorsException.class, IllegalArgumentException.class);
        assertTimeoutPreemptively(TIMEOUT, () -> {
            for (long seed = 0; seed < 2_500; seed++) {
                Mutator mut = new Mutator(seed);
                byte[] original = seeds.get((int) (seed % seeds.size()));
                byte[] damaged = damageSafetensors(original, mut);
                Files.write(file, damaged);
                tally.attempt(
                        seed,
                        () -> {
                            SafetensorsFile inMemory = Safetensors.fromBytes(damaged);
                            assertEquals(
                                    inMemory.tensors().keySet(),
                                    Safetensors.read(file).tensors().keySet());
                            if (inMemory.metadata().containsKey("jgrad_checkpoint")) {
                                Checkpoint c = Checkpoint.load(file);
                                TransformerLM fresh = tinyModel();
                                c.restore(fresh, new AdamW(fresh.namedParameters()));
                            } else {
                                Checkpoint.loadWeights(file, tinyModel(), true);
                            }
                        },
                        allowed,
                        prefixes);
            }
        });
        tally.check(2_500);
    }

    /** Byte damage anywhere, or damage to the header JSON with the length prefix kept consistent. */
    private static byte[] damageSafetensors(byte[] file, Mutator mut) {
        Random rnd = mut.random();
        int mode = rnd.nextInt(4);
        if (mode == 0) {
            return mut.bytes(file);
        }
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(file, 8 + (int) n, file.length);
        String damagedHeader = mode == 1 ? mut.json(header) : damageEntry(header, data.length, mut);
        byte[] h = rnd.nextInt(10) == 0 ? mut.utf8(damagedHeader) : damagedHeader.getBytes(StandardCharsets.UTF_8);
        if (rnd.nextInt(4) == 0) {
            data = mut.bytes(data); // and the data section too
        }
        byte[] prefix = ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length)
                .array();
        return Mutator.concat(prefix, h, data);
    }

    /** Sets one field of one header entry to an edge case: a dtype, a shape, offsets, a key. */
    private static String damageEntry(String header, int dataSize, Mutator mut) {
        Random rnd = mut.random();
        Map<String, Object> json = Json.object(Json.parse(header.strip()), "header");
        List<String> names = new ArrayList<>(json.keySet());
        String name = names.get(rnd.nextInt(names.size()));
        Object value = json.get(name);
        if (!(value instanceof Map) || name.equals("__metadata__")) {
            json.put(name, value(mut.pick(Mutator.VALUES)));
            return Json.write(json);
        }
        Map<String, Object> entry = new LinkedHashMap<>(Json.object(value, name));
        List<Object> offsets = Json.array(entry.get("data_offsets"), "data_offsets");
        long begin = (Long) offsets.get(0);
        long end = (Long) offsets.get(1);
        switch (rnd.nextInt(7)) {
            case 0:
                entry.put(
                        "dtype",
                        Json.parse(mut.pick(List.of(
                                "\"F32\"",
                                "\"F64\"",
                                "\"I32\"",
                                "\"I64\"",
                                "\"F16\"",
                                "\"BOOL\"",
                                "\"f32\"",
                                "\"\"",
                                "7",
                                "null",
                                "[\"F32\"]"))));
                break;
            case 1: {
                Object shape = value(mut.pick(Mutator.VALUES));
                if (rnd.nextBoolean()) {
                    List<Object> dims = new ArrayList<>(Json.array(entry.get("shape"), "shape"));
                    if (!dims.isEmpty()) {
                        dims.set(rnd.nextInt(dims.size()), value(mut.pick(Mutator.NUMBERS)));
                    } else {
                        dims.add(value(mut.pick(Mutator.NUMBERS)));
                    }
                    shape = dims;
                }
                entry.put("shape", shape);
                break;
            }
            case 2: {
                long[][] choices = {
                    {begin, end + 1},
                    {begin, end - 1},
                    {end, begin},
                    {begin - 1, end},
                    {0, dataSize},
                    {dataSize, dataSize + 4},
                    {begin, Long.MAX_VALUE},
                    {Long.MAX_VALUE - 3, Long.MAX_VALUE},
                    {-8, 0},
                    {begin + 4, end + 4}
                };
                long[] c = choices[rnd.nextInt(choices.length)];
                entry.put("data_offsets", List.of(c[0], c[1]));
                break;
            }
            case 3:
                entry.put("data_offsets", value(mut.pick(Mutator.VALUES)));
                break;
            case 4:
                entry.remove(mut.pick(List.of("dtype", "shape", "data_offsets")));
                break;
            case 5:
                entry.put(mut.pick(List.of("extra", "DTYPE", "")), 1L);
                break;
            default: { // a second entry over the same bytes, or renamed outside model./optim.
                Map<String, Object> copy = new LinkedHashMap<>(entry);
                json.put(mut.pick(List.of("model.extra", "optim.x", "other", name + "2", "")), copy);
                break;
            }
        }
        json.put(name, entry);
        return Json.write(json);
    }

    /** {@code json} parsed, or as a plain string when it is not valid JSON on its own (a lone surrogate, 1e309). */
    private static Object value(String json) {
        try {
            return Json.parse(json);
        } catch (JsonException e) {
            return json;
        }
    }

    // ---- token files ------------------------------------------------------------------------------

    @Test
    void damagedTokenFilesFailCleanly() throws Exception {
        int[] vocabs = {1, 2, 255, 256, 257, 1000, 65535, 65536, 65537, 100_000};
        Tally tally = new Tally("token files");
        Path file = dir.resolve("tokens.bin");
        assertTimeoutPreemptively(TIMEOUT, () -> {
            for (long seed = 0; seed < 2_000; seed++) {
                Mutator mut = new Mutator(seed);
                Random rnd = mut.random();
                int written = vocabs[rnd.nextInt(vocabs.length)];
                int[] ids = new int[rnd.nextInt(200)];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = rnd.nextInt(written);
                }
                if (seed < 20) { // the writer's own output, as the trainer writes it (fsynced, so only a few)
                    TokenFile.write(file, ids, written);
                }
                byte[] bytes = seed < 20 ? Files.readAllBytes(file) : numpyToFile(ids, written);
                Files.write(file, rnd.nextInt(5) == 0 ? bytes : mut.bytes(bytes));
                int read = rnd.nextBoolean() ? written : vocabs[rnd.nextInt(vocabs.length)];
                tally.attempt(
                        seed,
                        () -> {
                            TokenFile t = TokenFile.open(file, read);
                            assertEquals(Files.size(file) / t.dtype().bytes, t.size());
                            for (int i = 0; i < t.size(); i++) {
                                int id = t.get(i);
                                assertTrue(id >= 0 && id < read, "id " + id + " at " + i);
                            }
                        },
                        List.of(IllegalArgumentException.class),
                        List.of("tokenFile: "));
            }
            tally.attempt(
                    -1, () -> TokenFile.open(file, 0), List.of(IllegalArgumentException.class), List.of("tokenFile: "));
            tally.attempt(
                    -2,
                    () -> TokenFile.open(dir.resolve("missing.bin"), 256),
                    List.of(IOException.class),
                    List.of(dir.resolve("missing.bin").toString()));
        });
        tally.check(2_000);
    }

    /** What {@code np.array(ids, uint16 if vocabSize ≤ 65536 else int32).tofile(path)} writes. */
    private static byte[] numpyToFile(int[] ids, int vocabSize) {
        int width = TokenFile.Dtype.forVocabSize(vocabSize).bytes;
        ByteBuffer b = ByteBuffer.allocate(ids.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (int id : ids) {
            if (width == 2) {
                b.putShort((short) id);
            } else {
                b.putInt(id);
            }
        }
        return b.array();
    }

    // ---- tokenizer files --------------------------------------------------------------------------

    private static final String TEXT = "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs!\n"
            + "Numbers 12345 and 67890, symbols #@$ and unicode: naïve café ☃ 日本語 <|endoftext|> again.";

    @Test
    void damagedTokenizerFilesFailCleanly() throws Exception {
        BpeTokenizer trained = BpeTokenizer.train(TEXT.repeat(3), 320, List.of("<|endoftext|>"));
        Path good = dir.resolve("good");
        trained.save(good);
        String vocab = Files.readString(good.resolve("vocab.json"));
        String merges = Files.readString(good.resolve("merges.txt"));
        List<List<String>> specials = List.of(
                List.of(), List.of("<|endoftext|>"), List.of("<|endoftext|>", "<pad>"), List.of("a"), List.of(""));
        Path v = dir.resolve("vocab.json");
        Path m = dir.resolve("merges.txt");
        byte[] probe = (TEXT + " \u00ff\u0000").getBytes(StandardCharsets.UTF_8);
        byte[] withBadBytes = Mutator.concat(probe, new byte[] {(byte) 0xff, (byte) 0xc0, (byte) 0x80, 'x'});
        Tally tally = new Tally("tokenizer files");
        assertTimeoutPreemptively(TIMEOUT, () -> {
            for (long seed = 0; seed < 1_500; seed++) {
                Mutator mut = new Mutator(seed);
                Random rnd = mut.random();
                int what = rnd.nextInt(5);
                byte[] vb = what == 0 || what == 2 ? mut.utf8(mut.json(vocab)) : vocab.getBytes(StandardCharsets.UTF_8);
                byte[] mb =
                        what == 1 || what == 2 ? mut.utf8(mut.lines(merges)) : merges.getBytes(StandardCharsets.UTF_8);
                if (what == 3) {
                    vb = mut.bytes(vb);
                } else if (what == 4) {
                    mb = mut.bytes(mb);
                }
                Files.write(v, vb);
                Files.write(m, mb);
                List<String> special = specials.get(rnd.nextInt(specials.size()));
                tally.attempt(
                        seed,
                        () -> {
                            BpeTokenizer t = BpeTokenizer.load(v, m, special);
                            // a tokenizer that loads must work: every byte string round-trips
                            assertArrayEquals(withBadBytes, t.decodeBytes(t.encodeBytes(withBadBytes)));
                            assertEquals(TEXT, t.decode(t.encode(TEXT)));
                        },
                        List.of(IllegalArgumentException.class),
                        List.of("vocab ", "merges ", "BpeTokenizer.load: "));
            }
        });
        tally.check(1_500);
    }

    @Test
    void tokenizerFilesThatAreNotUtf8NameTheOffendingByte() throws IOException {
        BpeTokenizer trained = BpeTokenizer.train(TEXT, 280, List.of());
        Path good = dir.resolve("utf8");
        trained.save(good);
        byte[] merges = Files.readAllBytes(good.resolve("merges.txt"));
        merges[20] = (byte) 0xff; // never valid in UTF-8
        Files.write(good.resolve("merges.txt"), merges);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> BpeTokenizer.load(good.resolve("vocab.json"), good.resolve("merges.txt"), List.of()));
        assertEquals(
                "merges " + good.resolve("merges.txt") + ": not valid UTF-8: 1 malformed byte(s) at offset 20",
                e.getMessage());
    }

    // ---- model configs ----------------------------------------------------------------------------

    @Test
    void damagedModelConfigsFailCleanly() throws Exception {
        TransformerLM.Config config = new TransformerLM.Config(50257, 256, 512, 4, 16, 1344, 10_000);
        Map<String, Object> extended = new LinkedHashMap<>(config.toJson());
        extended.put("note", "extra keys are ignored");
        extended.put("nested", List.of(Map.of("a", 1L), List.of()));
        List<String> seeds = List.of(Json.writePretty(config.toJson()), Json.write(extended));
        Tally tally = new Tally("model configs");
        assertTimeoutPreemptively(TIMEOUT, () -> {
            for (long seed = 0; seed < 3_000; seed++) {
                Mutator mut = new Mutator(seed);
                String text = mut.json(seeds.get((int) (seed % seeds.size())));
                tally.attempt(
                        seed,
                        () -> {
                            TransformerLM.Config c =
                                    TransformerLM.Config.fromJson(Json.object(Json.parse(text), "model.json"));
                            assertTrue(c.dModel() % c.numHeads() == 0 && c.dK() % 2 == 0, c.toString());
                        },
                        List.of(JsonException.class, IllegalArgumentException.class),
                        List.of("json: ", "config", "model.json ", "TransformerLM.Config: "));
            }
        });
        tally.check(3_000);
    }
}
