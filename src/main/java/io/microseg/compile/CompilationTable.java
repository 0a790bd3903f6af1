package io.microseg.compile;

import io.microseg.facts.Warning;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The compile output for people: one line per rule, peers expanded to their members, by workload. */
public final class CompilationTable {
    private CompilationTable() {}

    public static String write(Compilation c) {
        Map<String, AddressSet> sets = c.sets().stream().collect(Collectors.toMap(AddressSet::id, Function.identity()));
        StringBuilder out = new StringBuilder();
        out.append(String.format("%-36s %-7s %-5s %-5s %-11s %-9s %-8s %-24s %s%n",
                "WORKLOAD", "DIR", "ACTION", "PROTO", "PORTS", "RANK", "PRIORITY", "POLICY", "PEER"));
        String last = null;
        for (CompiledRule r : c.rules()) {
            if (last != null && !last.equals(r.workload())) out.append('\n');
            last = r.workload();
            out.append(String.format("%-36s %-7s %-5s %-5s %-11s %-9s %-8d %-24s %s%n",
                    r.workload(), r.direction() == io.microseg.policy.Direction.INGRESS ? "IN" : "OUT", r.action(),
                    r.protocol(), r.ports().isEmpty() ? "*" : r.ports(), r.rank(), r.priority(), r.policy(),
                    peer(r.peerSet(), sets)));
        }
        if (!c.warnings().isEmpty()) {
            out.append("\nWARNINGS\n");
            for (Warning w : c.warnings()) out.append("  ").append(w.policy()).append(": ").append(w.message()).append('\n');
        }
        return out.toString();
    }

    private static String peer(String setId, Map<String, AddressSet> sets) {
        if (setId == null) return "any";
        AddressSet s = sets.get(setId);
        return s == null ? setId : setId + " {" + String.join(", ", s.members()) + "}";
    }
}
