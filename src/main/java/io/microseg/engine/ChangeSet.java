package io.microseg.engine;

import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.CompiledRule;
import io.microseg.facts.Warning;
import io.microseg.compile.WorkloadRules;

import java.util.List;
import java.util.Map;

/**
 * What one batch of changes did to the compiled rules, under a version that only grows. Set changes
 * cover the sets that rules use: a set that comes into use arrives with all its members as added,
 * one that goes out of use leaves with all its members as removed and is named in {@code setsOutOfUse}
 * (the engine is the one that counts the rules using each set; what comes after it need not). Placements say which workloads
 * moved to (or away from) which agent, or changed addresses where they are, so that a feed can route
 * rules to the right node and tell each agent the addresses of its workloads.
 *
 * <p>Rules come in no particular order: whoever presents them sorts its share by
 * {@link io.microseg.controlplane.RuleOrder} (the feed, per agent), so the engine does not sort a
 * first change set of a million rules that nobody reads whole.
 *
 * <p>{@code workloadRules} holds, for workloads whose rules the batch changed, all their rules as they
 * are after it ({@link WorkloadRules}, made when read; none when a workload has no rule left), so that a
 * reader that keeps rules per workload replaces its own without holding any rule made. Contract: every
 * workload of a rule added or removed is among them (the constructor refuses a change set that breaks it),
 * so that a reader never has to patch rules it holds from the lists.
 */
public record ChangeSet(long version, List<CompiledRule> rulesAdded, List<CompiledRule> rulesRemoved,
                        List<SetChange> sets, List<Warning> warningsAdded, List<Warning> warningsRemoved,
                        List<Placement> placements, List<String> setsOutOfUse, Map<String, WorkloadRules> workloadRules) {
    public ChangeSet {
        workloadRules = Map.copyOf(workloadRules);
        setsOutOfUse = List.copyOf(setsOutOfUse);
        placements = List.copyOf(placements);
        // a first change set's rules are made when read (LazyRules, immutable)
        if (!(rulesAdded instanceof LazyRules)) rulesAdded = List.copyOf(rulesAdded);
        rulesRemoved = List.copyOf(rulesRemoved);
        sets = List.copyOf(sets);
        warningsAdded = List.copyOf(warningsAdded);
        warningsRemoved = List.copyOf(warningsRemoved);
        // a first change set's lazy rules are not made here to be checked: the engine gives every workload's rules with them
        if (!(rulesAdded instanceof LazyRules)) requireRulesAfter(rulesAdded, workloadRules);
        requireRulesAfter(rulesRemoved, workloadRules);
    }

    private static void requireRulesAfter(List<CompiledRule> rules, Map<String, WorkloadRules> workloadRules) {
        for (CompiledRule r : rules) {
            if (!workloadRules.containsKey(r.workload())) {
                throw new IllegalArgumentException("rule " + r.id() + " changes, but the change set does not give the rules of its workload "
                        + r.workload() + " after it");
            }
        }
    }

    public boolean isEmpty() {
        return rulesAdded.isEmpty() && rulesRemoved.isEmpty() && sets.isEmpty() && warningsAdded.isEmpty()
                && warningsRemoved.isEmpty() && placements.isEmpty() && setsOutOfUse.isEmpty();
    }
}
