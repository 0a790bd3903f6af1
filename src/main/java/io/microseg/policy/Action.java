package io.microseg.policy;

/**
 * What a rule does with a connection it matches: ALLOW and DENY decide it; PASS (a ClusterNetworkPolicy
 * rule's Pass) decides nothing and skips the remaining rules of its own rank, which must be a tier
 * ({@link Rank#tier()}): evaluation goes on with the first rule of the next rank.
 */
public enum Action { ALLOW, DENY, PASS }
