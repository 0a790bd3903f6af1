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

    /** Whether a rule's policy id is that of a NetworkPolicy's isolation DENY ({@link #isolate}). */
    public static boolean isIsolation(String policy) {
        return policy.startsWith("netpol/") && policy.endsWith(ISOLATION_SUFFIX);
    }

    private static final String ISOLATION_SUFFIX = "/isolation";

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
}
