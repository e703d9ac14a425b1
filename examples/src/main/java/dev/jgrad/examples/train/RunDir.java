package dev.jgrad.examples.train;

import dev.jgrad.nn.data.SyntheticCorpus;
import dev.jgrad.nn.data.TokenDataset;
import dev.jgrad.nn.data.TokenFile;
import dev.jgrad.nn.data.TokenSequence;
import dev.jgrad.nn.io.AtomicFiles;
import dev.jgrad.nn.io.Json;
import dev.jgrad.nn.modules.TransformerLM;
import dev.jgrad.nn.tokenizer.BpeTokenizer;
import dev.jgrad.nn.tokenizer.ByteTokenizer;
import dev.jgrad.nn.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of one training run, all in one directory:
 *
 * <pre>
 *   run.json                training options, tokenizer kind, entropy floor of the built-in corpus
 *   model.json              model config with CS336's keys (vocab_size, context_length, d_model, …)
 *   vocab.json, merges.txt  the BPE tokenizer (GPT-2 format), when one is used
 *   train.bin, val.bin      token files (uint16 or int32 little-endian, as NumPy's tofile)
 *   checkpoint.safetensors  weights, AdamW state, step and RNG state, written atomically
 *   model.safetensors       final weights alone, with PyTorch state-dict names
 *   metrics.csv, bpb.png    the learning curves
 * </pre>
 */
final class RunDir {
    static final String SPECIAL_TOKEN = "<|endoftext|>";
    private static final long BUILTIN_CORPUS_SEED = 20_260_101L;

    private final Path dir;
    private final TrainOptions options;
    private final TransformerLM.Config modelConfig;
    private final Tokenizer tokenizer;
    private final TokenSequence train;
    private final TokenSequence val;
    private final Double floorBpb;
    private final double[] bytesPerToken;
    private final double meanBytesPerToken;

    private RunDir(
            Path dir,
            TrainOptions options,
            TransformerLM.Config modelConfig,
            Tokenizer tokenizer,
            TokenSequence train,
            TokenSequence val,
            Double floorBpb) {
        this.dir = dir;
        this.options = options;
        this.modelConfig = modelConfig;
        this.tokenizer = tokenizer;
        this.train = train;
        this.val = val;
        this.floorBpb = floorBpb;
        this.bytesPerToken = Trainer.bytesPerToken(tokenizer);
        double bytes = 0;
        for (int i = 0; i < val.size(); i++) {
            bytes += bytesPerToken[val.get(i)];
        }
        this.meanBytesPerToken = Math.max(1e-9, bytes / val.size());
    }

    /** Prepares a new run: reads or generates the corpus, builds the tokenizer, writes token files. */
    static RunDir create(TrainOptions o, PrintStream log) throws IOException {
        Path dir = o.out != null
                ? o.out
                : Paths.get("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.exists(dir.resolve("checkpoint.safetensors"))) {
            throw new UserError("--out " + dir + " already holds a run; continue it with --resume " + dir
                    + " or choose another --out");
        }
        byte[] text;
        Double floor = null;
        if (o.data == null) {
            SyntheticCorpus corpus = SyntheticCorpus.standard();
            text = corpus.generate(BUILTIN_CORPUS_SEED, o.corpusBytes).getBytes(StandardCharsets.US_ASCII);
            floor = corpus.entropyRateBitsPerByte();
            log.printf("data: built-in corpus, %,d bytes, entropy floor %.3f bits per byte%n", text.length, floor);
        } else {
            text = readData(o.data);
            log.printf("data: %s, %,d bytes%n", o.data, text.length);
        }
        Tokenizer tokenizer = buildTokenizer(o, text, log);
        int[] ids = tokenizer.encodeBytes(text);
        TokenDataset split = TokenDataset.split(TokenSequence.of(ids), o.valFraction);
        int minimum = o.contextLength + 1;
        if (split.train().size() < minimum || split.val().size() < minimum) {
            throw new UserError(String.format(
                    "the data gives %,d training and %,d validation tokens; each needs at "
                            + "least --context-length + 1 = %d (use more text or a smaller context)",
                    split.train().size(), split.val().size(), minimum));
        }
        TransformerLM.Config config = new TransformerLM.Config(
                tokenizer.vocabSize(), o.contextLength, o.dModel, o.numLayers, o.numHeads, o.dFf, o.ropeTheta);

        boolean created = !Files.exists(dir);
        try {
            Files.createDirectories(dir);
            if (tokenizer instanceof BpeTokenizer) {
                ((BpeTokenizer) tokenizer).save(dir);
            }
            TokenFile.write(dir.resolve("train.bin"), split.train(), tokenizer.vocabSize());
            TokenFile.write(dir.resolve("val.bin"), split.val(), tokenizer.vocabSize());
            Map<String, Object> run = new LinkedHashMap<>(o.toMap());
            run.put("tokenizer_kind", tokenizer instanceof BpeTokenizer ? "bpe" : "byte");
            run.put("special_tokens", List.copyOf(tokenizer.specialTokens()));
            run.put("floor_bpb", floor);
            AtomicFiles.write(dir.resolve("run.json"), Json.writePretty(run).getBytes(StandardCharsets.UTF_8));
            AtomicFiles.write(dir.resolve("model.json"), configJson(config).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            if (created) {
                deleteTree(dir); // leave nothing half-written behind
            }
            throw e;
        }
        RunDir run = open(dir, 0);
        run.options.threads = o.threads; // settings of this invocation, not of the run
        run.options.stopAfter = o.stopAfter;
        run.options.detectAnomaly = o.detectAnomaly;
        run.options.findUnusedParameters = o.findUnusedParameters;
        return run;
    }

    /** Opens an existing run; {@code steps > 0} overrides the total step count. */
    static RunDir open(Path dir, int steps) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new UserError("--resume " + dir + " is not a directory");
        }
        Map<String, Object> run = Json.object(Json.parse(read(dir.resolve("run.json"))), "run.json");
        TrainOptions o = new TrainOptions();
        Object data = run.get("data");
        o.data = data == null ? null : Paths.get(Json.string(data, "run.json: data"));
        o.corpusBytes = intOf(run, "corpus_bytes");
        o.valFraction = Json.number(run.get("val_fraction"), "run.json: val_fraction");
        o.tokenizer = Json.string(run.get("tokenizer"), "run.json: tokenizer");
        o.vocabSize = intOf(run, "vocab_size");
        o.batchSize = intOf(run, "batch_size");
        o.steps = steps > 0 ? steps : intOf(run, "steps");
        o.lr = Json.number(run.get("lr"), "run.json: lr");
        o.minLr = Json.number(run.get("min_lr"), "run.json: min_lr");
        o.warmupSteps = intOf(run, "warmup_steps");
        o.weightDecay = Json.number(run.get("weight_decay"), "run.json: weight_decay");
        o.beta1 = Json.number(run.get("beta1"), "run.json: beta1");
        o.beta2 = Json.number(run.get("beta2"), "run.json: beta2");
        o.clip = Json.number(run.get("clip"), "run.json: clip");
        o.seed = Json.integer(run.get("seed"), "run.json: seed");
        o.evalEvery = intOf(run, "eval_every");
        o.checkpointEvery = intOf(run, "checkpoint_every");
        o.logEvery = intOf(run, "log_every");
        o.sampleBytes = intOf(run, "sample_bytes");
        o.out = dir;
        TransformerLM.Config config =
                TransformerLM.Config.fromJson(Json.object(Json.parse(read(dir.resolve("model.json"))), "model.json"));
        o.contextLength = config.contextLength();
        o.dModel = config.dModel();
        o.numLayers = config.numLayers();
        o.numHeads = config.numHeads();
        o.dFf = config.dFf();
        o.ropeTheta = config.ropeTheta();
        try {
            o.validate();
        } catch (UserError e) {
            throw new UserError(dir.resolve("run.json") + " holds a bad setting: " + e.getMessage());
        }
        ModelBudget.checkTraining(config, o.batchSize, dir.resolve("model.json").toString());
        List<String> specials = Json.array(run.get("special_tokens"), "run.json: special_tokens").stream()
                .map(s -> Json.string(s, "run.json: special_tokens"))
                .toList();
        String kind = Json.string(run.get("tokenizer_kind"), "run.json: tokenizer_kind");
        Tokenizer tokenizer;
        if ("bpe".equals(kind)) {
            tokenizer = BpeTokenizer.load(dir.resolve("vocab.json"), dir.resolve("merges.txt"), specials);
        } else {
            try {
                tokenizer = new ByteTokenizer(specials);
            } catch (IllegalArgumentException e) {
                throw new UserError(dir.resolve("run.json") + ": special_tokens: " + e.getMessage(), e);
            }
        }
        if (tokenizer.vocabSize() != config.vocabSize()) {
            throw new UserError("the tokenizer in " + dir + " has " + tokenizer.vocabSize()
                    + " tokens but model.json says vocab_size " + config.vocabSize());
        }
        TokenFile train = TokenFile.open(dir.resolve("train.bin"), config.vocabSize());
        TokenFile val = TokenFile.open(dir.resolve("val.bin"), config.vocabSize());
        Object floor = run.get("floor_bpb");
        return new RunDir(
                dir,
                o,
                config,
                tokenizer,
                train,
                val,
                floor == null ? null : Json.number(floor, "run.json: floor_bpb"));
    }

    private static int intOf(Map<String, Object> run, String key) {
        return (int) Json.integer(run.get(key), "run.json: " + key, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /**
     * Deletes the temporary files that {@link AtomicFiles} leaves beside a file of the run when a write
     * is killed before its rename ({@code .checkpoint.safetensors.1f3a….tmp}); returns how many. They
     * were never part of the run's state: the file they were to replace is still complete.
     */
    int deleteStaleTempFiles() throws IOException {
        int deleted = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = TEMP_FILE.matcher(p.getFileName().toString());
                if (m.matches() && RUN_FILES.contains(m.group(1)) && Files.isRegularFile(p)) {
                    Files.deleteIfExists(p);
                    deleted++;
                }
            }
        }
        return deleted;
    }

    /** AtomicFiles' temporary name for {@code <name>}: {@code .<name>.<hex>.tmp}. */
    private static final Pattern TEMP_FILE = Pattern.compile("\\.(.+)\\.[0-9a-f]{1,16}\\.tmp");

    private static final Set<String> RUN_FILES = Set.of(
            "run.json",
            "model.json",
            "vocab.json",
            "merges.txt",
            "train.bin",
            "val.bin",
            "checkpoint.safetensors",
            "model.safetensors",
            "metrics.csv",
            "bpb.png");

    private static Tokenizer buildTokenizer(TrainOptions o, byte[] text, PrintStream log) throws IOException {
        List<String> specials = List.of(SPECIAL_TOKEN);
        if ("byte".equals(o.tokenizer)) {
            return new ByteTokenizer();
        }
        if ("bpe".equals(o.tokenizer)) {
            long t0 = System.nanoTime();
            BpeTokenizer bpe = BpeTokenizer.train(text, o.vocabSize, specials);
            log.printf(
                    "tokenizer: trained byte-level BPE, %d tokens, in %.1f s%n",
                    bpe.vocabSize(), (System.nanoTime() - t0) / 1e9);
            return bpe;
        }
        Path tokDir = Paths.get(o.tokenizer);
        if (!Files.isDirectory(tokDir)) {
            throw new UserError(
                    "--tokenizer must be byte, bpe, or a directory with vocab.json and merges.txt; got " + o.tokenizer);
        }
        return BpeTokenizer.load(tokDir.resolve("vocab.json"), tokDir.resolve("merges.txt"), specials);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: the original error matters more
        }
    }

    static byte[] readData(Path path) throws IOException {
        byte[] text;
        try {
            text = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new UserError("--data " + path + " does not exist");
        } catch (IOException e) {
            throw new UserError("--data " + path + " cannot be read: " + e.getMessage(), e);
        }
        if (text.length == 0) {
            throw new UserError("--data " + path + " is empty");
        }
        return text;
    }

    private static String read(Path p) throws IOException {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserError(p + " is missing: not a jgrad run directory?");
        }
    }

    /** The model config with CS336's keys, as PyTorch implementations read it. */
    static String configJson(TransformerLM.Config c) {
        return Json.writePretty(c.toJson());
    }

    Path dir() {
        return dir;
    }

    TrainOptions options() {
        return options;
    }

    TransformerLM.Config modelConfig() {
        return modelConfig;
    }

    String modelConfigJson() {
        return configJson(modelConfig);
    }

    Tokenizer tokenizer() {
        return tokenizer;
    }

    TokenSequence train() {
        return train;
    }

    TokenSequence val() {
        return val;
    }

    Double floorBpb() {
        return floorBpb;
    }

    double[] bytesPerToken() {
        return bytesPerToken;
    }

    /** Mean bytes per token over the validation tokens. */
    double meanBytesPerToken() {
        return meanBytesPerToken;
    }

    /** Converts a loss in nats per token to bits per byte at this run's mean token length. */
    double bitsPerByte(double natsPerToken) {
        return natsPerToken / (Math.log(2) * meanBytesPerToken());
    }

    Path checkpointPath() {
        return dir.resolve("checkpoint.safetensors");
    }

    Path weightsPath() {
        return dir.resolve("model.safetensors");
    }

    Path metricsPath() {
        return dir.resolve("metrics.csv");
    }

    Path plotPath() {
        return dir.resolve("bpb.png");
    }
}
