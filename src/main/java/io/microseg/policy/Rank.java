package io.microseg.policy;

/**
 * Evaluation order on a workload, first to last (docs/clusternetworkpolicy.md, "One order"):
 * the Admin tier of ClusterNetworkPolicies, a workspace's absolute policies, its default policies
 * (with NetworkPolicies), the Baseline tier of ClusterNetworkPolicies, then the workspace's catch-all.
 * The declaration order is the evaluation order: {@code RuleOrder} compares ranks by it.
 */
public enum Rank {
    /** ClusterNetworkPolicy, tier Admin: before everything; its Pass rules skip the rest of this rank. */
    ADMIN,
    ABSOLUTE,
    DEFAULT,
    /** ClusterNetworkPolicy, tier Baseline: after every policy, before the catch-all; its Pass rules skip the rest of this rank. */
    BASELINE,
    CATCHALL;

    /** Whether a PASS rule of this rank skips the rest of it: the ranks of ClusterNetworkPolicy tiers. */
    public boolean tier() {
        return this == ADMIN || this == BASELINE;
    }
}
