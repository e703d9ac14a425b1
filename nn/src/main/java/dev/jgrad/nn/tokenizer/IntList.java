package dev.jgrad.nn.tokenizer;

import java.util.Arrays;

/** A growable int array: the ids an encoder appends to. */
final class IntList {
    private int[] items;
    private int size;

    IntList(int capacity) {
        items = new int[Math.max(capacity, 4)];
    }

    void add(int x) {
        if (size == items.length) items = Arrays.copyOf(items, 2 * size);
        items[size++] = x;
    }

    void addAll(int[] xs) {
        if (size + xs.length > items.length) items = Arrays.copyOf(items, Math.max(2 * items.length, size + xs.length));
        System.arraycopy(xs, 0, items, size, xs.length);
        size += xs.length;
    }

    int size() {
        return size;
    }

    int get(int i) {
        return items[i];
    }

    void clear() {
        size = 0;
    }

    int[] toArray() {
        return Arrays.copyOf(items, size);
    }
}
