package dev.jgrad.core.autograd;

/** A scope opened by {@link Autograd#noGrad()}; closing it restores the previous mode. */
public interface GradScope extends AutoCloseable {
    @Override
    void close();
}
