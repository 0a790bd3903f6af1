package io.microseg.facts;

/**
 * A workspace's scope selects a workload: the workspace's policies may put rules on it. The same
 * relation as {@link Selected}, kept apart for scopes because a scope query's members never form an
 * address set. Not a session fact: scopes decide the members of groups
 * ({@link io.microseg.compile.AppliedToGroups}) and which scopes hold every node of a cluster
 * ({@link io.microseg.compile.NodeCoverage}), both outside it.
 */
public record InScope(String scope, String item) {}
