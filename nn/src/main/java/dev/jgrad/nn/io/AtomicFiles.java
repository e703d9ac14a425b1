package dev.jgrad.nn.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old contents or the complete new contents, never a torn file.
 *
 * <pre>
 *   1. create  &lt;dir&gt;/.&lt;name&gt;.&lt;random&gt;.tmp   (same directory, so the rename below stays on one file system)
 *   2. run the writer on it, flush, FileChannel.force(true)      (data and metadata on disk)
 *   3. Files.move(tmp, target, ATOMIC_MOVE, REPLACE_EXISTING)    (rename(2): all or nothing)
 *   4. fsync the directory, where the platform allows it         (the rename itself survives a crash)
 * </pre>
 *
 * If anything before step 3 fails, the temp file is deleted, the target is left exactly as it was, and the failure
 * is rethrown. The directory must exist; it is not created.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Like {@link java.util.function.Consumer}, but may throw {@link IOException}. */
    @FunctionalInterface
    public interface IOConsumer<T> {
        void accept(T t) throws IOException;
    }

    /**
     * Atomically replaces {@code target} with the bytes that {@code writer} writes to the stream it is given. The
     * stream is buffered; the writer need not flush it, and closing it is allowed but does nothing.
     */
    public static void write(Path target, IOConsumer<OutputStream> writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = null;
        try {
            FileChannel channel = null;
            for (int attempt = 0; channel == null; attempt++) {
                Path candidate = dir.resolve("." + absolute.getFileName() + "."
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
                try {
                    channel = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    tmp = candidate; // ours from here on: delete it on failure
                } catch (FileAlreadyExistsException e) {
                    if (attempt >= 9) throw e;
                }
            }
            try (FileChannel ch = channel) {
                OutputStream out = new BufferedOutputStream(new KeepOpen(Channels.newOutputStream(ch)), 1 << 16);
                writer.accept(out);
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException | RuntimeException | Error e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException | RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
        syncDirectory(dir);
    }

    /** Atomically replaces {@code target} with {@code bytes}. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** fsync on a directory makes a rename durable on Linux; other platforms refuse to open one, which is fine. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // the file itself is complete and in place; only durability of the rename is best effort here
        }
    }

    /** Passes writes through and ignores close(), so the channel stays open for force(). */
    private static final class KeepOpen extends OutputStream {
        private final OutputStream out;

        KeepOpen(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() {}
    }
}
