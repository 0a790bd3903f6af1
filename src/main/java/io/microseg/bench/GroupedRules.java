package io.microseg.bench;

import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.RuleOrder;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One agent's rules in the groups form: each {@link RuleTemplate} once, under its id, with the agent's
 * workloads it applies to (its memberships). {@link #group} makes it from the rules the feed sends;
 * {@link #expand} gives those rules back, in evaluation order. Not thread-safe; {@link #copy} before changing
 * a held one.
 */
final class GroupedRules {
    /** One template and the workloads of this agent it applies to (never empty). */
    record Entry(RuleTemplate template, SortedSet<String> workloads) {}

    private final Map<String, Entry> byId = new TreeMap<>();

    static GroupedRules group(Collection<CompiledRule> rules) {
        return group(rules, new java.util.HashMap<>());
    }

    /**
     * The same, naming templates from {@code ids} (template to id), which it fills: a server names each
     * template once for all its agents rather than digest it again per agent.
     */
    static GroupedRules group(Collection<CompiledRule> rules, Map<RuleTemplate, String> ids) {
        GroupedRules g = new GroupedRules();
        for (CompiledRule r : rules) {
            RuleTemplate t = RuleTemplate.of(r);
            String id = ids.computeIfAbsent(t, RuleTemplate::id);
            g.add(id, t, r.workload());
        }
        return g;
    }

    Map<String, Entry> entries() {
        return byId;
    }

    int templates() {
        return byId.size();
    }

    /** How many rules the form stands for: one per (template, workload). */
    long rules() {
        long n = 0;
        for (Entry e : byId.values()) n += e.workloads.size();
        return n;
    }

    void add(String id, RuleTemplate template, String workload) {
        byId.computeIfAbsent(id, k -> new Entry(template, new TreeSet<>())).workloads.add(workload);
    }

    void put(String id, RuleTemplate template, Collection<String> workloads) {
        byId.put(id, new Entry(template, new TreeSet<>(workloads)));
    }

    Entry remove(String id) {
        return byId.remove(id);
    }

    /** Drops a membership; a template left with no workload goes. */
    void removeMember(String id, String workload) {
        Entry e = byId.get(id);
        if (e == null) return;
        e.workloads.remove(workload);
        if (e.workloads.isEmpty()) byId.remove(id);
    }

    Entry get(String id) {
        return byId.get(id);
    }

    GroupedRules copy() {
        GroupedRules g = new GroupedRules();
        byId.forEach((id, e) -> g.put(id, e.template, e.workloads));
        return g;
    }

    /** The rules this form stands for, as the feed orders them ({@link RuleOrder}). */
    List<CompiledRule> expand() {
        List<CompiledRule> out = new ArrayList<>();
        for (Entry e : byId.values()) {
            for (String w : e.workloads) out.add(e.template.on(w));
        }
        RuleOrder.sort(out);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupedRules g && g.byId.equals(byId);
    }

    @Override
    public int hashCode() {
        return byId.hashCode();
    }
}
