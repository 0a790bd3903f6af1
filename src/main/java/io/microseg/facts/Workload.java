package io.microseg.facts;

/**
 * A host, node or pod that has at least one address, and so can carry rules. {@code landsOn} is the
 * workload whose firewall enforces its rules: itself, or its node for a hostNetwork pod (it shares
 * the node's network namespace). {@code cluster} is null for hosts.
 */
public record Workload(String id, WorkloadKind kind, String cluster, String landsOn) {}
