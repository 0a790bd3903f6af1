package io.microseg.compile;

import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.AddressSet;
import io.microseg.facts.Warning;
import io.microseg.policy.Direction;
import io.microseg.policy.Enforcement;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The compile output for people: one line per rule, peers expanded to their members, by workload.
 * Each column is as wide as its widest cell, so real pod ids (often 45 to 60 characters) line up.
 * A rule of an audited workspace shows its action as {@code DENY(audit)} or {@code ALLOW(audit)}.
 */
public final class CompilationTable {
    private static final List<String> HEADER = List.of("WORKLOAD", "DIR", "ACTION", "PROTO", "PORTS", "RANK", "PRIORITY", "POLICY", "PEER");

    private CompilationTable() {}

    public static String write(Compilation c) {
        StringBuilder out = new StringBuilder();
        write(c, out);
        return out.toString();
    }

    /**
     * Writes the table to {@code out} line by line: with peers expanded the table of a large cluster
     * is hundreds of megabytes, more than it is worth holding. Columns are measured in a first pass.
     */
    public static void write(Compilation c, Appendable out) {
        Map<String, AddressSet> sets = c.sets().stream().collect(Collectors.toMap(AddressSet::id, Function.identity()));
        int[] widths = new int[HEADER.size()];
        for (int i = 0; i < widths.length; i++) widths[i] = HEADER.get(i).length();
        for (CompiledRule r : c.rules()) {
            List<String> row = row(r, Map.of()); // the peer is the last column, which is not padded
            for (int i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i], row.get(i).length());
        }
        try {
            line(out, HEADER, widths);
            String last = null;
            for (CompiledRule r : c.rules()) {
                if (last != null && !last.equals(r.workload())) out.append('\n');
                last = r.workload();
                line(out, row(r, sets), widths);
            }
            if (!c.warnings().isEmpty()) {
                out.append("\nWARNINGS\n");
                for (Warning w : c.warnings()) out.append("  ").append(w.policy()).append(": ").append(w.message()).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> row(CompiledRule r, Map<String, AddressSet> sets) {
        return List.of(r.workload(), r.direction() == Direction.INGRESS ? "IN" : "OUT", action(r),
                r.protocol().toString(), r.ports().isEmpty() ? "*" : r.ports(), r.rank().toString(),
                Integer.toString(r.priority()), r.policy(), peer(r.peerSet(), sets));
    }

    /** The action, marked {@code (audit)} for a rule of an audited workspace: an audited DENY counts instead of dropping. */
    static String action(CompiledRule r) {
        return r.enforcement() == Enforcement.AUDIT ? r.action() + "(audit)" : r.action().toString();
    }

    /** The cells padded to their column's width, but the last, with one space between columns. */
    private static void line(Appendable out, List<String> cells, int[] widths) throws IOException {
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            out.append(cell);
            if (i < cells.size() - 1) out.append(" ".repeat(widths[i] - cell.length() + 1));
        }
        out.append('\n');
    }

    private static String peer(String setId, Map<String, AddressSet> sets) {
        if (setId == null) return "any";
        AddressSet s = sets.get(setId);
        return s == null ? setId : setId + " {" + String.join(", ", s.members()) + "}";
    }
}
