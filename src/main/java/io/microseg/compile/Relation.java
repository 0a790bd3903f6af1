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
 *
 * <p>Most keys relate to one item and most items to one key (a workload's addresses, an item's
 * selectors), so a key or item with a single partner asserted once holds that partner itself (a
 * {@code String}) rather than a map or set of one: on a large cluster that is most of the relation.
 */
final class Relation {
    /** By key: the item (a {@code String}, counted once) or a {@code Map<String, Integer>} of items and counts. */
    private final Map<String, Object> byKey = new HashMap<>();
    /** By item: the key (a {@code String}) or a {@code Set<String>} of keys. */
    private final Map<String, Object> byItem;

    Relation(boolean byItem) {
        this.byItem = byItem ? new HashMap<>() : null;
    }

    /** Counts one assertion ({@code present}) or retraction of the pair; returns whether the pair came or went. */
    boolean update(String key, String item, boolean present) {
        return present ? add(key, item) : remove(key, item);
    }

    private boolean add(String key, String item) {
        Object held = byKey.putIfAbsent(key, item);
        if (held != null) {
            Map<String, Integer> items = counted(key, held);
            if (items.merge(item, 1, Integer::sum) > 1) return false;
        }
        if (byItem != null) {
            Object keys = byItem.putIfAbsent(item, key);
            if (keys instanceof String one) {
                Set<String> set = new HashSet<>(4);
                set.add(one);
                set.add(key);
                byItem.put(item, set);
            } else if (keys != null) {
                set(keys).add(key);
            }
        }
        return true;
    }

    /** The items of a key as a map of counts, made from a single item when the key held one. */
    private Map<String, Integer> counted(String key, Object held) {
        if (held instanceof String one) {
            Map<String, Integer> items = new HashMap<>(4);
            items.put(one, 1);
            byKey.put(key, items);
            return items;
        }
        return counts(held);
    }

    private boolean remove(String key, String item) {
        Object held = byKey.get(key);
        if (held == null) return false;
        if (held instanceof String one) {
            if (!one.equals(item)) return false;
            byKey.remove(key);
        } else {
            Map<String, Integer> items = counts(held);
            Integer count = items.get(item);
            if (count == null) return false;
            if (count > 1) {
                items.put(item, count - 1);
                return false;
            }
            items.remove(item);
            if (items.isEmpty()) byKey.remove(key);
        }
        if (byItem != null) {
            Object keys = byItem.get(item);
            if (keys instanceof String) {
                byItem.remove(item);
            } else {
                Set<String> set = set(keys);
                set.remove(key);
                if (set.isEmpty()) byItem.remove(item);
            }
        }
        return true;
    }

    boolean holds(String key, String item) {
        Object held = byKey.get(key);
        if (held instanceof String one) return one.equals(item);
        return held != null && counts(held).containsKey(item);
    }

    /** The items related to a key; a view to read before the relation changes again. */
    Collection<String> members(String key) {
        Object held = byKey.get(key);
        if (held == null) return Set.of();
        if (held instanceof String one) return Set.of(one);
        return counts(held).keySet();
    }

    /** The keys related to an item; only for a relation built with {@code byItem}. */
    Set<String> keysOf(String item) {
        Object keys = byItem.get(item);
        if (keys == null) return Set.of();
        if (keys instanceof String one) return Set.of(one);
        return set(keys);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Integer> counts(Object held) {
        return (Map<String, Integer>) held;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> set(Object held) {
        return (Set<String>) held;
    }
}
