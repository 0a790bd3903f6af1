package io.microseg.facts;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;

import java.util.List;

/**
 * A concrete rule on one workload: a {@link GroupRule} applied to one member of its group. {@code peerSet} is an
 * address set id, or null for any address. {@code matched} lists the ids of the facts that matched
 * (policy, service, pods, nodes, cluster): it is part of the fact's identity, so the same concrete
 * rule justified by two different matches is two facts, and the output groups them under one rule
 * with two justifications.
 */
public record FirewallRule(String workload, Direction direction, Action action, Protocol protocol, String ports,
                           String peerSet, Rank rank, int priority, String policy, String rule, List<String> matched) {

    public FirewallRule {
        matched = List.copyOf(matched);
    }
}
