package io.microseg.facts;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;

import java.util.List;

/**
 * A firewall rule for every workload of a group, derived by the DRL rule named {@code rule}: what
 * the rules derive, once per policy and group rather than once per workload. {@link #on} makes the
 * concrete rule for one member. {@code matched} lists the ids of the facts that matched (policy,
 * service, cluster, workspace); the member's id is added to it on each concrete rule.
 * {@code localSet}, on an INGRESS rule, limits it to the member's addresses in that set (null: any
 * address of the member). {@code enforcement} is the workspace's ({@link Enforcement}). {@code afterDnat},
 * on an EGRESS rule, judges the destination after the client node's DNAT ({@code CompiledRule}).
 */
public record GroupRule(AppliedTo appliedTo, Direction direction, Action action, Protocol protocol, String ports,
                        String peerSet, String localSet, Rank rank, int priority, String policy, String rule, List<String> matched,
                        Enforcement enforcement, boolean afterDnat) {

    public GroupRule {
        matched = List.copyOf(matched);
    }

    /** A rule that judges the destination as the member sends it. */
    public GroupRule(AppliedTo appliedTo, Direction direction, Action action, Protocol protocol, String ports, String peerSet,
                     String localSet, Rank rank, int priority, String policy, String rule, List<String> matched,
                     Enforcement enforcement) {
        this(appliedTo, direction, action, protocol, ports, peerSet, localSet, rank, priority, policy, rule, matched, enforcement, false);
    }

    public static GroupRule egress(AppliedTo to, Grant g, String ports, String peerSet, String rule, String... matched) {
        return new GroupRule(to, Direction.EGRESS, g.action(), g.protocol(), ports, peerSet, null, g.rank(),
                g.priority(), g.policy(), rule, List.of(matched), g.enforcement());
    }

    public static GroupRule ingress(AppliedTo to, Grant g, String ports, String peerSet, String rule, String... matched) {
        return new GroupRule(to, Direction.INGRESS, g.action(), g.protocol(), ports, peerSet, null, g.rank(),
                g.priority(), g.policy(), rule, List.of(matched), g.enforcement());
    }

    /** The workspace's last word on the workloads of its scope: any protocol, any peer. */
    public static GroupRule catchAll(Direction direction, CatchAll c, String rule, String... matched) {
        Action action = direction == Direction.INGRESS ? c.ingress() : c.egress();
        return new GroupRule(AppliedTo.scope(c.scope()), direction, action, Protocol.ANY, "", null, null, Rank.CATCHALL,
                0, c.policy(), rule, List.of(matched), c.enforcement());
    }

    /** This rule limited to the member's addresses in {@code set}: connections to those addresses only. */
    public GroupRule toAddressesIn(String set) {
        return new GroupRule(appliedTo, direction, action, protocol, ports, peerSet, set, rank, priority, policy,
                rule, matched, enforcement, afterDnat);
    }

    /** The concrete rule on one member, enforced where the member's rules land. */
    public FirewallRule on(Workload member) {
        return new FirewallRule(this, member);
    }
}
