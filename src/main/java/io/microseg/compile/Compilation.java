package io.microseg.compile;

import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.AddressSet;
import io.microseg.facts.Warning;
import io.microseg.policy.Rank;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The result of a compile: rules in evaluation order per workload (workloads sorted by id), the sets
 * those rules use, and the warnings.
 */
public record Compilation(List<CompiledRule> rules, List<AddressSet> sets, List<Warning> warnings) {
    public Compilation {
        rules = List.copyOf(rules);
        sets = List.copyOf(sets);
        warnings = List.copyOf(warnings);
    }

    public List<CompiledRule> rulesOf(String workload) {
        return rules.stream().filter(r -> r.workload().equals(workload)).toList();
    }

    /**
     * This compilation with more warnings (analyses run after the compile, such as cluster safety),
     * merged with its own: duplicates dropped, sorted by policy then message as the compiler sorts them.
     */
    public Compilation withWarnings(List<Warning> more) {
        List<Warning> all = java.util.stream.Stream.concat(warnings.stream(), more.stream()).distinct()
                .sorted(java.util.Comparator.comparing(Warning::policy).thenComparing(Warning::message)).toList();
        return new Compilation(rules, sets, all);
    }

    /** This compilation narrowed to one workload's rules, the sets they use and the warnings that concern it. */
    public Compilation only(String workload) {
        List<CompiledRule> mine = rulesOf(workload);
        var used = mine.stream().flatMap(r -> r.sets().stream()).collect(Collectors.toSet());
        return new Compilation(mine, sets.stream().filter(s -> used.contains(s.id())).toList(), warningsOf(workload));
    }

    /**
     * The warnings that concern one workload: those that name it, and those of the (non-catch-all)
     * policies that have rules on it.
     */
    public List<Warning> warningsOf(String workload) {
        Set<String> policies = rulesOf(workload).stream()
                .filter(r -> r.rank() != Rank.CATCHALL).map(CompiledRule::policy).collect(Collectors.toSet());
        Pattern named = Pattern.compile("(^|[\\s(,])" + Pattern.quote(workload) + "($|[\\s),:;])");
        return warnings.stream().filter(w -> policies.contains(w.policy()) || named.matcher(w.message()).find()).toList();
    }
}
