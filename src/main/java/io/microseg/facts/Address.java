package io.microseg.facts;

/** One address of a workload. */
public record Address(String workload, String ip) {}
