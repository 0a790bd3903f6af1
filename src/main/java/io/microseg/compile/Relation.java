package io.microseg.compile;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A relation between keys (a scope, a selector, a backend key, a workload) and items, kept from facts
 * that come and go. A pair may be asserted more than once (a dual-stack backend is two facts), so
 * pairs are counted; a pair is present while its count is positive. The item-to-keys direction is
 * kept only when asked for, as most users only look up by key.
 */
final class Relation {
    private final Map<String, Map<String, Integer>> byKey = new HashMap<>();
    private final Map<String, Set<String>> byItem;

    Relation(boolean byItem) {
        this.byItem = byItem ? new HashMap<>() : null;
    }

    /** Counts one assertion ({@code present}) or retraction of the pair; returns whether the pair came or went. */
    boolean update(String key, String item, boolean present) {
        if (present) {
            if (byKey.computeIfAbsent(key, k -> new HashMap<>(4)).merge(item, 1, Integer::sum) > 1) return false;
            if (byItem != null) byItem.computeIfAbsent(item, k -> new HashSet<>(4)).add(key);
            return true;
        }
        Map<String, Integer> items = byKey.get(key);
        Integer count = items == null ? null : items.get(item);
        if (count == null) return false;
        if (count > 1) {
            items.put(item, count - 1);
            return false;
        }
        items.remove(item);
        if (items.isEmpty()) byKey.remove(key);
        if (byItem != null) {
            Set<String> keys = byItem.get(item);
            keys.remove(key);
            if (keys.isEmpty()) byItem.remove(item);
        }
        return true;
    }

    boolean holds(String key, String item) {
        Map<String, Integer> items = byKey.get(key);
        return items != null && items.containsKey(item);
    }

    /** The items related to a key. */
    Collection<String> members(String key) {
        return byKey.getOrDefault(key, Map.of()).keySet();
    }

    /** The keys related to an item; only for a relation built with {@code byItem}. */
    Set<String> keysOf(String item) {
        return byItem.getOrDefault(item, Set.of());
    }
}
