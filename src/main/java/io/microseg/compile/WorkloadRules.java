package io.microseg.compile;

import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.RuleOrder;
import io.microseg.facts.FirewallRule;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One workload's compiled rules, held as what they are made from and made into {@link CompiledRule}s
 * (ids digested, provenance attached) only when read: a large cluster has a million and a half rules,
 * and a reader (an agent's snapshot, {@code compile} of one workload, the compile JSON streamed) needs
 * one workload's at a time. Nothing is kept per rule: {@link #rules()} makes them anew at every call.
 *
 * <p>Immutable and safe to read from any thread: the engine's form holds the engine's own array of the
 * workload's facts, which the engine replaces rather than changes, and the assembler of the rule base in
 * force (it reads only the rules' sources, which never change).
 */
public sealed interface WorkloadRules {
    /** The workload whose firewall enforces these rules. */
    String workload();

    /** The rules in evaluation order ({@link RuleOrder}), made now. */
    List<CompiledRule> rules();

    /** The sets these rules use (peer and local sets), read without making the rules. */
    Set<String> sets();

    /** How many rules (facts that make the same rule count once), without making them. */
    int size();

    /** Whether there are no rules (cheaper than {@link #size}). */
    boolean isEmpty();

    /** The rules of one workload's concrete rule facts, which the caller never changes. */
    static WorkloadRules of(String workload, FirewallRule[] facts, CompilationAssembler assembler) {
        return new Facts(workload, facts, assembler);
    }

    /** Rules already made (a compilation assembled from a list, a feed patched by deltas): kept as given, sorted. */
    static WorkloadRules of(String workload, List<CompiledRule> rules) {
        for (CompiledRule r : rules) {
            if (!r.workload().equals(workload)) throw new IllegalArgumentException("rule " + r.id() + " is not of " + workload);
        }
        List<CompiledRule> sorted = new ArrayList<>(rules);
        sorted.sort(RuleOrder.EVALUATION);
        return new Made(workload, List.copyOf(sorted));
    }

    /** A workload with no rules. */
    static WorkloadRules none(String workload) {
        return new Made(workload, List.of());
    }

    /** The engine's form: the facts and what turns them into rules. */
    final class Facts implements WorkloadRules {
        private final String workload;
        private final FirewallRule[] facts;
        private final CompilationAssembler assembler;

        private Facts(String workload, FirewallRule[] facts, CompilationAssembler assembler) {
            this.workload = workload;
            this.facts = facts;
            this.assembler = assembler;
        }

        @Override
        public String workload() {
            return workload;
        }

        @Override
        public List<CompiledRule> rules() {
            List<CompiledRule> out = new ArrayList<>(facts.length);
            CompilationAssembler.forEachRule(facts, (id, fs) -> out.add(assembler.toRule(id, fs)));
            out.sort(RuleOrder.EVALUATION);
            return out;
        }

        @Override
        public Set<String> sets() {
            Set<String> used = new TreeSet<>();
            CompilationAssembler.addSets(facts, used);
            return used;
        }

        @Override
        public boolean isEmpty() {
            return facts.length == 0;
        }

        @Override
        public int size() {
            if (facts.length < 2) return facts.length;
            // most workloads hold a few facts: compare them pairwise rather than digest each
            if (facts.length <= 32) {
                int distinct = 0;
                for (int i = 0; i < facts.length; i++) {
                    boolean seen = false;
                    for (int j = 0; j < i && !seen; j++) seen = CompilationAssembler.sameRule(facts[j], facts[i]);
                    if (!seen) distinct++;
                }
                return distinct;
            }
            Set<String> ids = new HashSet<>();
            for (FirewallRule f : facts) ids.add(CompilationAssembler.idOf(f));
            return ids.size();
        }

        @Override
        public String toString() {
            return workload + ": " + facts.length + " facts";
        }
    }

    /** Rules already made. */
    record Made(String workload, List<CompiledRule> rules) implements WorkloadRules {
        @Override
        public Set<String> sets() {
            Set<String> used = new TreeSet<>();
            for (CompiledRule r : rules) used.addAll(r.sets());
            return used;
        }

        @Override
        public int size() {
            return rules.size();
        }

        @Override
        public boolean isEmpty() {
            return rules.isEmpty();
        }
    }
}
