package io.microseg.netpol;

import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * A Kubernetes label selector as NetworkPolicy uses it: every {@code matchLabels} pair and every
 * requirement must hold. The empty selector selects everything. Keys and values compare exactly,
 * as Kubernetes compares them (unlike microseg queries, which ignore case).
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> requirements) {
    public static final LabelSelector EVERYTHING = new LabelSelector(Map.of(), List.of());

    public LabelSelector {
        matchLabels = java.util.Collections.unmodifiableMap(new TreeMap<>(matchLabels));
        requirements = List.copyOf(requirements);
    }

    /** The operators of {@code matchExpressions}. */
    public enum Operator { In, NotIn, Exists, DoesNotExist }

    /** One {@code matchExpressions} entry. */
    public record Requirement(String key, Operator operator, List<String> values) {
        public Requirement {
            values = List.copyOf(new java.util.TreeSet<>(values));
        }

        boolean matches(Map<String, String> labels) {
            String v = labels.get(key.toLowerCase(java.util.Locale.ROOT));
            return switch (operator) {
                case In -> v != null && values.contains(v);
                case NotIn -> v == null || !values.contains(v);
                case Exists -> v != null;
                case DoesNotExist -> v == null;
            };
        }

        String text() {
            return switch (operator) {
                case In -> key + " in (" + String.join(",", values) + ")";
                case NotIn -> key + " notin (" + String.join(",", values) + ")";
                case Exists -> key;
                case DoesNotExist -> "!" + key;
            };
        }
    }

    /**
     * Whether an object with these (Kubernetes, unprefixed) labels is selected. Keys are looked up
     * lower-cased, as microseg stores them ({@link io.microseg.inventory.Labels}); values compare exactly.
     */
    public boolean matches(Map<String, String> labels) {
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey().toLowerCase(java.util.Locale.ROOT)))) return false;
        }
        for (Requirement r : requirements) {
            if (!r.matches(labels)) return false;
        }
        return true;
    }

    public boolean isEmpty() {
        return matchLabels.isEmpty() && requirements.isEmpty();
    }

    /** kubectl's spelling ({@code app=a,tier in (x,y),!legacy}); empty for the empty selector. */
    public String text() {
        StringJoiner j = new StringJoiner(",");
        matchLabels.forEach((k, v) -> j.add(k + "=" + v));
        requirements.forEach(r -> j.add(r.text()));
        return j.toString();
    }
}
