package io.microseg.controlplane;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;

import java.util.List;

/**
 * A concrete firewall rule on one workload, in the compile JSON's terms, with every justification
 * the rules found for it. {@code id} is a digest of the rule's content, stable across compiles.
 * {@code peerSet} is the address set of the peer, null for any address; {@code localSet} the
 * addresses of this workload the rule is limited to (INGRESS only: a node's load-balancer addresses),
 * null for any address of the workload. {@code enforcement} is that of the rule's workspace: an audited
 * DENY ({@link #audited}) counts and logs the connections it matches and lets the next rule decide.
 * {@code afterDnat}, on an EGRESS rule of a pod, says the rule judges the destination as it is after
 * the DNAT of the client's own node (a NetworkPolicy's egress: defined on pod addresses, so a
 * connection to a ClusterIP is judged on the backend kube-proxy picked and its target port); the
 * pod's node enforces it, from the first such rule on (docs/networkpolicy.md).
 */
public record CompiledRule(String id, String workload, Direction direction, Action action, Protocol protocol,
                           String ports, String peerSet, String localSet, String rule, String policy, Rank rank,
                           int priority, List<Justification> justifications, Enforcement enforcement, boolean afterDnat) {
    public CompiledRule {
        justifications = List.copyOf(justifications);
        java.util.Objects.requireNonNull(enforcement, "enforcement");
    }

    /** A rule that judges the destination as the workload sends it. */
    public CompiledRule(String id, String workload, Direction direction, Action action, Protocol protocol, String ports,
                        String peerSet, String localSet, String rule, String policy, Rank rank, int priority,
                        List<Justification> justifications, Enforcement enforcement) {
        this(id, workload, direction, action, protocol, ports, peerSet, localSet, rule, policy, rank, priority, justifications,
                enforcement, false);
    }

    /** A rule of an enforced workspace. */
    public CompiledRule(String id, String workload, Direction direction, Action action, Protocol protocol, String ports,
                        String peerSet, String localSet, String rule, String policy, Rank rank, int priority,
                        List<Justification> justifications) {
        this(id, workload, direction, action, protocol, ports, peerSet, localSet, rule, policy, rank, priority, justifications,
                Enforcement.ENFORCE);
    }

    /**
     * Whether this is a DENY of an audited workspace: it drops nothing, it counts and logs what it
     * matches and passes it on to the next rule (so it never decides a connection).
     */
    public boolean audited() {
        return action == Action.DENY && enforcement == Enforcement.AUDIT;
    }

    /** Whether the rule decides connections to the workload (INGRESS) rather than from it. */
    public boolean ingress() {
        return direction == Direction.INGRESS;
    }

    /**
     * Whether the rule is a PASS (a ClusterNetworkPolicy's Pass): it decides nothing, and a connection it
     * matches skips the rest of its tier ({@link #tier()}).
     */
    public boolean passes() {
        return action == Action.PASS;
    }

    /** The ClusterNetworkPolicy tier of the rule's rank, lower-case ({@code admin}, {@code baseline}); null for the other ranks. */
    public String tier() {
        return rank.tier() ? rank.name().toLowerCase(java.util.Locale.ROOT) : null;
    }

    /** Whether a connection the rule matches is allowed (rather than dropped). */
    public boolean allows() {
        return action == Action.ALLOW;
    }

    /** The address sets the rule uses (peer, then local), the ones an agent enforcing it must hold. */
    public List<String> sets() {
        if (localSet == null) return peerSet == null ? List.of() : List.of(peerSet);
        return peerSet == null ? List.of(localSet) : List.of(peerSet, localSet);
    }
}
