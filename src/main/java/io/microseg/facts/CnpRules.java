package io.microseg.facts;

import io.microseg.policy.Enforcement;

import java.util.List;

/**
 * The group rules ClusterNetworkPolicy rules become, and where they sit in the evaluation order
 * (docs/clusternetworkpolicy.md): in the rank of their tier (ADMIN or BASELINE), at
 * {@link #priority}, so that a lower policy priority comes first, and within one policy the rules
 * come in the order they are written.
 */
public final class CnpRules {
    private CnpRules() {}

    /** At most this many rules per direction in one policy (the API's limit is 25). */
    public static final int RULES_PER_PRIORITY = 100;

    /** The rank priority of rule {@code index} (its position in the policy's ingress or egress list) of a policy of {@code priority}. */
    public static int priority(int priority, int index) {
        return priority * RULES_PER_PRIORITY + index;
    }

    /** "The subject pods' connections with the peer, on these ports, get this action in this tier." */
    public static GroupRule rule(CnpRule r, String drlRule) {
        return new GroupRule(AppliedTo.selected(r.subject(), r.scope()), r.direction(), r.action(), r.protocol(), r.ports(), r.peer(),
                null, r.tier(), r.priority(), r.policy(), drlRule, List.of("policy:" + r.policy(), "rule:" + r.label()), Enforcement.ENFORCE);
    }
}
