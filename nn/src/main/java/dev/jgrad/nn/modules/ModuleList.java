package dev.jgrad.nn.modules;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** An ordered list of sub-modules named {@code 0}, {@code 1}, …, as {@code torch.nn.ModuleList}. */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    public ModuleList<M> add(M module) {
        registerModule(Integer.toString(items.size()), module);
        items.add(module);
        return this;
    }

    public M get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    @Override
    public Iterator<M> iterator() {
        return items.iterator();
    }
}
