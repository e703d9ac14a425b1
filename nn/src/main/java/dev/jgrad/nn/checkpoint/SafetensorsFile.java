package dev.jgrad.nn.checkpoint;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The contents of a safetensors file: tensors by name in file order (the order of their headers), and the
 * optional string-to-string {@code __metadata__}. Both maps are unmodifiable copies.
 */
public record SafetensorsFile(Map<String, TensorEntry> tensors, Map<String, String> metadata) {
    /** Copies both maps, keeping order; checks that each tensor is filed under its own name. */
    public SafetensorsFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata == null ? Map.of() : metadata));
        for (Map.Entry<String, TensorEntry> e : tensors.entrySet())
            if (!e.getKey().equals(e.getValue().name()))
                throw new IllegalArgumentException(
                        "safetensors: tensor " + TensorEntry.quote(e.getValue().name()) + " is filed under the name "
                                + TensorEntry.quote(e.getKey()));
    }

    /** The tensors in the given order; a repeated name is an {@link IllegalArgumentException}. */
    public static SafetensorsFile of(Collection<TensorEntry> tensors, Map<String, String> metadata) {
        Map<String, TensorEntry> byName = new LinkedHashMap<>();
        for (TensorEntry t : tensors)
            if (byName.putIfAbsent(t.name(), t) != null)
                throw new IllegalArgumentException("safetensors: two tensors are named " + TensorEntry.quote(t.name()));
        return new SafetensorsFile(byName, metadata);
    }

    /** The tensor called {@code name}; a missing one is an {@link IllegalArgumentException} listing those present. */
    public TensorEntry get(String name) {
        TensorEntry t = tensors.get(name);
        if (t == null) {
            ArrayList<String> names = new ArrayList<>(tensors.keySet());
            String shown = names.size() <= 20
                    ? names.toString()
                    : names.subList(0, 20) + " and " + (names.size() - 20) + " more";
            throw new IllegalArgumentException(
                    "safetensors: no tensor " + TensorEntry.quote(name) + "; the file has " + shown);
        }
        return t;
    }
}
