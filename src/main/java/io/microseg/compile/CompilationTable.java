package io.microseg.compile;

import io.microseg.facts.Warning;
import io.microseg.policy.Direction;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The compile output for people: one line per rule, peers expanded to their members, by workload.
 * Each column is as wide as its widest cell, so real pod ids (often 45 to 60 characters) line up.
 */
public final class CompilationTable {
    private static final List<String> HEADER = List.of("WORKLOAD", "DIR", "ACTION", "PROTO", "PORTS", "RANK", "PRIORITY", "POLICY", "PEER");

    private CompilationTable() {}

    public static String write(Compilation c) {
        Map<String, AddressSet> sets = c.sets().stream().collect(Collectors.toMap(AddressSet::id, Function.identity()));
        List<List<String>> rows = new ArrayList<>();
        for (CompiledRule r : c.rules()) {
            rows.add(List.of(r.workload(), r.direction() == Direction.INGRESS ? "IN" : "OUT", r.action().toString(),
                    r.protocol().toString(), r.ports().isEmpty() ? "*" : r.ports(), r.rank().toString(),
                    Integer.toString(r.priority()), r.policy(), peer(r.peerSet(), sets)));
        }
        int[] widths = new int[HEADER.size()];
        for (int i = 0; i < widths.length; i++) widths[i] = HEADER.get(i).length();
        for (List<String> row : rows) {
            for (int i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i], row.get(i).length());
        }
        StringBuilder out = new StringBuilder();
        line(out, HEADER, widths);
        String last = null;
        for (List<String> row : rows) {
            if (last != null && !last.equals(row.get(0))) out.append('\n');
            last = row.get(0);
            line(out, row, widths);
        }
        if (!c.warnings().isEmpty()) {
            out.append("\nWARNINGS\n");
            for (Warning w : c.warnings()) out.append("  ").append(w.policy()).append(": ").append(w.message()).append('\n');
        }
        return out.toString();
    }

    /** The cells padded to their column's width, but the last, with one space between columns. */
    private static void line(StringBuilder out, List<String> cells, int[] widths) {
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
