/**
 * The vocabulary of the rules in {@code rules/*.drl}: the facts the compiler inserts into the Drools
 * session (inventory and policy, flattened so that rules join on plain properties Drools can index)
 * and the facts the rules derive with {@code insertLogical} (group rules, set members, warnings).
 * A {@link io.microseg.facts.GroupRule} names the workloads it applies to as an
 * {@link io.microseg.facts.AppliedTo} group; outside the session each becomes one
 * {@link io.microseg.facts.FirewallRule} per member workload.
 *
 * <p>Conventions the DRL relies on: every fact is a record (value equality, which truth maintenance
 * needs); joins use String and enum properties; numeric facts are only read in consequences, because
 * the executable model cannot index an int constraint on a record accessor (Drools 10.1 fails the
 * build with an IndexOutOfBoundsException), so conditions on numbers are exposed as booleans.
 */
package io.microseg.facts;
