package io.microseg.facts;

/**
 * A consumer or provider query selects a workload (a service selection is {@link SelectedService}).
 * Not a session fact: the rules name the selected workloads as a group ({@link AppliedTo}), and
 * {@link io.microseg.compile.AppliedToGroups} and {@link io.microseg.compile.QuerySets} read these
 * facts to find the group's members and fill the query's address set. {@code selector} is the query's id,
 * which is also the id of the address set of the workloads it selects: policies with the same query
 * share one selector and one set.
 */
public record Selected(String selector, String item) {}
