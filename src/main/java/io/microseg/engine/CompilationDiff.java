package io.microseg.engine;

import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.compile.WorkloadRules;
import io.microseg.controlplane.CompiledRule;
import io.microseg.facts.Warning;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The change set that takes a subscriber from one compilation to another, for when the whole rule
 * base is replaced (a DRL edit) rather than the facts: the new rules reach agents as ordinary deltas.
 * Follows {@link ChangeSet}'s conventions: a set coming into use arrives with all its members.
 */
final class CompilationDiff {
    private CompilationDiff() {}

    static ChangeSet between(Compilation before, Compilation after, long version) {
        // one workload's rules made at a time; each workload's rules after it go with the change set
        List<CompiledRule> added = new ArrayList<>();
        List<CompiledRule> removed = new ArrayList<>();
        Map<String, WorkloadRules> rulesAfter = new HashMap<>();
        Set<String> workloads = new TreeSet<>(before.workloads().keySet());
        workloads.addAll(after.workloads().keySet());
        for (String w : workloads) {
            Map<String, CompiledRule> old = byId(before.rulesOf(w));
            Map<String, CompiledRule> now = byId(after.rulesOf(w));
            now.values().stream().filter(r -> !old.containsKey(r.id())).forEach(added::add);
            old.values().stream().filter(r -> !now.containsKey(r.id())).forEach(removed::add);
            rulesAfter.put(w, after.workloads().getOrDefault(w, WorkloadRules.none(w)));
        }

        Map<String, AddressSet> oldSets = before.sets().stream().collect(Collectors.toMap(AddressSet::id, Function.identity()));
        Map<String, AddressSet> newSets = after.sets().stream().collect(Collectors.toMap(AddressSet::id, Function.identity()));
        Set<String> ids = new TreeSet<>(oldSets.keySet());
        ids.addAll(newSets.keySet());
        List<SetChange> sets = new ArrayList<>();
        for (String id : ids) {
            List<String> was = oldSets.containsKey(id) ? oldSets.get(id).members() : List.of();
            List<String> is = newSets.containsKey(id) ? newSets.get(id).members() : List.of();
            List<String> joined = is.stream().filter(m -> !was.contains(m)).toList();
            List<String> left = was.stream().filter(m -> !is.contains(m)).toList();
            boolean usageChanged = oldSets.containsKey(id) != newSets.containsKey(id);
            if (!joined.isEmpty() || !left.isEmpty() || usageChanged) {
                AddressSet described = newSets.getOrDefault(id, oldSets.get(id));
                sets.add(new SetChange(id, described.description(), joined, left));
            }
        }
        Set<Warning> oldWarnings = new LinkedHashSet<>(before.warnings());
        Set<Warning> newWarnings = new LinkedHashSet<>(after.warnings());
        return new ChangeSet(version, added, removed, sets,
                newWarnings.stream().filter(w -> !oldWarnings.contains(w)).toList(),
                oldWarnings.stream().filter(w -> !newWarnings.contains(w)).toList(), List.of(),
                oldSets.keySet().stream().filter(id -> !newSets.containsKey(id)).sorted().toList(), rulesAfter);
    }

    private static Map<String, CompiledRule> byId(List<CompiledRule> rules) {
        Map<String, CompiledRule> m = new TreeMap<>();
        rules.forEach(r -> m.put(r.id(), r));
        return m;
    }
}
