package io.microseg.scenario;

import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A rule a scenario expects. Fields left null are not compared. The peer is either a set id
 * ({@code peerSet}), the set's exact members ({@code peerMembers}), or any address ({@code anyPeer}).
 * {@code localSet} is the exception: null expects a rule without one, so that a rule limited to some
 * of its workload's addresses is never matched by an expectation that does not say so.
 */
record ExpectedRule(String workload, String direction, String action, String protocol, String ports,
                    String peerSet, List<String> peerMembers, boolean anyPeer, String localSet, String rule,
                    String policy, String rank, Integer priority) {

    boolean matches(CompiledRule r, Map<String, AddressSet> sets) {
        return eq(workload, r.workload()) && eq(direction, r.direction().name()) && eq(action, r.action().name())
                && eq(protocol, r.protocol().name()) && eq(ports, r.ports()) && eq(rule, r.rule())
                && eq(policy, r.policy()) && eq(rank, r.rank().name())
                && (priority == null || priority == r.priority()) && peerMatches(r, sets)
                && Objects.equals(localSet, r.localSet());
    }

    private boolean peerMatches(CompiledRule r, Map<String, AddressSet> sets) {
        if (anyPeer) return r.peerSet() == null;
        if (peerSet != null) return peerSet.equals(r.peerSet());
        if (peerMembers != null) {
            AddressSet s = r.peerSet() == null ? null : sets.get(r.peerSet());
            return s != null && s.members().stream().sorted().toList().equals(peerMembers.stream().sorted().toList());
        }
        return true;
    }

    private static boolean eq(String expected, String actual) {
        return expected == null || expected.equalsIgnoreCase(Objects.toString(actual, ""));
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (String s : new String[]{workload, direction, action, protocol, ports}) if (s != null) parts.add(s);
        if (anyPeer) parts.add("peer any");
        else if (peerSet != null) parts.add("peer " + peerSet);
        else if (peerMembers != null) parts.add("peer " + peerMembers);
        if (localSet != null) parts.add("local " + localSet);
        if (rank != null) parts.add("rank " + rank);
        if (priority != null) parts.add("priority " + priority);
        if (policy != null) parts.add("policy " + policy);
        if (rule != null) parts.add("rule \"" + rule + "\"");
        return String.join(" ", parts);
    }
}
