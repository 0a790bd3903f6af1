package io.microseg.inventory;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The labels a workload carries, as queries see them. Keys are case-insensitive (stored lower-case);
 * values keep their spelling for display and compare case-insensitively in queries.
 */
public record Labels(Map<String, String> values) {
    public static final Labels EMPTY = new Labels(Map.of());

    public Labels {
        if (!(values instanceof LabelMap)) {
            TreeMap<String, String> normalised = new TreeMap<>();
            values.forEach((k, v) -> normalised.put(k.toLowerCase(Locale.ROOT), v == null ? "" : v));
            // Sorted for display, compact for a large cluster, cheap to look up (see LabelMap).
            values = LabelMap.of(normalised);
        }
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key.toLowerCase(Locale.ROOT)));
    }

    public Labels with(String key, String value) {
        TreeMap<String, String> copy = new TreeMap<>(values);
        copy.put(key, value);
        return new Labels(copy);
    }

    public Labels withAll(Map<String, String> more) {
        TreeMap<String, String> copy = new TreeMap<>(values);
        copy.putAll(more);
        return new Labels(copy);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
