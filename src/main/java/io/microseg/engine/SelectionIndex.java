package io.microseg.engine;

import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Labels;
import io.microseg.policy.query.Query;
import io.microseg.policy.query.QueryTerms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which queries select which items, kept current as items and queries come and go, reported as
 * "selector selects item" added and removed. A grouping index in Antrea's sense: items whose labels
 * agree on every key some query reads form one group and share one evaluation (pods of one
 * deployment differ only in their names, which queries seldom read). Queries that read addresses
 * ({@code in subnet}) depend on more than labels and are evaluated per item.
 *
 * <p>A new query is evaluated once per group, not per item, and only on the groups that carry one of
 * its anchor terms (see {@link QueryTerms#anchors}) when it has some. A query that reads a label key
 * no query read before makes the groups too coarse, so they are rebuilt.
 */
final class SelectionIndex<K> {
    /** Receives each change of selection. */
    interface Sink<K> {
        void selected(K query, String item, boolean added);
    }

    /** Items whose labels agree on the keys queries read. */
    private static final class Group<K> {
        final List<String> key;
        final Labels labels;
        final Set<K> selectors;
        final Set<String> items = new HashSet<>();

        Group(List<String> key, Labels labels, Set<K> selectors) {
            this.key = key;
            this.labels = labels;
            this.selectors = selectors;
        }
    }

    /** An item, its group, and the address-reading queries that select it (an immutable empty set while none does, as for most items). */
    private record Member<K>(InventoryItem item, Group<K> group, Set<K> byAddress) {}

    private final Sink<K> sink;
    private final QueryIndex<K> labelQueries = new QueryIndex<>();
    private final Map<K, Query> addressQueries = new HashMap<>();
    private String[] keys = new String[0];
    private Set<String> knownKeys = Set.of();
    private final Map<List<String>, Group<K>> groups = new HashMap<>();
    /** The groups by each label term they carry (on the keys queries read), to find a new query's candidates. */
    private final Map<QueryTerms.Term, Set<Group<K>>> groupsByTerm = new HashMap<>();
    private final Map<String, Member<K>> members = new HashMap<>();

    SelectionIndex(Sink<K> sink) {
        this.sink = sink;
    }

    /** An item was added or changed; {@code id} is {@code item.id()}, the caller's one copy of it. */
    void put(String id, InventoryItem item) {
        Member<K> before = members.get(id);
        Group<K> group = groupOf(item.labels());
        Set<K> byAddress = byAddress(item);
        if (before != null) {
            if (before.group() == group && before.byAddress().equals(byAddress)) {
                members.put(id, new Member<>(item, group, byAddress));
                return;
            }
            Set<K> was = selection(before.group(), before.byAddress());
            Set<K> now = selection(group, byAddress);
            was.forEach(s -> {
                if (!now.contains(s)) sink.selected(s, id, false);
            });
            now.forEach(s -> {
                if (!was.contains(s)) sink.selected(s, id, true);
            });
            if (before.group() != group) leave(before.group(), id);
        } else {
            // the sink does not change the index, so the group's selectors are read as they are
            group.selectors.forEach(s -> sink.selected(s, id, true));
            byAddress.forEach(s -> sink.selected(s, id, true));
        }
        group.items.add(id);
        members.put(id, new Member<>(item, group, byAddress));
    }

    /** The queries that select this item now (empty when it is unknown); a view, to read before the index changes again. */
    Set<K> selectionOf(String id) {
        Member<K> m = members.get(id);
        if (m == null) return Set.of();
        return m.byAddress().isEmpty() ? Collections.unmodifiableSet(m.group().selectors) : selection(m.group(), m.byAddress());
    }

    void remove(String id) {
        Member<K> m = members.remove(id);
        if (m == null) return;
        selection(m.group(), m.byAddress()).forEach(s -> sink.selected(s, id, false));
        leave(m.group(), id);
    }

    /** Queries that came into force and went out of force, by key; a key is in at most one of the two. */
    void update(Map<K, Query> added, Set<K> removed) {
        for (K id : removed) {
            if (labelQueries.get(id) != null) removeLabelQuery(id);
            else if (addressQueries.containsKey(id)) removeAddressQuery(id);
        }
        boolean regroup = false;
        for (Map.Entry<K, Query> q : added.entrySet()) {
            K id = q.getKey();
            if (labelQueries.get(id) != null || addressQueries.containsKey(id)) continue;
            if (QueryTerms.readsAddresses(q.getValue())) {
                addAddressQuery(id, q.getValue());
            } else if (readsOnlyKnownKeys(q.getValue())) {
                addLabelQuery(id, q.getValue());
            } else {
                labelQueries.add(id, q.getValue());
                regroup = true;
            }
        }
        if (regroup) regroup();
    }

    private boolean readsOnlyKnownKeys(Query q) {
        return knownKeys.containsAll(QueryTerms.keys(q).orElseThrow());
    }

    private void addLabelQuery(K id, Query q) {
        labelQueries.add(id, q);
        for (Group<K> g : candidates(q)) {
            if (q.matches(g.labels, List.of())) {
                g.selectors.add(id);
                g.items.forEach(item -> sink.selected(id, item, true));
            }
        }
    }

    private void removeLabelQuery(K id) {
        Query q = labelQueries.get(id);
        labelQueries.remove(id);
        for (Group<K> g : candidates(q)) {
            if (g.selectors.remove(id)) g.items.forEach(item -> sink.selected(id, item, false));
        }
    }

    private void addAddressQuery(K id, Query q) {
        addressQueries.put(id, q);
        for (Map.Entry<String, Member<K>> e : members.entrySet()) {
            Member<K> m = e.getValue();
            if (q.matches(m.item().labels(), m.item().ips())) {
                Set<K> byAddress = m.byAddress();
                if (byAddress.isEmpty()) {
                    byAddress = new HashSet<>(4);
                    e.setValue(new Member<>(m.item(), m.group(), byAddress));
                }
                byAddress.add(id);
                sink.selected(id, e.getKey(), true);
            }
        }
    }

    private void removeAddressQuery(K id) {
        addressQueries.remove(id);
        for (Map.Entry<String, Member<K>> e : members.entrySet()) {
            Set<K> byAddress = e.getValue().byAddress();
            if (!byAddress.isEmpty() && byAddress.remove(id)) sink.selected(id, e.getKey(), false);
        }
    }

    /**
     * Groups anew by every key the label queries read now, moving each item to its new group and
     * reporting the difference: groups that split may now be selected differently.
     */
    private void regroup() {
        Set<String> read = new TreeSet<>();
        for (K id : labelQueries.ids()) read.addAll(QueryTerms.keys(labelQueries.get(id)).orElseThrow());
        keys = read.toArray(new String[0]);
        knownKeys = Set.copyOf(read);
        groups.clear();
        groupsByTerm.clear();
        for (Map.Entry<String, Member<K>> e : members.entrySet()) {
            Member<K> m = e.getValue();
            Group<K> group = groupOf(m.item().labels());
            group.items.add(e.getKey());
            Set<K> was = m.group().selectors;
            for (K s : was) if (!group.selectors.contains(s)) sink.selected(s, e.getKey(), false);
            for (K s : group.selectors) if (!was.contains(s)) sink.selected(s, e.getKey(), true);
            e.setValue(new Member<>(m.item(), group, m.byAddress()));
        }
    }

    /** The groups a query can select: those carrying one of its anchors, or all when it has none. */
    private Collection<Group<K>> candidates(Query q) {
        Optional<Set<QueryTerms.Term>> anchors = QueryTerms.anchors(q);
        if (anchors.isEmpty()) return new ArrayList<>(groups.values());
        Set<Group<K>> found = new HashSet<>();
        for (QueryTerms.Term t : anchors.get()) found.addAll(groupsByTerm.getOrDefault(t, Set.of()));
        return found;
    }

    private List<QueryTerms.Term> terms(List<String> key) {
        List<QueryTerms.Term> terms = new ArrayList<>(keys.length);
        for (int i = 0; i < keys.length; i++) {
            if (key.get(i) != null) terms.add(new QueryTerms.Term(keys[i], QueryTerms.fold(key.get(i))));
        }
        return terms;
    }

    private Group<K> groupOf(Labels labels) {
        String[] values = new String[keys.length];
        for (int i = 0; i < keys.length; i++) values[i] = labels.values().get(keys[i]);
        List<String> key = Arrays.asList(values);
        Group<K> g = groups.get(key);
        if (g == null) {
            g = new Group<>(key, labels, labelQueries.matching(labels));
            groups.put(key, g);
            for (QueryTerms.Term t : terms(key)) groupsByTerm.computeIfAbsent(t, k -> new HashSet<>()).add(g);
        }
        return g;
    }

    private void leave(Group<K> g, String item) {
        g.items.remove(item);
        if (!g.items.isEmpty()) return;
        groups.remove(g.key);
        for (QueryTerms.Term t : terms(g.key)) {
            Set<Group<K>> with = groupsByTerm.get(t);
            if (with != null && with.remove(g) && with.isEmpty()) groupsByTerm.remove(t);
        }
    }

    private Set<K> byAddress(InventoryItem item) {
        Set<K> result = null;
        for (Map.Entry<K, Query> q : addressQueries.entrySet()) {
            if (q.getValue().matches(item.labels(), item.ips())) {
                if (result == null) result = new HashSet<>(4);
                result.add(q.getKey());
            }
        }
        return result == null ? Set.of() : result;
    }

    private static <K> Set<K> selection(Group<K> g, Set<K> byAddress) {
        if (byAddress.isEmpty()) return new HashSet<>(g.selectors);
        Set<K> all = new HashSet<>(g.selectors);
        all.addAll(byAddress);
        return all;
    }
}
