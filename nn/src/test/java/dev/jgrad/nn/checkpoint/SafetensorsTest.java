package dev.jgrad.nn.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.jgrad.nn.checkpoint.Safetensors.Dtype;
import dev.jgrad.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------------ round trips

    @Test
    void everyDtypeRoundTripsThroughBytesAndFiles() throws IOException {
        List<TensorEntry> tensors = List.of(
                TensorEntry.ofFloats("w", new float[] {1f, -2.5f, Float.MIN_VALUE, Float.NaN, 0f, -0f}, 2, 3),
                TensorEntry.ofDoubles("d", new double[] {Math.PI, -1e300, Double.NEGATIVE_INFINITY}, 3),
                TensorEntry.ofInts("i", new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, 2, 1, 2),
                TensorEntry.ofLongs("l", new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, 2),
                TensorEntry.ofFloats("scalar", new float[] {7f}),
                TensorEntry.ofLongs("scalarLong", new long[] {-42}),
                TensorEntry.ofDoubles("empty", new double[0], 0),
                TensorEntry.ofInts("empty2d", new int[0], 3, 0));
        SafetensorsFile fromMemory = Safetensors.fromBytes(Safetensors.toBytes(tensors, null));
        Path path = dir.resolve("all.safetensors");
        Safetensors.write(path, tensors, Map.of());
        SafetensorsFile fromDisk = Safetensors.read(path);
        for (SafetensorsFile f : List.of(fromMemory, fromDisk)) {
            assertEquals(
                    List.of("w", "d", "i", "l", "scalar", "scalarLong", "empty", "empty2d"),
                    new ArrayList<>(f.tensors().keySet()));
            assertEquals(tensors, new ArrayList<>(f.tensors().values()));
            assertEquals(Map.of(), f.metadata());
            assertArrayEquals(
                    new float[] {1f, -2.5f, Float.MIN_VALUE, Float.NaN, 0f, -0f},
                    f.get("w").toFloats());
            assertArrayEquals(new long[] {2, 3}, f.get("w").shape());
            assertArrayEquals(
                    new double[] {Math.PI, -1e300, Double.NEGATIVE_INFINITY},
                    f.get("d").toDoubles());
            assertArrayEquals(
                    new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE},
                    f.get("i").toInts());
            assertArrayEquals(
                    new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, f.get("l").toLongs());
            assertArrayEquals(new float[] {7f}, f.get("scalar").toFloats());
            assertArrayEquals(new long[0], f.get("scalar").shape());
            assertEquals(1, f.get("scalarLong").numel());
            assertArrayEquals(new long[] {3, 0}, f.get("empty2d").shape());
            assertEquals(0, f.get("empty2d").toInts().length);
        }
    }

    @Test
    void metadataRoundTripsAndComesFirst() throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("step", "1200");
        meta.put("note", "ünïcødé \"quoted\"\n😀");
        byte[] bytes = Safetensors.toBytes(List.of(TensorEntry.ofInts("x", new int[] {5}, 1)), meta);
        SafetensorsFile f = Safetensors.fromBytes(bytes);
        assertEquals(meta, f.metadata());
        assertEquals(
                List.of("format", "step", "note"), new ArrayList<>(f.metadata().keySet()));
        assertTrue(headerText(bytes).startsWith("{\"__metadata__\":{\"format\":\"pt\""), headerText(bytes));
        assertTrue(!headerText(Safetensors.toBytes(f.tensors().values(), null)).contains("__metadata__"));
    }

    @Test
    void writesTheLayoutTheSpecDescribes() throws IOException {
        byte[] bytes = Safetensors.toBytes(List.of(TensorEntry.ofFloats("a", new float[] {1f, 2f}, 2)), null);
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"; // 54 bytes → padded to 56
        assertEquals(54, json.length());
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(56, b.getLong());
        assertEquals(json + "  ", headerText(bytes));
        // IEEE 754: 1.0f = 0x3F800000 and 2.0f = 0x40000000, stored least significant byte first
        byte[] data = Arrays.copyOfRange(bytes, 64, bytes.length);
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40}, data);
    }

    @Test
    void readsAFileLaidOutTheWayPyTorchWritesIt() throws IOException {
        // safetensors.torch.save_file({"weight": w, "bias": b}, metadata={"format": "pt"}): compact JSON, data laid
        // out in an order of its own (here bias first), header padded with spaces to a multiple of 8
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[8,24]},"
                + "\"bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        ByteBuffer data = le(24).putFloat(0.5f)
                .putFloat(-0.25f)
                .putFloat(1f)
                .putFloat(2f)
                .putFloat(3f)
                .putFloat(4f);
        Path path = dir.resolve("model.safetensors");
        Files.write(path, file(header, 8, data.array()));
        SafetensorsFile f = Safetensors.read(path);
        assertEquals(List.of("weight", "bias"), new ArrayList<>(f.tensors().keySet()));
        assertEquals(Map.of("format", "pt"), f.metadata());
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, f.get("weight").toFloats());
        assertArrayEquals(new long[] {2, 2}, f.get("weight").shape());
        assertArrayEquals(new float[] {0.5f, -0.25f}, f.get("bias").toFloats());

        // json.dumps style with spaces, int64 scalar and float64 vector, no padding at all
        String spaced = "{\"step\": {\"dtype\": \"I64\", \"shape\": [], \"data_offsets\": [0, 8]}, "
                + "\"lr\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": [8, 16]}}";
        SafetensorsFile g = Safetensors.fromBytes(
                file(spaced, 0, le(16).putLong(1234).putDouble(3e-4).array()));
        assertArrayEquals(new long[] {1234}, g.get("step").toLongs());
        assertArrayEquals(new double[] {3e-4}, g.get("lr").toDoubles());
    }

    // ------------------------------------------------------------------ malformed files

    private static final String OK_ENTRY = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @Test
    void truncationAnywhereIsASafetensorsException() throws IOException {
        byte[] valid = Safetensors.toBytes(
                List.of(TensorEntry.ofFloats("a", new float[] {1, 2, 3}, 3), TensorEntry.ofInts("b", new int[] {4}, 1)),
                Map.of("k", "v"));
        int headerEnd =
                8 + (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong();
        for (int cut : new int[] {0, 1, 7, 8, 9, 20, headerEnd - 1, headerEnd, headerEnd + 5, valid.length - 1}) {
            byte[] truncated = Arrays.copyOf(valid, cut);
            assertThrows(SafetensorsException.class, () -> Safetensors.fromBytes(truncated), "cut at " + cut);
        }
        assertMessage(Arrays.copyOf(valid, 5), "file is 5 bytes, shorter than the 8-byte header length");
        assertMessage(Arrays.copyOf(valid, 20), "header length " + (headerEnd - 8) + " exceeds the 12 bytes after");
        assertMessage(
                Arrays.copyOf(valid, valid.length - 1),
                "tensor \"b\" data_offsets [12, 16) exceed the data" + " section of 15 bytes");
    }

    @Test
    void headerLengthsBeyondTheFileOrTheLimitAreRejectedBeforeAllocating() {
        assertMessage(prefixed(1000, "{}"), "header length 1000 exceeds the 2 bytes after the length prefix");
        assertMessage(prefixed(1L << 63, "{}"), "header length 9223372036854775808 exceeds the 100000000-byte limit");
        assertMessage(prefixed(-1L, "{}"), "header length 18446744073709551615 exceeds the 100000000-byte limit");
        assertMessage(prefixed(100_000_001L, "{}"), "header length 100000001 exceeds the 100000000-byte limit");
        assertMessage(prefixed(0, "{}"), "header is empty");
    }

    @Test
    void badHeadersNameTheProblem() {
        assertMessage(file("{abc}", 0), "header is not valid JSON: json: expected a string key");
        assertMessage(file("[1, 2]", 0), "header must start with '{', found byte 0x5b");
        assertMessage(file(" {}", 0), "header must start with '{', found byte 0x20");
        assertMessage(file("{} x", 0), "header is not valid JSON: json: unexpected 'x' after the value");
        byte[] badUtf8 = file("{\"a\u00e9\":{}}", 0);
        badUtf8[8 + 3] = (byte) 0xff; // first byte of "é" (0xC3 0xA9) replaced: an invalid sequence
        assertMessage(badUtf8, "header is not valid UTF-8");
        assertMessage(file("{\"a\":" + OK_ENTRY + ",\"a\":" + OK_ENTRY + "}", 8), "duplicate key \"a\"");
        assertMessage(file("{\"a\":[]}", 0), "tensor \"a\" must be an object, got []");
        assertMessage(
                file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,0]}}", 0), "tensor \"a\" is missing \"shape\"");
        assertMessage(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0]}}", 0), "tensor \"a\" is missing \"data_offsets\"");
        assertMessage(file("{\"a\":{\"shape\":[0],\"data_offsets\":[0,0]}}", 0), "tensor \"a\" is missing \"dtype\"");
        assertMessage(
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":1}}", 0),
                "tensor \"a\" has unexpected key \"x\"");
        assertMessage(
                file("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4),
                "tensor \"a\" has unsupported dtype \"BF16\"; supported: [F32, F64, I32, I64]");
        assertMessage(file("{\"a\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "dtype \"f32\"");
        assertMessage(file("{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "dtype must be a string");
        assertMessage(
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1,2],\"data_offsets\":[0,8]}}", 8),
                "tensor \"a\" shape [-1, 2] has a negative dimension");
        assertMessage(
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8),
                "tensor \"a\" shape must be an array of integers, got [2.0]");
        assertMessage(
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8),
                "shape must be an array of integers, got \"2\"");
        assertMessage(
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1e30],\"data_offsets\":[0,8]}}", 8),
                "shape must be an array of integers");
        assertMessage(
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 8),
                "data_offsets must have 2 items, got [0,8,9]");
        assertMessage(
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
                "tensor \"a\" F32 [3] needs 12 bytes, but data_offsets [0, 8) hold 8");
        assertMessage(
                file("{\"a\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8),
                "tensor \"a\" F64 [4611686018427387904, 4] overflows");
        assertMessage(
                file("{\"__metadata__\":{\"k\":1}}", 0), "\"__metadata__\" value for \"k\" must be a string, got 1");
        assertMessage(file("{\"__metadata__\":[\"k\"]}", 0), "\"__metadata__\" must be an object");
    }

    @Test
    void offsetsMustTileTheDataSectionExactly() {
        assertMessage(
                file("{\"w\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[0,40]}}", 32),
                "tensor \"w\" data_offsets [0, 40) exceed the data section of 32 bytes");
        assertMessage(
                file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8),
                "data_offsets [8, 4] are not 0 ≤ begin ≤ end");
        assertMessage(
                file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 8),
                "data_offsets [-4, 0] are not 0 ≤ begin ≤ end");
        assertMessage(
                file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", 8),
                "data_offsets must be an array of integers");
        assertMessage(
                file("{\"a\":" + OK_ENTRY + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "tensor \"b\" data_offsets [4, 12) overlap tensor \"a\" [0, 8)");
        assertMessage(
                file(
                        "{\"a\":" + OK_ENTRY + ",\"b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[8,12]},"
                                + "\"c\":{\"dtype\":\"I32\",\"shape\":[0],\"data_offsets\":[10,10]}}",
                        12),
                "tensor \"c\" data_offsets [10, 10) overlap tensor \"b\" [8, 12)");
        assertMessage(
                file("{\"a\":" + OK_ENTRY + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16),
                "bytes [8, 12) of the data section belong to no tensor (gap before tensor \"b\")");
        assertMessage(
                file("{\"a\":" + OK_ENTRY + "}", 12), "bytes [8, 12) at the end of the data section belong to no");
        assertMessage(file("{}", 4), "bytes [0, 4) at the end of the data section belong to no tensor");
    }

    @Test
    void errorsFromAFileNameIt() throws IOException {
        Path path = dir.resolve("broken.safetensors");
        Files.write(path, file("{\"w\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[0,40]}}", 32));
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.read(path));
        assertEquals(
                "safetensors: " + path + ": tensor \"w\" data_offsets [0, 40) exceed the data section of 32 bytes",
                e.getMessage());
    }

    @Test
    void randomCorruptionEndsInSafetensorsExceptionOrACorrectRead() {
        qt().withExamples(500).forAll(longs().all(), integers().between(1, 3)).checkAssert((seed, edits) -> {
            Random rnd = new Random(seed);
            byte[] bytes = Safetensors.toBytes(randomTensors(rnd), rnd.nextBoolean() ? Map.of("k", "v") : null);
            for (int i = 0; i < edits; i++) bytes = corrupt(rnd, bytes);
            try {
                SafetensorsFile f = Safetensors.fromBytes(bytes);
                // whatever was accepted is a consistent file: it writes back and reads the same
                assertEquals(f, Safetensors.fromBytes(Safetensors.toBytes(f)));
            } catch (SafetensorsException expected) {
                assertTrue(expected.getMessage().startsWith("safetensors: <"), expected.getMessage());
            } catch (Throwable other) {
                fail("fromBytes threw " + other, other);
            }
        });
    }

    // ------------------------------------------------------------------ writing errors and atomicity

    @Test
    void badArgumentsToTheWriterAreIllegalArgumentExceptions() {
        TensorEntry a = TensorEntry.ofInts("a", new int[] {1}, 1);
        assertThrows(IllegalArgumentException.class, () -> Safetensors.toBytes(List.of(a, a), null));
        assertThrows(
                IllegalArgumentException.class,
                () -> Safetensors.toBytes(List.of(TensorEntry.ofInts("__metadata__", new int[] {1}, 1)), null));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TensorEntry.ofFloats("w", new float[5], 2, 3));
        assertEquals("safetensors: tensor \"w\" shape [2, 3] holds 6 elements, got 5 values", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> new TensorEntry("w", Dtype.F64, new long[] {2}, new byte[8]));
        assertEquals("safetensors: tensor \"w\" F64 [2] needs 16 bytes, got 8", e.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> new TensorEntry("w", Dtype.F64, new long[] {-1}, new byte[0]));
        assertThrows(
                IllegalArgumentException.class,
                () -> new TensorEntry("w", Dtype.F64, new long[] {1L << 40, 1L << 40}, new byte[0]));
        IllegalStateException s = assertThrows(IllegalStateException.class, a::toFloats);
        assertEquals("safetensors: tensor \"a\" has dtype I32, not F32", s.getMessage());
        SafetensorsFile f = SafetensorsFile.of(List.of(a), null);
        assertEquals(
                "safetensors: no tensor \"b\"; the file has [a]",
                assertThrows(IllegalArgumentException.class, () -> f.get("b")).getMessage());
    }

    @Test
    void aWriteThatFailsMidwayLeavesTheOldCheckpoint() throws IOException {
        Path path = dir.resolve("ckpt.safetensors");
        List<TensorEntry> old = List.of(TensorEntry.ofFloats("w", new float[] {1, 2}, 2));
        Safetensors.write(path, old, Map.of("step", "1"));
        SafetensorsFile next = SafetensorsFile.of(List.of(TensorEntry.ofFloats("w", new float[] {3, 4}, 2)), null);
        IOException injected = new IOException("injected failure after the data was written");
        IOException thrown = assertThrows(
                IOException.class,
                () -> AtomicFiles.write(path, out -> {
                    Safetensors.writeTo(out, next);
                    throw injected;
                }));
        assertEquals(injected, thrown);
        SafetensorsFile still = Safetensors.read(path);
        assertEquals(old, new ArrayList<>(still.tensors().values()));
        assertEquals(Map.of("step", "1"), still.metadata());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "temp file left behind");
        }
        // a writer-side argument error happens before the file is touched at all
        assertThrows(
                IllegalArgumentException.class,
                () -> Safetensors.write(path, List.of(TensorEntry.ofInts("__metadata__", new int[0], 0)), null));
        assertEquals(old, new ArrayList<>(Safetensors.read(path).tensors().values()));
    }

    // ------------------------------------------------------------------ helpers

    private static List<TensorEntry> randomTensors(Random rnd) {
        List<TensorEntry> out = new ArrayList<>();
        for (int t = rnd.nextInt(4); t >= 0; t--) {
            long[] shape = new long[rnd.nextInt(3)];
            int n = 1;
            for (int k = 0; k < shape.length; k++) n *= (int) (shape[k] = rnd.nextInt(4));
            String name = "t" + t;
            switch (rnd.nextInt(4)) {
                case 0:
                    float[] f = new float[n];
                    for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
                    out.add(TensorEntry.ofFloats(name, f, shape));
                    break;
                case 1:
                    double[] d = new double[n];
                    for (int i = 0; i < n; i++) d[i] = rnd.nextGaussian();
                    out.add(TensorEntry.ofDoubles(name, d, shape));
                    break;
                case 2:
                    out.add(TensorEntry.ofInts(name, rnd.ints(n).toArray(), shape));
                    break;
                default:
                    out.add(TensorEntry.ofLongs(name, rnd.longs(n).toArray(), shape));
            }
        }
        return out;
    }

    /** One random edit: a byte changed (often to a JSON-ish char), a cut, an insertion, or a new length prefix. */
    private static byte[] corrupt(Random rnd, byte[] b) {
        if (b.length == 0) return b;
        byte[] jsonish = "0123456789-[]{},:\" .eE".getBytes(StandardCharsets.US_ASCII);
        int at = rnd.nextInt(b.length);
        switch (rnd.nextInt(5)) {
            case 0:
                b = b.clone();
                b[at] = (byte) rnd.nextInt(256);
                return b;
            case 1:
                b = b.clone();
                b[at] = jsonish[rnd.nextInt(jsonish.length)];
                return b;
            case 2:
                return Arrays.copyOf(b, at);
            case 3: {
                byte[] out = new byte[b.length + 1];
                System.arraycopy(b, 0, out, 0, at);
                out[at] = jsonish[rnd.nextInt(jsonish.length)];
                System.arraycopy(b, at, out, at + 1, b.length - at);
                return out;
            }
            default:
                b = b.clone();
                if (b.length >= 8) {
                    long n = rnd.nextBoolean() ? rnd.nextLong() : rnd.nextInt(b.length + 16);
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
                }
                return b;
        }
    }

    private static void assertMessage(byte[] bytes, String expectedPart) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.fromBytes(bytes));
        assertTrue(e.getMessage().startsWith("safetensors: <" + bytes.length + " bytes>: "), e.getMessage());
        assertTrue(e.getMessage().contains(expectedPart), () -> "message was: " + e.getMessage());
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A file with this header text (UTF-8, padded with {@code pad} spaces) and {@code dataBytes} zero bytes. */
    private static byte[] file(String header, int dataBytes) {
        return file(header, 0, new byte[dataBytes]);
    }

    private static byte[] file(String header, int pad, byte[] data) {
        byte[] h = (header + " ".repeat(pad)).getBytes(StandardCharsets.UTF_8);
        return le(8 + h.length + data.length).putLong(h.length).put(h).put(data).array();
    }

    /** Only a length prefix (any value) and this text after it. */
    private static byte[] prefixed(long headerLength, String rest) {
        byte[] r = rest.getBytes(StandardCharsets.UTF_8);
        return le(8 + r.length).putLong(headerLength).put(r).array();
    }

    private static String headerText(byte[] file) {
        int n = (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(file, 8, n, StandardCharsets.UTF_8);
    }
}
