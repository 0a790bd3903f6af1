package io.microseg.compile;

import io.microseg.facts.AppliedTo;
import io.microseg.facts.Backend;
import io.microseg.facts.FirewallRule;
import io.microseg.facts.GroupRule;
import io.microseg.facts.InScope;
import io.microseg.facts.Selected;
import io.microseg.facts.Workload;
import io.microseg.facts.WorkloadKind;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Expands the rules the session derives per group ({@link GroupRule}) into concrete rules per member
 * workload ({@link FirewallRule}), and keeps the expansion current as memberships change.
 *
 * <p>Contract: tell it every presence change of the membership facts ({@link Workload},
 * {@link InScope}, {@link Selected}, {@link Backend}: {@link #fact}) and of the group rules
 * ({@link #rule}), in any order within a batch; then {@link #settle} reports, through the listener,
 * every concrete rule that appeared or disappeared. A group's members are kept only while some rule
 * is applied to it. A concrete rule reported as removed is always one reported as added before.
 *
 * <p>The members of a group are found from its smallest index (a query's selection, a cluster's
 * nodes, a service port's backends) rather than by scanning its scope. A changed workload is re-judged
 * against the groups it is a member of (it can only leave those) and the groups it may have joined:
 * those of a query or backend key it joined in the batch, and, for each scope it joined in the batch
 * (or every scope it is in when its {@code Workload} fact came or changed kind or cluster, which the
 * other memberships test), the whole-scope groups of that scope and the groups of every query and
 * backend key it is in (a group of a key it is not in cannot hold it). So a pod that comes costs the
 * groups of the queries selecting it, not every group of its scopes.
 */
public final class AppliedToGroups {
    /** Told of each concrete rule that appears ({@code added}) or disappears. */
    public interface Listener {
        void changed(FirewallRule rule, boolean added);
    }

    /** A group in use: its members as they were when they joined, and the rules applied to it. */
    private static final class Group {
        final AppliedTo to;
        final Map<String, Workload> members = new HashMap<>();
        final List<GroupRule> rules = new ArrayList<>(2);

        Group(AppliedTo to) {
            this.to = to;
        }
    }

    private final Listener listener;

    private final Map<String, Workload> workloads = new HashMap<>();
    private final Relation scopes = new Relation(true);
    /** Kept both ways: a workload's queries and backend keys are where the groups it may join are found. */
    private final Relation selections = new Relation(true);
    private final Relation backends = new Relation(true);
    private final Relation nodesOfCluster = new Relation(false);

    private final Map<AppliedTo, Group> groups = new HashMap<>();
    /** The groups of the kinds found by scope alone ({@code SCOPE}, {@code NODES}), by scope. */
    private final Map<String, List<Group>> wholeScopeGroups = new HashMap<>();
    /** The groups of queries ({@code SELECTED}, {@code SELECTED_IN_CLUSTER}) and of backend keys, by that key. */
    private final Map<String, List<Group>> groupsBySelector = new HashMap<>();
    private final Map<String, List<Group>> groupsByBackends = new HashMap<>();
    /** The groups each workload is a member of. */
    private final Map<String, List<Group>> memberOf = new HashMap<>();

    private Set<String> dirty = new HashSet<>();
    /** What each dirty workload joined during this batch: scopes, queries, backend keys. */
    private Map<String, List<String>> joinedScopes = new HashMap<>();
    private Map<String, List<String>> joinedSelectors = new HashMap<>();
    private Map<String, List<String>> joinedBackends = new HashMap<>();
    /** The {@code Workload} fact of each workload whose fact changed in this batch, as it was before the batch (null: none). */
    private Map<String, Workload> workloadsBefore = new HashMap<>();
    private Set<GroupRule> rulesAdded = new LinkedHashSet<>();
    private Set<GroupRule> rulesRemoved = new LinkedHashSet<>();

    public AppliedToGroups(Listener listener) {
        this.listener = listener;
    }

    /** A membership fact came ({@code present}) or went; any other fact is ignored. */
    public void fact(Object fact, boolean present) {
        if (fact instanceof Workload w) {
            if (!workloadsBefore.containsKey(w.id())) workloadsBefore.put(w.id(), workloads.get(w.id()));
            if (present) workloads.put(w.id(), w);
            else workloads.remove(w.id(), w);
            if (w.kind() == WorkloadKind.NODE) nodesOfCluster.update(w.cluster(), w.id(), present);
            dirty.add(w.id());
        } else if (fact instanceof InScope s) {
            if (scopes.update(s.scope(), s.item(), present) && present) joined(joinedScopes, s.item(), s.scope());
            dirty.add(s.item());
        } else if (fact instanceof Selected s) {
            if (selections.update(s.selector(), s.item(), present) && present) joined(joinedSelectors, s.item(), s.selector());
            dirty.add(s.item());
        } else if (fact instanceof Backend b && b.pod() != null) {
            String key = AppliedTo.backendKey(b.service(), b.portKey(), b.targetPort());
            if (backends.update(key, b.pod(), present) && present) joined(joinedBackends, b.pod(), key);
            dirty.add(b.pod());
        }
    }

    /** The queries that select the item, as told so far (read by {@link QuerySets}). */
    Set<String> selectorsOf(String item) {
        return selections.keysOf(item);
    }

    /** A group rule was derived ({@code present}) or retracted. */
    public void rule(GroupRule r, boolean present) {
        if (present) {
            if (!rulesRemoved.remove(r)) rulesAdded.add(r);
        } else if (!rulesAdded.remove(r)) {
            rulesRemoved.add(r);
        }
    }

    /** Applies the batch: retracted rules leave their members, changed workloads are re-judged, new rules expand. */
    public void settle() {
        Set<Group> emptied = new HashSet<>();
        for (GroupRule r : rulesRemoved) {
            Group g = groups.get(r.appliedTo());
            g.rules.remove(r);
            g.members.values().forEach(m -> listener.changed(r.on(m), false));
            if (g.rules.isEmpty()) emptied.add(g);
        }
        for (String item : dirty) rejudge(item);
        for (GroupRule r : rulesAdded) {
            Group g = groups.get(r.appliedTo());
            if (g == null) g = open(r.appliedTo());
            g.rules.add(r);
            emptied.remove(g);
            g.members.values().forEach(m -> listener.changed(r.on(m), true));
        }
        emptied.forEach(this::close);
        dirty = new HashSet<>();
        joinedScopes = new HashMap<>();
        joinedSelectors = new HashMap<>();
        joinedBackends = new HashMap<>();
        workloadsBefore = new HashMap<>();
        rulesAdded = new LinkedHashSet<>();
        rulesRemoved = new LinkedHashSet<>();
    }

    private static void joined(Map<String, List<String>> joined, String item, String key) {
        joined.computeIfAbsent(item, k -> new ArrayList<>(2)).add(key);
    }

    /**
     * Moves a changed workload into or out of every group it may belong to, or has belonged to: the
     * groups it is a member of, and those whose membership it may have gained (see the class comment).
     */
    private void rejudge(String item) {
        List<Group> of = memberOf.get(item);
        // judging a group may change the list: a copy
        if (of != null) for (Group g : of.toArray(new Group[0])) judge(item, g);
        Workload was = workloadsBefore.getOrDefault(item, null);
        Workload is = workloads.get(item);
        boolean workloadChanged = workloadsBefore.containsKey(item) && is != null
                && (was == null || was.kind() != is.kind() || !Objects.equals(was.cluster(), is.cluster()));
        Collection<String> newScopes = workloadChanged ? scopes.keysOf(item) : joinedScopes.getOrDefault(item, List.of());
        for (String scope : newScopes) judge(item, wholeScopeGroups.get(scope));
        // a keyed group holds only items of its key: in a scope new to it, the item can join only the groups of its own keys
        Collection<String> selectors = newScopes.isEmpty() ? joinedSelectors.getOrDefault(item, List.of()) : selections.keysOf(item);
        for (String selector : selectors) judge(item, groupsBySelector.get(selector));
        Collection<String> keys = newScopes.isEmpty() ? joinedBackends.getOrDefault(item, List.of()) : backends.keysOf(item);
        for (String key : keys) judge(item, groupsByBackends.get(key));
    }

    private void judge(String item, List<Group> candidates) {
        if (candidates != null) for (Group g : candidates) judge(item, g);
    }

    /** Moves the item into or out of the group as it is now; judging a group twice does nothing the second time. */
    private void judge(String item, Group g) {
        Workload now = isMember(item, g.to) ? workloads.get(item) : null;
        Workload before = g.members.get(item);
        if (Objects.equals(before, now)) return;
        if (before != null) {
            g.members.remove(item);
            if (now == null) leave(item, g);
            for (GroupRule r : g.rules) listener.changed(r.on(before), false);
        }
        if (now != null) {
            if (g.members.put(item, now) == null) memberOf.computeIfAbsent(item, k -> new ArrayList<>(2)).add(g);
            for (GroupRule r : g.rules) listener.changed(r.on(now), true);
        }
    }

    private void leave(String item, Group g) {
        List<Group> of = memberOf.get(item);
        of.remove(g);
        if (of.isEmpty()) memberOf.remove(item);
    }

    private Group open(AppliedTo to) {
        Group g = new Group(to);
        for (String item : candidates(to)) {
            if (isMember(item, to)) {
                g.members.put(item, workloads.get(item));
                memberOf.computeIfAbsent(item, k -> new ArrayList<>(2)).add(g);
            }
        }
        groups.put(to, g);
        Map<String, List<Group>> byKey = byKey(to);
        if (byKey != null) byKey.computeIfAbsent(to.key(), k -> new ArrayList<>()).add(g);
        else wholeScopeGroups.computeIfAbsent(to.scope(), k -> new ArrayList<>()).add(g);
        return g;
    }

    private void close(Group g) {
        groups.remove(g.to);
        Map<String, List<Group>> byKey = byKey(g.to);
        if (byKey != null) remove(byKey, g.to.key(), g);
        else remove(wholeScopeGroups, g.to.scope(), g);
        g.members.keySet().forEach(item -> leave(item, g));
    }

    private static void remove(Map<String, List<Group>> index, String key, Group g) {
        List<Group> list = index.get(key);
        list.remove(g);
        if (list.isEmpty()) index.remove(key);
    }

    /** The index of groups by key that a group of this kind is in; null for kinds found by scope alone ({@link #wholeScopeGroups}). */
    private Map<String, List<Group>> byKey(AppliedTo to) {
        return switch (to.members()) {
            case SELECTED, SELECTED_IN_CLUSTER -> groupsBySelector;
            case BACKENDS -> groupsByBackends;
            case SCOPE, NODES -> null;
        };
    }

    /** The items that may be members: the smaller index the group is defined by. */
    private Collection<String> candidates(AppliedTo to) {
        return switch (to.members()) {
            case SCOPE -> scopes.members(to.scope());
            case SELECTED, SELECTED_IN_CLUSTER -> selections.members(to.key());
            case NODES -> nodesOfCluster.members(to.key());
            case BACKENDS -> backends.members(to.key());
        };
    }

    private boolean isMember(String item, AppliedTo to) {
        Workload w = workloads.get(item);
        if (w == null || !scopes.holds(to.scope(), item)) return false;
        return switch (to.members()) {
            case SCOPE -> true;
            case SELECTED -> selections.holds(to.key(), item);
            case SELECTED_IN_CLUSTER -> selections.holds(to.key(), item) && w.kind() != WorkloadKind.HOST
                    && to.cluster().equals(w.cluster());
            case NODES -> w.kind() == WorkloadKind.NODE && to.key().equals(w.cluster());
            case BACKENDS -> backends.holds(to.key(), item);
        };
    }
}
