package dev.jgrad.nn.checkpoint;

import java.io.IOException;

/**
 * A safetensors file (or byte array) that breaks the format. Thrown by every reading method of
 * {@link Safetensors} for any malformed input, hostile or truncated, with a message that names the source, the
 * tensor and the numbers involved, e.g. {@code safetensors: model.safetensors: tensor "w" data_offsets [0, 40)
 * exceed the data section of 32 bytes}. Plain I/O failures (a missing file, a full disk) stay ordinary
 * {@link IOException}s; bad arguments to the writing methods are {@link IllegalArgumentException}s.
 */
public class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
