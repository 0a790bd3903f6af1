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
     * A named set of interval type: {@code elements} are addresses or CIDRs, none inside another (nftables
     * refuses overlapping intervals). No {@code auto-merge}: the kernel keeps each element as given, so one can
     * later be deleted by the same text (a merged range could not be split by a delete).
     */
    public record Set(String name, String type, String comment, List<String> elements) {
        public Set {
            elements = List.copyOf(elements);
        }

        /** The declaration without elements, for {@code add set} and the table body alike. */
        String declaration() {
            return "type " + type + "; flags interval; comment " + NftRuleset.quote(comment) + ";";
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
            b.append("  set ").append(s.name()).append(" {\n    type ").append(s.type()).append("; flags interval;\n");
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
