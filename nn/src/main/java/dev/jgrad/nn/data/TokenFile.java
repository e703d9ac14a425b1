package dev.jgrad.nn.data;

import dev.jgrad.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A token sequence stored as raw little-endian integers with no header: exactly what NumPy's
 * {@code np.array(tokens, dtype).tofile(path)} writes and {@code np.fromfile(path, dtype)} reads.
 *
 * <p><b>The dtype comes from the vocabulary size</b>, which the caller passes to both {@link #write} and {@link
 * #open}: {@code uint16} ({@code "<u2"}, 2 bytes) when vocabSize ≤ 65536, else {@code int32} ({@code "<i4"}, 4 bytes).
 * In Python: {@code np.fromfile(path, dtype=np.uint16 if vocab_size <= 65536 else np.int32)}. GPT-2's 50257 tokens
 * and a byte tokenizer's 256 both give uint16.
 *
 * <p>Writing is atomic ({@link AtomicFiles}: temp file in the same directory, fsync, rename). Reading maps the file
 * read-only and checks it eagerly, in one pass at {@link #open}: the size must be a multiple of the element size
 * and every id must lie in [0, vocabSize), so a mismatched vocabulary fails at once, naming the id, its position
 * and the file. Files over 2 GiB (2³¹ − 1 bytes, the limit of one mapping) are not supported.
 */
public final class TokenFile implements TokenSequence {
    /** The element type on disk. */
    public enum Dtype {
        UINT16(2),
        INT32(4);

        /** Bytes per token. */
        public final int bytes;

        Dtype(int bytes) {
            this.bytes = bytes;
        }

        /** UINT16 when every id in [0, vocabSize) fits in 16 bits, else INT32. */
        public static Dtype forVocabSize(int vocabSize) {
            if (vocabSize <= 0)
                throw new IllegalArgumentException("tokenFile: vocabSize must be positive, got " + vocabSize);
            return vocabSize <= 1 << 16 ? UINT16 : INT32;
        }
    }

    private final Path path;
    private final int vocabSize;
    private final Dtype dtype;
    private final ByteBuffer data; // little-endian, read-only
    private final int size;

    private TokenFile(Path path, int vocabSize, ByteBuffer data) {
        this.path = path;
        this.vocabSize = vocabSize;
        this.dtype = Dtype.forVocabSize(vocabSize);
        this.data = data;
        this.size = data.capacity() / dtype.bytes;
    }

    /**
     * Atomically writes {@code tokens} as {@link Dtype#forVocabSize(int) forVocabSize(vocabSize)} little-endian
     * integers, replacing any existing file.
     *
     * @throws IllegalArgumentException if a token lies outside [0, vocabSize); nothing is written then
     */
    public static void write(Path path, TokenSequence tokens, int vocabSize) throws IOException {
        Dtype dtype = Dtype.forVocabSize(vocabSize);
        int n = tokens.size();
        for (int i = 0; i < n; i++) {
            int id = tokens.get(i);
            if (id < 0 || id >= vocabSize)
                throw new IllegalArgumentException("tokenFile.write: token id " + id + " at position " + i
                        + " is outside [0, " + vocabSize + ") for " + path);
        }
        if ((long) n * dtype.bytes > Integer.MAX_VALUE)
            throw new IllegalArgumentException(
                    "tokenFile.write: " + n + " " + dtype + " tokens exceed the 2 GiB limit");
        AtomicFiles.write(path, out -> {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                if (buf.remaining() < dtype.bytes) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                if (dtype == Dtype.UINT16) buf.putShort((short) tokens.get(i));
                else buf.putInt(tokens.get(i));
            }
            out.write(buf.array(), 0, buf.position());
        });
    }

    /** {@link #write(Path, TokenSequence, int)} for an array. */
    public static void write(Path path, int[] tokens, int vocabSize) throws IOException {
        write(path, TokenSequence.of(tokens), vocabSize);
    }

    /**
     * Maps {@code path} read-only and validates it (see class doc).
     *
     * @throws IllegalArgumentException if the size is not a multiple of the element size, the file exceeds 2 GiB,
     *     or a token id lies outside [0, vocabSize)
     */
    public static TokenFile open(Path path, int vocabSize) throws IOException {
        Dtype dtype = Dtype.forVocabSize(vocabSize);
        ByteBuffer data;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long bytes = ch.size();
            if (bytes > Integer.MAX_VALUE)
                throw new IllegalArgumentException("tokenFile: " + path + " is " + bytes
                        + " bytes; files over 2147483647 bytes (one memory mapping) are not supported");
            if (bytes % dtype.bytes != 0)
                throw new IllegalArgumentException("tokenFile: " + path + " is " + bytes + " bytes, not a multiple of "
                        + dtype.bytes + " (" + dtype + " tokens for vocabSize " + vocabSize + ")");
            data = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes).order(ByteOrder.LITTLE_ENDIAN);
        } // the mapping stays valid after the channel closes
        TokenFile file = new TokenFile(path, vocabSize, data);
        if (!(dtype == Dtype.UINT16 && vocabSize == 1 << 16)) { // every uint16 is then valid
            for (int i = 0; i < file.size; i++) {
                int id = file.get(i);
                if (id < 0 || id >= vocabSize)
                    throw new IllegalArgumentException("tokenFile: token id " + id + " at position " + i
                            + " is outside [0, " + vocabSize + ") in " + path);
            }
        }
        return file;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int get(int i) {
        return dtype == Dtype.UINT16 ? Short.toUnsignedInt(data.getShort(i * 2)) : data.getInt(i * 4);
    }

    public Path path() {
        return path;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public Dtype dtype() {
        return dtype;
    }

    @Override
    public String toString() {
        return "TokenFile[" + path + ", " + size + " " + dtype + " tokens, vocabSize " + vocabSize + "]";
    }
}
