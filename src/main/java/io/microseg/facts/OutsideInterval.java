package io.microseg.facts;

/**
 * The consumer or provider query {@code selector} matches the addresses of {@code cidr}, which are
 * in no inventory (see {@link io.microseg.policy.query.OutsideAddresses}): a member of the query's
 * address set beside the addresses of the workloads it selects. Rules that need "the query's set is
 * not empty" test it beside {@link SelectsWorkloads}.
 */
public record OutsideInterval(String selector, String cidr) {}
