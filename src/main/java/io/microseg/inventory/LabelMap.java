package io.microseg.inventory;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The immutable map of one object's labels: keys sorted, in two arrays. Every pod, node and service
 * carries one (about a dozen entries each), so a hashed map per object would cost several times the
 * labels themselves on a large cluster. Lookups compare the key's cached hash before its text, so
 * the long shared {@code orchestrator_} prefixes are seldom compared. Keys and values are interned:
 * the same few keys and the same values (an app, a namespace) recur on thousands of objects.
 */
final class LabelMap extends AbstractMap<String, String> {
    /** From this many entries a lookup searches the sorted keys instead of scanning them. */
    private static final int SCAN_UP_TO = 12;

    private final String[] keys;
    private final String[] values;

    private LabelMap(String[] keys, String[] values) {
        this.keys = keys;
        this.values = values;
    }

    /** The labels of a map already normalised (lower-case keys, no null value), in key order. */
    static LabelMap of(TreeMap<String, String> sorted) {
        String[] keys = new String[sorted.size()];
        String[] values = new String[sorted.size()];
        int i = 0;
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            keys[i] = e.getKey().intern();
            values[i] = e.getValue().intern();
            i++;
        }
        return new LabelMap(keys, values);
    }

    private int indexOf(Object key) {
        if (!(key instanceof String k)) return -1;
        if (keys.length > SCAN_UP_TO) {
            int i = Arrays.binarySearch(keys, k);
            return i < 0 ? -1 : i;
        }
        int h = k.hashCode();
        for (int i = 0; i < keys.length; i++) {
            String candidate = keys[i];
            if (candidate == k || (candidate.hashCode() == h && candidate.equals(k))) return i;
        }
        return -1;
    }

    @Override
    public String get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : values[i];
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public boolean isEmpty() {
        return keys.length == 0;
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super String> action) {
        for (int i = 0; i < keys.length; i++) action.accept(keys[i], values[i]);
    }

    @Override
    public Set<Map.Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<String, String>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < keys.length;
                    }

                    @Override
                    public Map.Entry<String, String> next() {
                        if (next >= keys.length) throw new NoSuchElementException();
                        int i = next++;
                        return new AbstractMap.SimpleImmutableEntry<>(keys[i], values[i]);
                    }
                };
            }

            @Override
            public int size() {
                return keys.length;
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        if (o instanceof LabelMap other) return Arrays.equals(keys, other.keys) && Arrays.equals(values, other.values);
        return super.equals(o);
    }

    /** As {@link Map#hashCode()} specifies, without making the entries. */
    @Override
    public int hashCode() {
        int h = 0;
        for (int i = 0; i < keys.length; i++) h += keys[i].hashCode() ^ values[i].hashCode();
        return h;
    }
}
