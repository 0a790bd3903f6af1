package io.microseg.controlplane;

import io.microseg.policy.Action;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The order rules are evaluated in on a workload (first match wins), the one order the compiler, the
 * feed, the agent and the evaluator of trace and matrix sort rules by: by rank ({@link io.microseg.policy.Rank}:
 * ClusterNetworkPolicy Admin tier, absolute, default, ClusterNetworkPolicy Baseline tier, catch-all); by
 * priority; DENY before ALLOW and PASS on ties; then by policy, DRL rule, protocol, ports and peer so that
 * the order is total. Rules of different workloads are ordered by workload first, then direction. A PASS
 * rule skips the rest of its rank (a tier), so the ranks of a workload's rules stay contiguous in this order.
 */
public final class RuleOrder {
    private RuleOrder() {}

    /**
     * Written out rather than chained: a large change set is sorted by it, and the rules of one workload
     * share most of their fields (often the same String instances), which a chain of key extractors
     * compares character by character.
     */
    public static final Comparator<CompiledRule> EVALUATION = RuleOrder::compare;

    /**
     * Sorts rules in {@link #EVALUATION} order, in place. Rules are bucketed by workload first and each
     * workload's few rules sorted apart: a million-rule change set sorted as one list spends its time
     * on cache misses, comparing rules of different workloads scattered over the heap.
     */
    public static void sort(List<CompiledRule> rules) {
        Map<String, List<CompiledRule>> byWorkload = new HashMap<>();
        for (CompiledRule r : rules) byWorkload.computeIfAbsent(r.workload(), k -> new ArrayList<>(8)).add(r);
        List<String> workloads = new ArrayList<>(byWorkload.keySet());
        workloads.sort(null);
        rules.clear();
        for (String w : workloads) {
            List<CompiledRule> own = byWorkload.get(w);
            own.sort(EVALUATION);
            rules.addAll(own);
        }
    }

    private static int compare(CompiledRule a, CompiledRule b) {
        int c = compareText(a.workload(), b.workload());
        if (c != 0) return c;
        c = a.direction().compareTo(b.direction());
        if (c != 0) return c;
        c = a.rank().compareTo(b.rank());
        if (c != 0) return c;
        c = Integer.compare(a.priority(), b.priority());
        if (c != 0) return c;
        c = Boolean.compare(a.action() != Action.DENY, b.action() != Action.DENY);
        if (c != 0) return c;
        c = compareText(a.policy(), b.policy());
        if (c != 0) return c;
        c = compareText(a.rule(), b.rule());
        if (c != 0) return c;
        c = a.protocol().compareTo(b.protocol());
        if (c != 0) return c;
        c = compareText(a.ports(), b.ports());
        if (c != 0) return c;
        c = compareText(a.peerSet() == null ? "" : a.peerSet(), b.peerSet() == null ? "" : b.peerSet());
        if (c != 0) return c;
        return compareText(a.localSet() == null ? "" : a.localSet(), b.localSet() == null ? "" : b.localSet());
    }

    private static int compareText(String a, String b) {
        return a == b ? 0 : a.compareTo(b);
    }
}
