package dev.jgrad.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesANewFileAndLeavesNoTempFile() throws IOException {
        Path target = dir.resolve("tokens.bin");
        AtomicFiles.write(target, out -> out.write("hello".getBytes(StandardCharsets.UTF_8)));
        assertEquals("hello", Files.readString(target));
        assertEquals(List.of("tokens.bin"), listing());
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Path target = dir.resolve("ckpt");
        Files.writeString(target, "old contents that are longer");
        AtomicFiles.write(target, "new".getBytes(StandardCharsets.UTF_8));
        assertEquals("new", Files.readString(target));
        assertEquals(List.of("ckpt"), listing());
    }

    @Test
    void aWriterThatClosesTheStreamStillProducesTheWholeFile() throws IOException {
        Path target = dir.resolve("f");
        byte[] big = new byte[200_000]; // several buffer-fulls
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        AtomicFiles.write(target, out -> {
            out.write(big, 0, 100);
            out.write(big, 100, big.length - 100);
            out.close();
        });
        assertArrayEquals(big, Files.readAllBytes(target));
    }

    @Test
    void aFailingWriterLeavesTheOldFileAndNoTempFile() throws IOException {
        Path target = dir.resolve("ckpt");
        Files.writeString(target, "old");
        IOException boom = new IOException("disk full (injected)");
        IOException thrown = assertThrows(
                IOException.class,
                () -> AtomicFiles.write(target, out -> {
                    out.write(new byte[100_000]); // partly flushed to the temp file already
                    throw boom;
                }));
        assertSame(boom, thrown);
        assertEquals("old", Files.readString(target));
        assertEquals(List.of("ckpt"), listing());

        RuntimeException bug = new IllegalStateException("writer bug (injected)");
        assertSame(
                bug,
                assertThrows(
                        IllegalStateException.class,
                        () -> AtomicFiles.write(target, out -> {
                            out.write(1);
                            throw bug;
                        })));
        assertEquals("old", Files.readString(target));
        assertEquals(List.of("ckpt"), listing());
    }

    @Test
    void aMissingDirectoryIsAnIOExceptionAndCreatesNothing() throws IOException {
        Path target = dir.resolve("missing").resolve("f");
        assertThrows(NoSuchFileException.class, () -> AtomicFiles.write(target, out -> out.write(1)));
        assertFalse(Files.exists(dir.resolve("missing")));
        assertEquals(List.of(), listing());
    }

    private List<String> listing() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
