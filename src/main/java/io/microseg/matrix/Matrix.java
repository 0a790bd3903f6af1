package io.microseg.matrix;

import io.microseg.explain.Trace;
import io.microseg.explain.Verdict;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * A reachability matrix, held per group: the sources and the destinations in groups (a class of
 * selected workloads the rules cannot tell apart at that end of a flow; a service alone), and one
 * verdict per port and pair of groups. {@link #forEachCell} expands it into one cell per ordered pair
 * of distinct ends and port.
 *
 * @param ports       the ports asked, in order
 * @param from        the source groups; members sorted by id
 * @param to          the destination groups (workload groups, then one per service); members sorted by id
 * @param verdicts    [port][from group][to group]: the verdict; null when the pair has no cell (a workload to
 *                    itself only, or a service without that port)
 * @param shared      [from group][to group]: how many workloads are in both (a workload to itself is no cell)
 * @param traced      how many flows were traced to fill the matrix (one per port and pair of groups, at most)
 */
public record Matrix(List<Trace.Port> ports, List<Group> from, List<Group> to, Verdict[][][] verdicts, int[][] shared,
                     long traced) {

    /** Ends the rules cannot tell apart, with a name for people ({@link GroupNames}). */
    public record Group(String name, List<String> members, boolean service) {
        public Group {
            members = List.copyOf(members);
        }
    }

    /** One flow: from a workload to a workload or service on a port, and what trace decides for it. */
    public record Cell(String from, String to, Trace.Port port, Verdict verdict) {}

    /** The verdict of a pair of groups on the {@code port}-th port; null when the pair has no cell. */
    public Verdict verdict(int port, int fromGroup, int toGroup) {
        return verdicts[port][fromGroup][toGroup];
    }

    /** How many cells a pair of groups stands for on a port with a verdict: every ordered pair of distinct members. */
    public long cells(int fromGroup, int toGroup) {
        return pairs(from.get(fromGroup), to.get(toGroup), shared[fromGroup][toGroup]);
    }

    /** Every cell, sources by id, then destinations by id, then ports in the order asked. */
    public void forEachCell(Consumer<Cell> out) {
        forEachPair(from, to, (s, f, d, t) -> {
            for (int p = 0; p < ports.size(); p++) {
                Verdict v = verdicts[p][f][t];
                if (v != null) out.accept(new Cell(s, d, ports.get(p), v));
            }
        });
    }

    /** Visits one ordered pair of distinct ends: their ids and their groups. */
    interface PairVisitor {
        void visit(String from, int fromGroup, String to, int toGroup);
    }

    /** Every ordered pair of distinct ends of the groups, sources by id, then destinations by id. */
    static void forEachPair(List<Group> from, List<Group> to, PairVisitor visitor) {
        List<End> sources = ends(from);
        List<End> destinations = ends(to);
        for (End s : sources) {
            for (End d : destinations) {
                if (!s.id.equals(d.id)) visitor.visit(s.id, s.group, d.id, d.group);
            }
        }
    }

    /** How many ordered pairs of distinct ends two groups make, {@code shared} ends being in both. */
    static long pairs(Group from, Group to, int shared) {
        return (long) from.members().size() * to.members().size() - shared;
    }

    /** How many cells {@link #forEachCell} gives. */
    public long cellCount() {
        long n = 0;
        for (int p = 0; p < ports.size(); p++) {
            for (int f = 0; f < from.size(); f++) {
                for (int t = 0; t < to.size(); t++) if (verdicts[p][f][t] != null) n += cells(f, t);
            }
        }
        return n;
    }

    private record End(String id, int group) {}

    private static List<End> ends(List<Group> groups) {
        List<End> ends = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            for (String m : groups.get(g).members()) ends.add(new End(m, g));
        }
        ends.sort(Comparator.comparing(End::id));
        return ends;
    }
}
