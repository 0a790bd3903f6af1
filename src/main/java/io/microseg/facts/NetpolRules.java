package io.microseg.facts;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;

import java.util.List;

/**
 * The group rules NetworkPolicies become, and where they sit in the evaluation order
 * (docs/networkpolicy.md): with the workspaces' DEFAULT policies, the allows at
 * {@link #ALLOW_PRIORITY}, the isolation DENY at {@link #ISOLATION_PRIORITY}, after every allow of
 * any NetworkPolicy and of any workspace DEFAULT policy of a lower priority, and before every
 * workspace catch-all.
 */
public final class NetpolRules {
    private NetpolRules() {}

    /** The priority of a NetworkPolicy's allows inside the DEFAULT rank. */
    public static final int ALLOW_PRIORITY = 1000;
    /** The priority of the isolation DENY inside the DEFAULT rank: after every NetworkPolicy allow. */
    public static final int ISOLATION_PRIORITY = 1_000_000_000;

    /** Whether a rule's policy id is that of a NetworkPolicy's isolation DENY ({@link #isolate}, {@link #isolateEgress}). */
    public static boolean isIsolation(String policy) {
        return policy.startsWith("netpol/") && (policy.endsWith(ISOLATION_SUFFIX) || policy.endsWith(EGRESS_ISOLATION_SUFFIX));
    }

    private static final String ISOLATION_SUFFIX = "/isolation";
    private static final String EGRESS_ISOLATION_SUFFIX = "/egress-isolation";

    /** "The subject pods accept the peer on these ports." */
    public static GroupRule allow(NetpolIngress i, String rule) {
        return new GroupRule(AppliedTo.selected(i.subject(), i.scope()), Direction.INGRESS, Action.ALLOW, i.protocol(),
                i.ports(), i.peer(), null, Rank.DEFAULT, ALLOW_PRIORITY, i.policy(), rule, List.of("policy:" + i.policy()),
                Enforcement.ENFORCE);
    }

    /** "The subject pods refuse every incoming connection no rule before this one allowed." */
    public static GroupRule isolate(NetpolIsolation i, String rule) {
        return new GroupRule(AppliedTo.selected(i.subject(), i.scope()), Direction.INGRESS, Action.DENY, Protocol.ANY,
                "", null, null, Rank.DEFAULT, ISOLATION_PRIORITY, i.policy() + ISOLATION_SUFFIX, rule,
                List.of("policy:" + i.policy()), Enforcement.ENFORCE);
    }

    /**
     * "The subject pods reach the peer on these ports", judged on the destination after the client
     * node's DNAT (a connection to a ClusterIP, on the backend kube-proxy picked and its target port).
     */
    public static GroupRule allowEgress(NetpolEgress e, String rule) {
        return new GroupRule(AppliedTo.selected(e.subject(), e.scope()), Direction.EGRESS, Action.ALLOW, e.protocol(),
                e.ports(), e.peer(), null, Rank.DEFAULT, ALLOW_PRIORITY, e.policy(), rule, List.of("policy:" + e.policy()),
                Enforcement.ENFORCE, true);
    }

    /** "The subject pods open no outgoing connection no rule before this one allowed", after the client node's DNAT too. */
    public static GroupRule isolateEgress(NetpolEgressIsolation i, String rule) {
        return new GroupRule(AppliedTo.selected(i.subject(), i.scope()), Direction.EGRESS, Action.DENY, Protocol.ANY,
                "", null, null, Rank.DEFAULT, ISOLATION_PRIORITY, i.policy() + EGRESS_ISOLATION_SUFFIX, rule,
                List.of("policy:" + i.policy()), Enforcement.ENFORCE, true);
    }
}
