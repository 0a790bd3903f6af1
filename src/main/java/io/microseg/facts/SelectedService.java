package io.microseg.facts;

/**
 * A consumer or provider query selects a service: the policy's provider may be that service. The
 * services a query selects are session facts; the workloads it selects ({@link Selected}) are not,
 * because rules name them as a group ({@link AppliedTo}) rather than joining on each.
 */
public record SelectedService(String selector, String service) {}
