package io.microseg.enforce;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to run in one namespace to go from the table last applied there to the one wanted, computed from
 * the two {@link NftTable}s (not from the wire delta): nothing, an incremental script, or the whole table
 * again. The incremental script is one {@code nft -f} transaction, so it applies all or nothing:
 *
 * <ol>
 *   <li>sets that are new are added with their elements; a set in both loses the elements it no longer has
 *       and gains the new ones ({@code delete element} before {@code add element}, so that a CIDR can replace
 *       the addresses it covers);</li>
 *   <li>chains that are new are declared (empty) before any rule is written, as rules jump between chains;</li>
 *   <li>a chain whose rules differ is flushed and its rules added again; a new chain gets its rules;</li>
 *   <li>chains no longer wanted are flushed, all of them, then deleted (they may jump to one another), then sets
 *       no longer wanted are deleted (nothing refers to them any more).</li>
 * </ol>
 *
 * A change the kernel cannot make in place (the table's comment, a set's type or comment, a set that gains its
 * first CIDR or loses its last one and so becomes an interval set or a hash set, a chain's declaration line)
 * asks for the whole table again ({@link Recreate}).
 */
public sealed interface NftPlan {
    /** Nothing differs: nothing to run. */
    record Unchanged() implements NftPlan {}

    /** Re-create the table with its full script; {@code why} names the change. */
    record Recreate(String why) implements NftPlan {}

    /** One transaction of {@code statements}; the counts say what it touches (for logs and the bench). */
    record Patch(String script, int elementsAdded, int elementsRemoved, int chainsReplaced) implements NftPlan {}

    /**
     * The element differences of pairs of sets, each computed once: one render's set objects are shared by every
     * namespace's table ({@link NftRuleset.SetMemo}), so a change of a set 110 pods use is diffed once, not 110 times.
     * For one apply, on one thread.
     */
    final class ElementDiffs {
        record Diff(List<String> gone, List<String> come) {}

        private final Map<NftTable.Set, Map<NftTable.Set, Diff>> memo = new IdentityHashMap<>();

        /**
         * Records the difference from {@code old} to {@code now} as computed by whoever made {@code now} from {@code old}
         * ({@link NftRuleset.SetMemo}): {@code gone} the elements of {@code old} not in {@code now}, {@code come} those
         * of {@code now} not in {@code old}. {@code AgentStateTest} holds it to the one computed here.
         */
        void know(NftTable.Set old, NftTable.Set now, List<String> gone, List<String> come) {
            memo.computeIfAbsent(old, k -> new IdentityHashMap<>()).put(now, new Diff(List.copyOf(gone), List.copyOf(come)));
        }

        /** Whether the difference from {@code old} to {@code now} is known already (recorded, or computed once). */
        boolean knows(NftTable.Set old, NftTable.Set now) {
            Map<NftTable.Set, Diff> from = memo.get(old);
            return from != null && from.containsKey(now);
        }

        Diff of(NftTable.Set old, NftTable.Set now) {
            return memo.computeIfAbsent(old, k -> new IdentityHashMap<>()).computeIfAbsent(now, k -> {
                if (old.elements().equals(now.elements())) return new Diff(List.of(), List.of());
                java.util.Set<String> was = new java.util.HashSet<>(old.elements());
                java.util.Set<String> is = new java.util.HashSet<>(now.elements());
                List<String> gone = new ArrayList<>();
                for (String e : old.elements()) if (!is.contains(e)) gone.add(e);
                List<String> come = new ArrayList<>();
                for (String e : now.elements()) if (!was.contains(e)) come.add(e);
                return new Diff(List.copyOf(gone), List.copyOf(come));
            });
        }
    }

    static NftPlan between(NftTable before, NftTable after) {
        return between(before, after, new ElementDiffs());
    }

    static NftPlan between(NftTable before, NftTable after, ElementDiffs diffs) {
        if (!before.comment().equals(after.comment())) return new Recreate("the table's comment changed");
        String t = "inet " + NftRuleset.TABLE + " ";
        StringBuilder b = new StringBuilder();
        int added = 0;
        int removed = 0;
        int replaced = 0;

        Map<String, NftTable.Set> oldSets = new HashMap<>();
        before.sets().forEach(s -> oldSets.put(s.name(), s));
        for (NftTable.Set s : after.sets()) {
            NftTable.Set old = oldSets.remove(s.name());
            if (old == null) {
                b.append("add set ").append(t).append(s.name()).append(" { ").append(s.declaration()).append(" }\n");
                elements(b, "add", t, s.name(), s.elements());
                added += s.elements().size();
                continue;
            }
            if (!old.type().equals(s.type()) || !old.comment().equals(s.comment())) return new Recreate("set " + s.name() + " changed its type or comment");
            if (old.interval() != s.interval()) {
                return new Recreate("set " + s.name() + (s.interval() ? " holds a CIDR now (an interval set)" : " holds single addresses only now (a hash set)"));
            }
            if (old == s) continue;
            ElementDiffs.Diff d = diffs.of(old, s);
            elements(b, "delete", t, s.name(), d.gone());
            elements(b, "add", t, s.name(), d.come());
            added += d.come().size();
            removed += d.gone().size();
        }

        Map<String, NftTable.Chain> oldChains = new HashMap<>();
        before.chains().forEach(c -> oldChains.put(c.name(), c));
        List<NftTable.Chain> write = new ArrayList<>();
        for (NftTable.Chain c : after.chains()) {
            NftTable.Chain old = oldChains.remove(c.name());
            if (old == null) {
                b.append("add chain ").append(t).append(c.name()).append(" { ").append(c.head()).append(c.head().endsWith(";") ? "" : ";")
                        .append(" }\n");
                write.add(c);
            } else if (!old.head().equals(c.head())) {
                return new Recreate("chain " + c.name() + " changed its declaration");
            } else if (!old.rules().equals(c.rules())) {
                b.append("flush chain ").append(t).append(c.name()).append('\n');
                write.add(c);
                replaced++;
            }
        }
        for (NftTable.Chain c : write) {
            for (String rule : c.rules()) b.append("add rule ").append(t).append(c.name()).append(' ').append(rule).append('\n');
        }
        // chains no longer wanted may jump to one another (prerouting to a pod's after-DNAT chain): all are
        // flushed first, so that none is still referenced when it is deleted
        for (NftTable.Chain c : before.chains()) {
            if (oldChains.containsKey(c.name())) b.append("flush chain ").append(t).append(c.name()).append('\n');
        }
        for (NftTable.Chain c : before.chains()) {
            if (oldChains.containsKey(c.name())) b.append("delete chain ").append(t).append(c.name()).append('\n');
        }
        for (NftTable.Set s : before.sets()) {
            if (oldSets.containsKey(s.name())) b.append("delete set ").append(t).append(s.name()).append('\n');
        }
        if (b.isEmpty()) return new Unchanged();
        return new Patch(b.toString(), added, removed, replaced);
    }

    private static void elements(StringBuilder b, String verb, String t, String set, List<String> elements) {
        if (elements.isEmpty()) return;
        b.append(verb).append(" element ").append(t).append(set).append(" { ").append(String.join(", ", elements)).append(" }\n");
    }
}
