package io.microseg.facts;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;

import java.util.List;

/**
 * A concrete rule on one workload, derived by the DRL rule named {@code rule}. {@code peerSet} is an
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

    public static FirewallRule egress(String workload, Grant g, String ports, String peerSet, String rule, String... matched) {
        return new FirewallRule(workload, Direction.EGRESS, g.action(), g.protocol(), ports, peerSet, g.rank(),
                g.priority(), g.policy(), rule, List.of(matched));
    }

    public static FirewallRule ingress(String workload, Grant g, String ports, String peerSet, String rule, String... matched) {
        return new FirewallRule(workload, Direction.INGRESS, g.action(), g.protocol(), ports, peerSet, g.rank(),
                g.priority(), g.policy(), rule, List.of(matched));
    }

    /** The workspace's last word on a workload: any protocol, any peer. */
    public static FirewallRule catchAll(String workload, Direction direction, CatchAll c, String rule, String... matched) {
        Action action = direction == Direction.INGRESS ? c.ingress() : c.egress();
        return new FirewallRule(workload, direction, action, Protocol.ANY, "", null, Rank.CATCHALL,
                0, c.policy(), rule, List.of(matched));
    }
}
