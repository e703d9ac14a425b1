package dev.jgrad.nn.checkpoint;

import dev.jgrad.nn.io.AtomicFiles;
import dev.jgrad.nn.io.Json;
import dev.jgrad.nn.io.JsonException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the safetensors format (as written by Hugging Face's {@code safetensors} for PyTorch).
 *
 * <pre>
 *   bytes [0, 8)        N, the header length: unsigned 64-bit little-endian
 *   bytes [8, 8 + N)    the header: a UTF-8 JSON object starting with '{', optionally padded with trailing spaces
 *                         { "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …,
 *                           "__metadata__": {"key": "value", …} }            (optional, strings only)
 *   bytes [8 + N, end)  the data section; tensor "name" is data[begin, end), little-endian, row-major
 * </pre>
 *
 * <p>Reading is strict and safe against hostile files: N ≤ {@link #MAX_HEADER_BYTES} and N ≤ file size − 8; each
 * entry has exactly the keys dtype, shape and data_offsets; dtype is one of {@link Dtype}; dims are integers ≥ 0;
 * end − begin = dtype size · Π shape (with overflow checks); and the tensors, sorted by begin, tile the data section
 * exactly: no overlap, no gap, nothing left over. Nothing is allocated before its size has been checked against the
 * file's, so a file can never make the reader allocate much more than its own size. Every violation is a
 * {@link SafetensorsException} naming the file, the tensor and the numbers.
 *
 * <p>Writing lays tensors out in the order given, pads the header with spaces so the data section starts at a
 * multiple of 8 bytes, and puts {@code __metadata__} first when there is any. {@link #write(Path, SafetensorsFile)}
 * replaces the file atomically through {@link AtomicFiles}.
 */
public final class Safetensors {
    /** The largest header accepted, as in the reference implementation: 100 MB. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA = "__metadata__";
    private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8; // the largest byte[] a JVM reliably allocates

    private Safetensors() {}

    /** The element types supported here, by their names in the header, with their sizes in bytes. */
    public enum Dtype {
        F32(4),
        F64(8),
        I32(4),
        I64(8);

        private final int size;

        Dtype(int size) {
            this.size = size;
        }

        /** Bytes per element. */
        public int size() {
            return size;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Writing

    /** Atomically writes {@code tensors} (in order) and {@code metadata} (may be null or empty) to {@code path}. */
    public static void write(Path path, Collection<TensorEntry> tensors, Map<String, String> metadata)
            throws IOException {
        write(path, SafetensorsFile.of(tensors, metadata));
    }

    /** Atomically writes {@code file} to {@code path}: the old file survives any failure untouched. */
    public static void write(Path path, SafetensorsFile file) throws IOException {
        byte[] header = header(file);
        AtomicFiles.write(path, out -> writeTo(out, header, file));
    }

    /** The file's bytes in memory; the total must fit a Java array. */
    public static byte[] toBytes(Collection<TensorEntry> tensors, Map<String, String> metadata) {
        return toBytes(SafetensorsFile.of(tensors, metadata));
    }

    /** The file's bytes in memory; the total must fit a Java array. */
    public static byte[] toBytes(SafetensorsFile file) {
        byte[] header = header(file);
        long total = 8L + header.length;
        for (TensorEntry t : file.tensors().values()) total += t.data().length;
        if (total > MAX_ARRAY)
            throw new IllegalArgumentException("safetensors: " + total + " bytes do not fit in a byte array");
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) total);
        try {
            writeTo(out, header, file);
        } catch (IOException e) {
            throw new AssertionError("ByteArrayOutputStream does not throw", e);
        }
        return out.toByteArray();
    }

    /** Writes the length prefix, the header and the data of {@code file} to {@code out}, and does not close it. */
    public static void writeTo(OutputStream out, SafetensorsFile file) throws IOException {
        writeTo(out, header(file), file);
    }

    private static void writeTo(OutputStream out, byte[] header, SafetensorsFile file) throws IOException {
        out.write(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length)
                .array());
        out.write(header);
        for (TensorEntry t : file.tensors().values()) out.write(t.data());
    }

    /** The header JSON as UTF-8, padded with spaces to a multiple of 8 bytes. */
    private static byte[] header(SafetensorsFile file) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (!file.metadata().isEmpty()) json.put(METADATA, file.metadata());
        long offset = 0;
        for (TensorEntry t : file.tensors().values()) {
            if (t.name().equals(METADATA))
                throw new IllegalArgumentException("safetensors: a tensor cannot be named \"" + METADATA + "\"");
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype().name());
            List<Long> shape = new ArrayList<>();
            for (long d : t.shape()) shape.add(d);
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, offset + t.data().length));
            offset += t.data().length;
            json.put(t.name(), entry);
        }
        byte[] text;
        try {
            text = Json.write(json).getBytes(StandardCharsets.UTF_8);
        } catch (JsonException e) { // an unpaired surrogate in a name or metadata
            throw new IllegalArgumentException("safetensors: cannot write the header: " + e.getMessage(), e);
        }
        int padded = (text.length + 7) / 8 * 8;
        if (padded > MAX_HEADER_BYTES)
            throw new IllegalArgumentException(
                    "safetensors: header of " + padded + " bytes exceeds the " + MAX_HEADER_BYTES + "-byte limit");
        byte[] header = Arrays.copyOf(text, padded);
        Arrays.fill(header, text.length, padded, (byte) ' ');
        return header;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reading

    /** Reads and checks the whole file; see the class comment for the rules. */
    public static SafetensorsFile read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(new FileSource(path.toString(), ch));
        }
    }

    /** Reads and checks a file held in memory; see the class comment for the rules. */
    public static SafetensorsFile fromBytes(byte[] bytes) throws SafetensorsException {
        try {
            return read(new BytesSource(bytes));
        } catch (SafetensorsException e) {
            throw e;
        } catch (IOException e) {
            throw new AssertionError("reading a byte array does not fail", e);
        }
    }

    /** Random access to the bytes being read. */
    private interface Source {
        String name();

        long size() throws IOException;

        /** Fills {@code dst} from {@code position}; the caller has checked the range against size(). */
        void read(long position, byte[] dst) throws IOException;
    }

    private record BytesSource(byte[] bytes) implements Source {
        @Override
        public String name() {
            return "<" + bytes.length + " bytes>";
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public void read(long position, byte[] dst) {
            System.arraycopy(bytes, (int) position, dst, 0, dst.length);
        }
    }

    private record FileSource(String name, FileChannel channel) implements Source {
        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public void read(long position, byte[] dst) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(dst);
            while (buf.hasRemaining()) {
                int n = channel.read(buf, position + buf.position());
                if (n < 0)
                    throw new SafetensorsException("safetensors: " + name + ": file ended at byte "
                            + (position + buf.position()) + " while reading bytes [" + position + ", "
                            + (position + dst.length) + "); was it truncated while being read?");
            }
        }
    }

    /** A header entry after its checks: where its bytes are. */
    private record Slot(String name, Dtype dtype, long[] shape, long begin, long end) {}

    private static SafetensorsFile read(Source src) throws IOException {
        String file = src.name();
        long size = src.size();
        if (size < 8) throw error(file, "file is " + size + " bytes, shorter than the 8-byte header length");
        byte[] prefix = new byte[8];
        src.read(0, prefix);
        long n = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).getLong(); // unsigned: negative means ≥ 2⁶³
        if (n < 0 || n > MAX_HEADER_BYTES)
            throw error(
                    file,
                    "header length " + Long.toUnsignedString(n) + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
        if (n > size - 8)
            throw error(file, "header length " + n + " exceeds the " + (size - 8) + " bytes after the length prefix");
        if (n == 0) throw error(file, "header is empty; it must be a JSON object");
        byte[] headerBytes = new byte[(int) n];
        src.read(8, headerBytes);
        long dataStart = 8 + n, dataSize = size - dataStart;

        List<Slot> slots = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : parseHeader(file, headerBytes).entrySet()) {
            if (e.getKey().equals(METADATA)) metadata = metadata(file, e.getValue());
            else slots.add(slot(file, e.getKey(), e.getValue(), dataSize));
        }
        checkTiling(file, slots, dataSize);

        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        for (Slot s : slots) {
            long bytes = s.end - s.begin;
            if (bytes > MAX_ARRAY)
                throw error(
                        file,
                        "tensor " + Json.quote(s.name) + " has " + bytes + " bytes, more than one Java array can hold");
            byte[] data = new byte[(int) bytes];
            src.read(dataStart + s.begin, data);
            tensors.put(s.name, new TensorEntry(s.name, s.dtype, s.shape, data));
        }
        return new SafetensorsFile(tensors, metadata);
    }

    private static Map<String, Object> parseHeader(String file, byte[] bytes) throws SafetensorsException {
        if (bytes[0] != '{')
            throw error(file, "header must start with '{', found byte 0x" + String.format("%02x", bytes[0] & 0xff));
        String text;
        try {
            CharBuffer chars = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            text = chars.toString();
        } catch (CharacterCodingException e) {
            throw error(file, "header is not valid UTF-8");
        }
        Object json;
        try {
            json = Json.parse(text);
        } catch (JsonException e) {
            throw new SafetensorsException("safetensors: " + file + ": header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(json instanceof Map)) throw error(file, "header is not a JSON object");
        return Json.object(json, "header");
    }

    private static Map<String, String> metadata(String file, Object value) throws SafetensorsException {
        if (!(value instanceof Map)) throw error(file, "\"" + METADATA + "\" must be an object, got " + show(value));
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : Json.object(value, METADATA).entrySet()) {
            if (!(e.getValue() instanceof String))
                throw error(
                        file,
                        "\"" + METADATA + "\" value for " + Json.quote(e.getKey()) + " must be a string, got "
                                + show(e.getValue()));
            metadata.put(e.getKey(), (String) e.getValue());
        }
        return metadata;
    }

    /** Checks one header entry on its own: keys, dtype, shape, offsets, byte count and bounds. */
    private static Slot slot(String file, String name, Object value, long dataSize) throws SafetensorsException {
        String tensor = "tensor " + Json.quote(name);
        if (!(value instanceof Map)) throw error(file, tensor + " must be an object, got " + show(value));
        Map<String, Object> entry = Json.object(value, tensor);
        for (String key : entry.keySet())
            if (!ENTRY_KEYS.contains(key)) throw error(file, tensor + " has unexpected key " + Json.quote(key));
        for (String key : List.of("dtype", "shape", "data_offsets"))
            if (!entry.containsKey(key)) throw error(file, tensor + " is missing \"" + key + "\"");

        Object dtypeName = entry.get("dtype");
        if (!(dtypeName instanceof String))
            throw error(file, tensor + " dtype must be a string, got " + show(dtypeName));
        Dtype dtype;
        try {
            dtype = Dtype.valueOf((String) dtypeName);
        } catch (IllegalArgumentException unknown) {
            throw error(
                    file,
                    tensor + " has unsupported dtype " + Json.quote((String) dtypeName) + "; supported: "
                            + Arrays.toString(Dtype.values()));
        }

        long[] shape = integers(file, tensor + " shape", entry.get("shape"), -1);
        for (long d : shape)
            if (d < 0) throw error(file, tensor + " shape " + Arrays.toString(shape) + " has a negative dimension");
        long[] offsets = integers(file, tensor + " data_offsets", entry.get("data_offsets"), 2);
        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < begin)
            throw error(file, tensor + " data_offsets [" + begin + ", " + end + "] are not 0 ≤ begin ≤ end");
        if (end > dataSize)
            throw error(
                    file,
                    tensor + " data_offsets [" + begin + ", " + end + ") exceed the data section of " + dataSize
                            + " bytes");

        long bytes;
        try {
            bytes = TensorEntry.byteCount(name, dtype, shape);
        } catch (IllegalArgumentException overflow) {
            throw error(file, tensor + " " + dtype + " " + Arrays.toString(shape) + " overflows: more than 2^63 bytes");
        }
        if (bytes != end - begin)
            throw error(
                    file,
                    tensor + " " + dtype + " " + Arrays.toString(shape) + " needs " + bytes
                            + " bytes, but data_offsets [" + begin + ", " + end + ") hold " + (end - begin));
        return new Slot(name, dtype, shape, begin, end);
    }

    /** A JSON array of integers (of exactly {@code length} items unless it is −1). */
    private static long[] integers(String file, String what, Object value, int length) throws SafetensorsException {
        if (!(value instanceof List)) throw error(file, what + " must be an array of integers, got " + show(value));
        List<Object> list = Json.array(value, what);
        if (length >= 0 && list.size() != length)
            throw error(file, what + " must have " + length + " items, got " + show(value));
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long))
                throw error(file, what + " must be an array of integers, got " + show(value));
            out[i] = (Long) list.get(i);
        }
        return out;
    }

    /** Sorted by begin, the tensors must cover [0, dataSize) exactly once. */
    private static void checkTiling(String file, List<Slot> slots, long dataSize) throws SafetensorsException {
        List<Slot> sorted = new ArrayList<>(slots);
        sorted.sort(Comparator.comparingLong(Slot::begin).thenComparingLong(Slot::end));
        long next = 0;
        Slot previous = null;
        for (Slot s : sorted) {
            if (s.begin < next)
                throw error(
                        file,
                        "tensor " + Json.quote(s.name) + " data_offsets [" + s.begin + ", " + s.end
                                + ") overlap tensor " + Json.quote(previous.name) + " [" + previous.begin + ", "
                                + previous.end + ")");
            if (s.begin > next)
                throw error(
                        file,
                        "bytes [" + next + ", " + s.begin + ") of the data section belong to no tensor"
                                + " (gap before tensor " + Json.quote(s.name) + ")");
            next = s.end;
            previous = s;
        }
        if (next != dataSize)
            throw error(
                    file,
                    "bytes [" + next + ", " + dataSize + ") at the end of the data section belong to no" + " tensor");
    }

    private static String show(Object v) {
        String s = Json.write(v);
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    private static SafetensorsException error(String file, String what) {
        return new SafetensorsException("safetensors: " + file + ": " + what);
    }
}
