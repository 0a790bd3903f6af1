package io.microseg.bench;

import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.CompiledRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Deltas of the groups form: the server's side ({@link #between}: what changed from one agent's grouped
 * rules to the next), and the agent's ({@link #apply}, and {@link #render}: the rules it installs and the
 * rule ids it drops, which the form sends as templates and memberships and the agent rebuilds).
 */
final class GroupsDeltas {
    private GroupsDeltas() {}

    /** The rules an agent renders for a delta: the rules to install and the ids of those to drop. */
    record Rendered(List<CompiledRule> added, List<String> removed) {}

    /** The delta from {@code before} to {@code after}, with the sets and workloads of the feed's delta {@code shared}. */
    static GroupsWire.Delta between(GroupedRules before, GroupedRules after, AgentEvent.Delta shared) {
        Map<String, GroupedRules.Entry> added = new TreeMap<>();
        List<String> removed = new ArrayList<>();
        List<GroupsWire.Members> members = new ArrayList<>();
        before.entries().forEach((id, e) -> {
            if (after.get(id) == null) removed.add(id);
        });
        after.entries().forEach((id, e) -> {
            GroupedRules.Entry was = before.get(id);
            if (was == null) {
                added.put(id, e);
                return;
            }
            List<String> in = e.workloads().stream().filter(w -> !was.workloads().contains(w)).toList();
            List<String> out = was.workloads().stream().filter(w -> !e.workloads().contains(w)).toList();
            if (!in.isEmpty() || !out.isEmpty()) members.add(new GroupsWire.Members(id, in, out));
        });
        return new GroupsWire.Delta(shared.version(), added, removed, members, shared);
    }

    /** Where one of the agent's rules is in its groups form: which template, on which workload. */
    record Member(String template, String workload) {}

    /**
     * The groups form of one of the feed's deltas to an agent, in time proportional to the delta: the rules
     * it removes found by id in {@code index} (every rule the agent holds, by id), those it adds grouped into
     * templates named from {@code names}. {@code held} and {@code index} become the agent's state after the
     * delta. A rule removed and added again (the feed re-sends a rule whose justifications changed) changes
     * no membership, and a template whose last member leaves is removed.
     */
    static GroupsWire.Delta of(AgentEvent.Delta d, GroupedRules held, Map<String, Member> index, Map<RuleTemplate, String> names) {
        Map<String, Boolean> existed = new TreeMap<>();
        Map<String, java.util.Set<String>> in = new java.util.HashMap<>();
        Map<String, java.util.Set<String>> out = new java.util.HashMap<>();
        for (String id : d.rulesRemoved()) {
            Member m = index.remove(id);
            if (m == null) continue;
            existed.putIfAbsent(m.template(), held.get(m.template()) != null);
            out.computeIfAbsent(m.template(), k -> new java.util.TreeSet<>()).add(m.workload());
            held.removeMember(m.template(), m.workload());
        }
        for (CompiledRule r : d.rulesAdded()) {
            RuleTemplate t = RuleTemplate.of(r);
            String id = names.computeIfAbsent(t, RuleTemplate::id);
            existed.putIfAbsent(id, held.get(id) != null);
            index.put(r.id(), new Member(id, r.workload()));
            held.add(id, t, r.workload());
            java.util.Set<String> gone = out.get(id);
            if (gone == null || !gone.remove(r.workload())) in.computeIfAbsent(id, k -> new java.util.TreeSet<>()).add(r.workload());
        }
        Map<String, GroupedRules.Entry> added = new TreeMap<>();
        List<String> removed = new ArrayList<>();
        List<GroupsWire.Members> members = new ArrayList<>();
        existed.forEach((id, before) -> {
            GroupedRules.Entry now = held.get(id);
            if (!before && now != null) {
                added.put(id, new GroupedRules.Entry(now.template(), new java.util.TreeSet<>(now.workloads())));
            } else if (before && now == null) {
                removed.add(id);
            } else if (before) {
                List<String> joined = List.copyOf(in.getOrDefault(id, java.util.Set.of()));
                List<String> left = List.copyOf(out.getOrDefault(id, java.util.Set.of()));
                if (!joined.isEmpty() || !left.isEmpty()) members.add(new GroupsWire.Members(id, joined, left));
            }
        });
        return new GroupsWire.Delta(d.version(), added, removed, members, d);
    }

    /** Applies the delta to what the agent holds, in the feed's order: removals first. */
    static void apply(GroupedRules held, GroupsWire.Delta d) {
        d.templatesRemoved().forEach(held::remove);
        d.templatesAdded().forEach((id, e) -> held.put(id, e.template(), e.workloads()));
        for (GroupsWire.Members m : d.members()) {
            for (String w : m.removed()) held.removeMember(m.template(), w);
            GroupedRules.Entry e = held.get(m.template());
            if (e == null && !m.added().isEmpty()) throw new IllegalStateException("members of a template the agent does not hold: " + m.template());
            for (String w : m.added()) e.workloads().add(w);
        }
    }

    /** The rules the delta installs and drops on an agent that held {@code before}. */
    static Rendered render(GroupedRules before, GroupsWire.Delta d) {
        List<CompiledRule> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (String id : d.templatesRemoved()) {
            GroupedRules.Entry e = before.get(id);
            if (e != null) e.workloads().forEach(w -> removed.add(e.template().on(w).id()));
        }
        d.templatesAdded().values().forEach(e -> e.workloads().forEach(w -> added.add(e.template().on(w))));
        for (GroupsWire.Members m : d.members()) {
            GroupedRules.Entry e = before.get(m.template());
            if (e == null) continue;
            m.removed().forEach(w -> removed.add(e.template().on(w).id()));
            m.added().forEach(w -> added.add(e.template().on(w)));
        }
        return new Rendered(added, removed);
    }
}
