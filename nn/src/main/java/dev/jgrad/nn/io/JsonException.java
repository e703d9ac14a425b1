package dev.jgrad.nn.io;

/**
 * Malformed JSON text, or a JSON value of the wrong shape for its reader.
 *
 * <p>Messages read as a sentence and say where: {@code json: leading zero in number at line 1 column 7}, or, from
 * the typed getters of {@link Json}, {@code config: "d_model" must be an integer, got "abc"}.
 */
public class JsonException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public JsonException(String message) {
        super(message);
    }
}
