/**
 * The vocabulary of the rules in {@code rules/*.drl}: the facts the compiler inserts into the Drools
 * session (inventory and policy, flattened so that rules join on plain properties Drools can index)
 * and the facts the rules derive with {@code insertLogical} (firewall rules, set members, warnings).
 *
 * <p>Conventions the DRL relies on: every fact is a record (value equality, which truth maintenance
 * needs); joins use String and enum properties; numeric facts are only read in consequences, because
 * the executable model cannot index an int constraint on a record accessor (Drools 10.1 fails the
 * build with an IndexOutOfBoundsException), so conditions on numbers are exposed as booleans.
 */
package io.microseg.facts;
