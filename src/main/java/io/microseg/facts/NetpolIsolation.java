package io.microseg.facts;

/**
 * A NetworkPolicy selects pods for ingress: they accept only what some NetworkPolicy rule allows.
 * {@code subject} is the selector id of the pods it selects, {@code scope} that of every workload
 * (NetworkPolicies have no workspace scope).
 */
public record NetpolIsolation(String policy, String subject, String scope) {}
