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
 * nodes, a service port's backends) rather than by scanning its scope; a changed workload is
 * re-judged only against the groups of the scopes it is or was in.
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
    private final Relation selections = new Relation(false);
    private final Relation backends = new Relation(false);
    private final Relation nodesOfCluster = new Relation(false);

    private final Map<AppliedTo, Group> groups = new HashMap<>();
    private final Map<String, List<Group>> groupsByScope = new HashMap<>();

    private Set<String> dirty = new HashSet<>();
    /** Scopes each dirty workload left during this batch: their groups may still hold it. */
    private Map<String, Set<String>> leftScopes = new HashMap<>();
    private Set<GroupRule> rulesAdded = new LinkedHashSet<>();
    private Set<GroupRule> rulesRemoved = new LinkedHashSet<>();

    public AppliedToGroups(Listener listener) {
        this.listener = listener;
    }

    /** A membership fact came ({@code present}) or went; any other fact is ignored. */
    public void fact(Object fact, boolean present) {
        if (fact instanceof Workload w) {
            if (present) workloads.put(w.id(), w);
            else workloads.remove(w.id(), w);
            if (w.kind() == WorkloadKind.NODE) nodesOfCluster.update(w.cluster(), w.id(), present);
            dirty.add(w.id());
        } else if (fact instanceof InScope s) {
            scopes.update(s.scope(), s.item(), present);
            if (!present) leftScopes.computeIfAbsent(s.item(), k -> new HashSet<>()).add(s.scope());
            dirty.add(s.item());
        } else if (fact instanceof Selected s) {
            selections.update(s.selector(), s.item(), present);
            dirty.add(s.item());
        } else if (fact instanceof Backend b && b.pod() != null) {
            backends.update(AppliedTo.backendKey(b.service(), b.portKey(), b.targetPort()), b.pod(), present);
            dirty.add(b.pod());
        }
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
        leftScopes = new HashMap<>();
        rulesAdded = new LinkedHashSet<>();
        rulesRemoved = new LinkedHashSet<>();
    }

    /** Moves a changed workload into or out of every group it may belong to, or has belonged to. */
    private void rejudge(String item) {
        Set<String> candidates = new HashSet<>(scopes.keysOf(item));
        candidates.addAll(leftScopes.getOrDefault(item, Set.of()));
        for (String scope : candidates) {
            for (Group g : groupsByScope.getOrDefault(scope, List.of())) {
                Workload now = isMember(item, g.to) ? workloads.get(item) : null;
                Workload before = g.members.get(item);
                if (Objects.equals(before, now)) continue;
                if (before != null) {
                    g.members.remove(item);
                    for (GroupRule r : g.rules) listener.changed(r.on(before), false);
                }
                if (now != null) {
                    g.members.put(item, now);
                    for (GroupRule r : g.rules) listener.changed(r.on(now), true);
                }
            }
        }
    }

    private Group open(AppliedTo to) {
        Group g = new Group(to);
        for (String item : candidates(to)) {
            if (isMember(item, to)) g.members.put(item, workloads.get(item));
        }
        groups.put(to, g);
        groupsByScope.computeIfAbsent(to.scope(), k -> new ArrayList<>()).add(g);
        return g;
    }

    private void close(Group g) {
        groups.remove(g.to);
        List<Group> inScope = groupsByScope.get(g.to.scope());
        inScope.remove(g);
        if (inScope.isEmpty()) groupsByScope.remove(g.to.scope());
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
