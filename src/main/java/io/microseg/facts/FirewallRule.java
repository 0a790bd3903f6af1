package io.microseg.facts;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;

import java.util.List;

/**
 * A concrete rule on one workload: the group rule {@code from} applied to one {@code member} of its
 * group, enforced where the member's rules land ({@link #workload}). Held as the pair rather than
 * copied field by field: a large cluster has a million and a half of them. {@link #matched} lists
 * the ids of the facts that matched (policy, service, cluster, then the member); a concrete rule that
 * two groups yield is two facts, and the output groups them under one rule.
 */
public record FirewallRule(GroupRule from, Workload member) {

    /** The workload whose firewall enforces the rule: the member, or its node for a hostNetwork pod. */
    public String workload() {
        return member.landsOn();
    }

    public Direction direction() {
        return from.direction();
    }

    public Action action() {
        return from.action();
    }

    public Protocol protocol() {
        return from.protocol();
    }

    public String ports() {
        return from.ports();
    }

    /** An address set id, or null for any address. */
    public String peerSet() {
        return from.peerSet();
    }

    /** The address set of the member's own addresses the rule is limited to, or null for any. */
    public String localSet() {
        return from.localSet();
    }

    public Rank rank() {
        return from.rank();
    }

    public int priority() {
        return from.priority();
    }

    public String policy() {
        return from.policy();
    }

    /** The name of the DRL rule that derived it. */
    public String rule() {
        return from.rule();
    }

    /** The enforcement of the workspace behind the rule. */
    public Enforcement enforcement() {
        return from.enforcement();
    }

    /** Whether the rule judges the destination after the client node's DNAT. */
    public boolean afterDnat() {
        return from.afterDnat();
    }

    public List<String> matched() {
        List<String> group = from.matched();
        String[] why = group.toArray(new String[group.size() + 1]);
        why[group.size()] = member.id();
        return List.of(why);
    }
}
