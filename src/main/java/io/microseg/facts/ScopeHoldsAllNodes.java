package io.microseg.facts;

/**
 * The workspace scope {@code scope} selects every node of {@code cluster} (that has an address). Counted
 * beside the session ({@link io.microseg.compile.NodeCoverage}) from the scope's selections, which stay
 * out of it: checking a scope against each node in the session cost a tuple per scope and node.
 */
public record ScopeHoldsAllNodes(String scope, String cluster) {}
