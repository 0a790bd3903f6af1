package io.microseg.enforce;

import java.util.List;

/**
 * One network namespace's {@code table inet microseg} as data: what {@link NftRuleset} renders and what
 * {@link NftPlan} compares. {@link #script()} is the complete {@code nft -f} script that deletes and
 * re-creates the table in one transaction; it is the reference every incremental plan is held to.
 *
 * @param preamble script comment lines ({@code # ...}) before the table, not kept by the kernel
 * @param comment  the table's comment
 * @param sets     the named sets, in order
 * @param chains   the chains, in order (a chain may jump only to chains of this table)
 */
public record NftTable(List<String> preamble, String comment, List<Set> sets, List<Chain> chains) {
    public NftTable {
        preamble = List.copyOf(preamble);
        sets = List.copyOf(sets);
        chains = List.copyOf(chains);
    }

    /**
     * A named set: {@code elements} are addresses or CIDRs, none inside another (nftables refuses overlapping
     * intervals). It is a plain (hash) set while it holds single addresses only, and {@code flags interval} once it
     * holds a CIDR: nft 1.0.6 reads every element of every interval set of the table back from the kernel before
     * it adds or deletes any element (its cache), which costs about 15 ms a transaction with 5,000 members and
     * nothing for a hash set (docs/scale.md). No {@code auto-merge}: the kernel keeps each element as given, so
     * one can later be deleted by the same text (a merged range could not be split by a delete).
     */
    public record Set(String name, String type, String comment, List<String> elements, boolean interval) {
        public Set {
            elements = List.copyOf(elements);
            if (interval != intervalFor(elements)) throw new IllegalArgumentException("set " + name + ": interval must say whether it holds a CIDR");
        }

        /** The set of these elements; {@link #interval()} says whether one of them is a CIDR (or a range). */
        public Set(String name, String type, String comment, List<String> elements) {
            this(name, type, comment, elements, intervalFor(elements));
        }

        private static boolean intervalFor(List<String> elements) {
            for (String e : elements) if (e.indexOf('/') >= 0 || e.indexOf('-') >= 0) return true;
            return false;
        }

        /** The declaration without elements, for {@code add set} and the table body alike. */
        String declaration() {
            return "type " + type + ";" + (interval() ? " flags interval;" : "") + " comment " + NftRuleset.quote(comment) + ";";
        }
    }

    /**
     * A chain: {@code head} is its one declaration line (a base chain's {@code type ... hook ...; policy ...;}
     * or a regular chain's {@code comment "..."}), {@code rules} its rules in order.
     */
    public record Chain(String name, String head, List<String> rules) {
        public Chain {
            rules = List.copyOf(rules);
        }
    }

    /** Where the set of this name is, or null. */
    public Set set(String name) {
        for (Set s : sets) if (s.name().equals(name)) return s;
        return null;
    }

    /** How many rules this table holds. */
    public int ruleCount() {
        return chains.stream().mapToInt(c -> c.rules().size()).sum();
    }

    /** The complete script: declare, delete and re-create the table, all in one transaction. */
    public String script() {
        StringBuilder b = new StringBuilder();
        preamble.forEach(l -> b.append(l).append('\n'));
        String t = NftRuleset.TABLE;
        b.append("table inet ").append(t).append(" {}\n");
        b.append("delete table inet ").append(t).append('\n');
        b.append("table inet ").append(t).append(" {\n");
        b.append("  comment ").append(NftRuleset.quote(comment)).append('\n');
        for (Set s : sets) {
            b.append("  set ").append(s.name()).append(" {\n    type ").append(s.type()).append(s.interval() ? "; flags interval;\n" : ";\n");
            b.append("    comment ").append(NftRuleset.quote(s.comment())).append('\n');
            if (!s.elements().isEmpty()) b.append("    elements = { ").append(String.join(", ", s.elements())).append(" }\n");
            b.append("  }\n");
        }
        for (Chain c : chains) {
            b.append("  chain ").append(c.name()).append(" {\n    ").append(c.head()).append('\n');
            c.rules().forEach(r -> b.append("    ").append(r).append('\n'));
            b.append("  }\n");
        }
        b.append("}\n");
        return b.toString();
    }
}
