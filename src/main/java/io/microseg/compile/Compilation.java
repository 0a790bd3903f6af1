package io.microseg.compile;

import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.facts.Warning;
import io.microseg.policy.Rank;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The result of a compile: rules in evaluation order per workload (workloads sorted by id), the sets
 * those rules use, and the warnings.
 *
 * <p>Rules are held per workload ({@link WorkloadRules}) and made when read: {@link #rulesOf} and
 * {@link #only} make one workload's, {@link #workloads} hands out every workload's to be read one at a
 * time (the compile JSON, a feed), and {@link #rules()} makes every rule of the cluster at once, for the
 * callers that need them all together (a large cluster's take gigabytes). Immutable; equal when the
 * rules, sets and warnings are.
 */
public final class Compilation {
    private final SortedMap<String, WorkloadRules> byWorkload;
    private final List<AddressSet> sets;
    private final List<Warning> warnings;

    /** A compilation of rules already made (grouped by workload and sorted in evaluation order here). */
    public Compilation(List<CompiledRule> rules, List<AddressSet> sets, List<Warning> warnings) {
        this(made(rules), sets, warnings);
    }

    private Compilation(SortedMap<String, WorkloadRules> byWorkload, List<AddressSet> sets, List<Warning> warnings) {
        this.byWorkload = Collections.unmodifiableSortedMap(byWorkload);
        this.sets = List.copyOf(sets);
        this.warnings = List.copyOf(warnings);
    }

    /** A compilation of each workload's rules as given (workloads without rules are left out). */
    public static Compilation ofWorkloads(Collection<WorkloadRules> rules, List<AddressSet> sets, List<Warning> warnings) {
        SortedMap<String, WorkloadRules> byWorkload = new TreeMap<>();
        for (WorkloadRules w : rules) {
            if (w.isEmpty()) continue;
            if (byWorkload.put(w.workload(), w) != null) throw new IllegalArgumentException("two rule lists of " + w.workload());
        }
        return new Compilation(byWorkload, sets, warnings);
    }

    private static SortedMap<String, WorkloadRules> made(List<CompiledRule> rules) {
        Map<String, List<CompiledRule>> grouped = new LinkedHashMap<>();
        for (CompiledRule r : rules) grouped.computeIfAbsent(r.workload(), k -> new ArrayList<>()).add(r);
        SortedMap<String, WorkloadRules> byWorkload = new TreeMap<>();
        grouped.forEach((w, rs) -> byWorkload.put(w, WorkloadRules.of(w, rs)));
        return byWorkload;
    }

    /** Every workload that has rules, with its rules (made when read), by workload id in order. */
    public SortedMap<String, WorkloadRules> workloads() {
        return byWorkload;
    }

    /**
     * Every rule, made now, in evaluation order per workload (workloads sorted by id). Each call makes
     * them again: a caller that reads them more than once keeps the list.
     */
    public List<CompiledRule> rules() {
        List<CompiledRule> all = new ArrayList<>();
        for (WorkloadRules w : byWorkload.values()) all.addAll(w.rules());
        return all;
    }

    /** How many rules, without making them. */
    public long ruleCount() {
        long n = 0;
        for (WorkloadRules w : byWorkload.values()) n += w.size();
        return n;
    }

    public List<AddressSet> sets() {
        return sets;
    }

    public List<Warning> warnings() {
        return warnings;
    }

    /** One workload's rules in evaluation order, made now. */
    public List<CompiledRule> rulesOf(String workload) {
        WorkloadRules w = byWorkload.get(workload);
        return w == null ? List.of() : w.rules();
    }

    /**
     * This compilation with more warnings (analyses run after the compile, such as cluster safety),
     * merged with its own: duplicates dropped, sorted by policy then message as the compiler sorts them.
     */
    public Compilation withWarnings(List<Warning> more) {
        List<Warning> all = java.util.stream.Stream.concat(warnings.stream(), more.stream()).distinct()
                .sorted(java.util.Comparator.comparing(Warning::policy).thenComparing(Warning::message)).toList();
        return new Compilation(new TreeMap<>(byWorkload), sets, all);
    }

    /** This compilation narrowed to one workload's rules, the sets they use and the warnings that concern it. */
    public Compilation only(String workload) {
        List<CompiledRule> mine = rulesOf(workload);
        Set<String> used = mine.stream().flatMap(r -> r.sets().stream()).collect(Collectors.toSet());
        SortedMap<String, WorkloadRules> one = new TreeMap<>();
        if (!mine.isEmpty()) one.put(workload, WorkloadRules.of(workload, mine));
        return new Compilation(one, sets.stream().filter(s -> used.contains(s.id())).toList(), warningsOf(workload, mine));
    }

    /**
     * The warnings that concern one workload: those that name it, and those of the (non-catch-all)
     * policies that have rules on it.
     */
    public List<Warning> warningsOf(String workload) {
        return warningsOf(workload, rulesOf(workload));
    }

    private List<Warning> warningsOf(String workload, List<CompiledRule> rules) {
        Set<String> policies = new HashSet<>();
        for (CompiledRule r : rules) if (r.rank() != Rank.CATCHALL) policies.add(r.policy());
        Pattern named = Pattern.compile("(^|[\\s(,])" + Pattern.quote(workload) + "($|[\\s),:;])");
        return warnings.stream().filter(w -> policies.contains(w.policy()) || named.matcher(w.message()).find()).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Compilation c && sets.equals(c.sets) && warnings.equals(c.warnings)
                && byWorkload.keySet().equals(c.byWorkload.keySet()) && rules().equals(c.rules());
    }

    @Override
    public int hashCode() {
        return Objects.hash(byWorkload.keySet(), sets, warnings);
    }

    @Override
    public String toString() {
        return "Compilation[rules=" + rules() + ", sets=" + sets + ", warnings=" + warnings + "]";
    }
}
