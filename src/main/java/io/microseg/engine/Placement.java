package io.microseg.engine;

/**
 * Which agent enforces a workload's rules: a node's agent for the node and the pods scheduled on
 * it, a host's own agent for a host. {@code agent} is null when the workload is gone.
 */
public record Placement(String workload, String agent) {}
