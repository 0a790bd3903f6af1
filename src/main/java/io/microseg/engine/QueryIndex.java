package io.microseg.engine;

import io.microseg.inventory.Labels;
import io.microseg.policy.query.Query;
import io.microseg.policy.query.QueryTerms;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Label queries indexed by their anchors (see {@link QueryTerms#anchors}), so that finding the
 * queries that select a label set tries only those anchored on one of its labels, plus the few
 * that cannot be anchored: a handful of candidates out of thousands of queries.
 */
final class QueryIndex<K> {
    private final Map<QueryTerms.Term, Set<K>> byTerm = new HashMap<>();
    private final Map<K, Query> unanchored = new HashMap<>();
    private final Map<K, Query> all = new HashMap<>();

    void add(K id, Query q) {
        all.put(id, q);
        Optional<Set<QueryTerms.Term>> anchors = QueryTerms.anchors(q);
        if (anchors.isEmpty()) unanchored.put(id, q);
        else anchors.get().forEach(t -> byTerm.computeIfAbsent(t, k -> new HashSet<>()).add(id));
    }

    void remove(K id) {
        Query q = all.remove(id);
        if (q == null) return;
        unanchored.remove(id);
        QueryTerms.anchors(q).ifPresent(ts -> ts.forEach(t -> {
            Set<K> ids = byTerm.get(t);
            if (ids != null && ids.remove(id) && ids.isEmpty()) byTerm.remove(t);
        }));
    }

    /** The ids of the queries that select an item with these labels (label queries read no addresses). */
    Set<K> matching(Labels labels) {
        Set<K> result = new HashSet<>();
        for (Map.Entry<String, String> label : labels.values().entrySet()) {
            Set<K> ids = byTerm.get(new QueryTerms.Term(label.getKey(), QueryTerms.fold(label.getValue())));
            if (ids == null) continue;
            for (K id : ids) {
                if (!result.contains(id) && all.get(id).matches(labels, List.of())) result.add(id);
            }
        }
        unanchored.forEach((id, q) -> {
            if (q.matches(labels, List.of())) result.add(id);
        });
        return result;
    }

    Query get(K id) {
        return all.get(id);
    }

    Set<K> ids() {
        return all.keySet();
    }
}
