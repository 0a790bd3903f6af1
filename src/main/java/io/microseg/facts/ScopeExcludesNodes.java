package io.microseg.facts;

/** The workspace scope {@code scope} leaves out at least one node of {@code cluster}. */
public record ScopeExcludesNodes(String scope, String cluster) {}
