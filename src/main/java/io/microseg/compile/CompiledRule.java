package io.microseg.compile;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;

import java.util.List;

/**
 * A concrete firewall rule on one workload, in the compile JSON's terms, with every justification
 * the rules found for it. {@code id} is a digest of the rule's content, stable across compiles.
 */
public record CompiledRule(String id, String workload, Direction direction, Action action, Protocol protocol,
                           String ports, String peerSet, String rule, String policy, Rank rank, int priority,
                           List<Justification> justifications) {
    public CompiledRule {
        justifications = List.copyOf(justifications);
    }
}
