package io.microseg.facts;

/**
 * A NetworkPolicy selects pods for egress: they reach only what some NetworkPolicy egress rule
 * allows. {@code subject} is the selector id of the pods it selects, {@code scope} that of every
 * workload (NetworkPolicies have no workspace scope).
 */
public record NetpolEgressIsolation(String policy, String subject, String scope) {}
