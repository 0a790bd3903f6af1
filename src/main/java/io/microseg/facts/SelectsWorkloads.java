package io.microseg.facts;

/**
 * A consumer or provider query selects at least one workload (not only services): one fact per
 * selector, maintained with the selections outside the session, so that rules which need "some
 * consumer (or provider) workload exists" test one indexed fact instead of running an
 * {@code exists ( Selected(..) and Workload(..) )} subnetwork for every partial match, which costs
 * memory in proportion to consumers times providers.
 */
public record SelectsWorkloads(String selector) {}
