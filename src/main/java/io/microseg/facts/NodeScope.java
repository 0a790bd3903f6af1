package io.microseg.facts;

/**
 * Some node-port grant needs the workspace scope {@code scope} on the nodes of {@code cluster}. One
 * fact per scope and cluster however many grants there are, so that checking the scope against every
 * node is done once per scope, not once per grant.
 */
public record NodeScope(String scope, String cluster) {}
