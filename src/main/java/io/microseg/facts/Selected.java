package io.microseg.facts;

/**
 * A query selects an inventory item (workload or service). {@code selector} is the query's id,
 * which is also the id of the address set of the workloads it selects: policies with the same query
 * share one selector and one set.
 */
public record Selected(String selector, String item) {}
