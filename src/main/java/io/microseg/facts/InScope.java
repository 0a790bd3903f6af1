package io.microseg.facts;

/**
 * A workspace's scope selects a workload: the workspace's policies may put rules on it. The same
 * relation as {@link Selected}, kept apart for scopes because the rules use scopes only to check
 * "is this workload in scope": a scope query's members never form an address set, and every fact
 * of a type enters every join on that type, so mixing the two made each selection cost twice.
 */
public record InScope(String scope, String item) {}
