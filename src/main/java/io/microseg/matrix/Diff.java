package io.microseg.matrix;

import io.microseg.explain.Trace;
import io.microseg.explain.Verdict;

import java.util.List;
import java.util.function.Consumer;

/**
 * What flips between two versions of a cluster's inputs (policies, DRL rules, inventory), held per
 * group as a {@link Matrix} is: the sources and destinations in groups that are classes under both
 * versions, and per port and pair of groups the flip, or null when the verdict is the same on both
 * sides (or the pair has no cell). {@link #forEachFlip} expands it into one flip per ordered pair of
 * distinct ends and port.
 *
 * @param ports    the ports compared, in order
 * @param from     the source groups; members sorted by id
 * @param to       the destination groups (workload groups, then one per service); members sorted by id
 * @param flips    [port][from group][to group]: the flip, or null
 * @param shared   [from group][to group]: how many workloads are in both
 * @param traced   how many flows were traced on each side (one per port and pair of groups with a cell)
 */
public record Diff(List<Trace.Port> ports, List<Matrix.Group> from, List<Matrix.Group> to, Flip[][][] flips, int[][] shared,
                   long traced) {

    /**
     * Who decided a flow on one side of a flip ({@link Decider} says which hop that is): the hop's
     * step on the path ({@link io.microseg.explain.Hop.Step#words}), the policy of the rule that
     * decided it ({@code <workspace>/<policy id>}, {@code <workspace>/catch-all} for a catch-all) and
     * the DRL rule that made that concrete rule (several, sorted and joined by {@code "; "}, when several
     * did). {@code policy} and {@code rule} are null when no rule decided the hop (the workload is in no
     * workspace's scope, or no rule of its matches: open); all three are null when nothing in the
     * firewalls decided the flow (blocked outside them: no address, no endpoint).
     */
    public record By(String hop, String policy, String rule) {
        /** For people: "policy demo/catch-all, DRL rule "..." at destination ingress". */
        public String words() {
            if (hop == null) return "blocked outside the firewalls (trace the flow for why)";
            if (policy == null) return "no rule at " + hop + " (open)";
            return "policy " + policy + (rule == null ? "" : ", DRL rule \"" + rule + "\"") + " at " + hop;
        }
    }

    /** A verdict that differs between the sides, and who decided it on each. */
    public record Flip(Verdict before, Verdict after, By beforeBy, By afterBy) {}

    /** One flipped flow: from a workload to a workload or service on a port. */
    public record Cell(String from, String to, Trace.Port port, Flip flip) {}

    /** Every flip, sources by id, then destinations by id, then ports in the order compared. */
    public void forEachFlip(Consumer<Cell> out) {
        if (!any()) return;
        Matrix.forEachPair(from, to, (s, f, d, t) -> {
            for (int p = 0; p < ports.size(); p++) {
                Flip x = flips[p][f][t];
                if (x != null) out.accept(new Cell(s, d, ports.get(p), x));
            }
        });
    }

    /** How many flows a pair of groups stands for (per port with a flip). */
    public long cells(int fromGroup, int toGroup) {
        return Matrix.pairs(from.get(fromGroup), to.get(toGroup), shared[fromGroup][toGroup]);
    }

    /** How many flows flip from ALLOW to DENY. */
    public long allowToDeny() {
        return count(Verdict.ALLOW);
    }

    /** How many flows flip from DENY to ALLOW. */
    public long denyToAllow() {
        return count(Verdict.DENY);
    }

    /** Whether anything flips. */
    public boolean any() {
        return allowToDeny() + denyToAllow() > 0;
    }

    private long count(Verdict before) {
        long n = 0;
        for (int p = 0; p < ports.size(); p++) {
            for (int f = 0; f < from.size(); f++) {
                for (int t = 0; t < to.size(); t++) {
                    Flip x = flips[p][f][t];
                    if (x != null && x.before() == before) n += cells(f, t);
                }
            }
        }
        return n;
    }
}
