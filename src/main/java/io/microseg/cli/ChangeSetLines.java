package io.microseg.cli;

import io.microseg.controlplane.CompiledRule;
import io.microseg.engine.ChangeSet;
import io.microseg.controlplane.SetChange;
import io.microseg.facts.Warning;
import io.microseg.policy.Direction;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A change set for people, as {@code watch} prints it: a header, then one line per rule removed or
 * added, per set member that left or joined, and per warning that went or came, each with its version.
 *
 * <pre>
 * version 2: 2 rules removed, 1 set member change
 *   v2 - rule pod/demo/web/web-prod-0 EGRESS ALLOW TCP 30017 to nodes:demo  [demo/production-to-db DEFAULT 100]
 *   v2 - member consumers:demo/production-to-db 10.244.1.20  (consumers of demo/production-to-db)
 * </pre>
 */
final class ChangeSetLines {
    private static final Comparator<CompiledRule> BY_WORKLOAD = Comparator.comparing(CompiledRule::workload)
            .thenComparing(r -> r.direction().name()).thenComparing(CompiledRule::policy).thenComparing(CompiledRule::id);

    private ChangeSetLines() {}

    static List<String> of(ChangeSet c) {
        List<String> lines = new ArrayList<>();
        lines.add(header(c));
        String v = "  v" + c.version() + " ";
        c.rulesRemoved().stream().sorted(BY_WORKLOAD).forEach(r -> lines.add(v + "- rule " + rule(r)));
        c.rulesAdded().stream().sorted(BY_WORKLOAD).forEach(r -> lines.add(v + "+ rule " + rule(r)));
        for (SetChange s : c.sets()) {
            String about = s.description() == null || s.description().isBlank() ? "" : "  (" + s.description() + ")";
            s.removed().forEach(m -> lines.add(v + "- member " + s.set() + " " + m + about));
            s.added().forEach(m -> lines.add(v + "+ member " + s.set() + " " + m + about));
        }
        c.warningsRemoved().forEach(w -> lines.add(v + "- warning " + warning(w)));
        c.warningsAdded().forEach(w -> lines.add(v + "+ warning " + warning(w)));
        c.placements().forEach(p -> lines.add(v + (p.agent() == null ? "- placement " + p.workload()
                : "+ placement " + p.workload() + " on " + p.agent() + (p.addresses().isEmpty() ? "" : " " + p.addresses()))));
        return lines;
    }

    private static String header(ChangeSet c) {
        List<String> parts = new ArrayList<>();
        count(parts, c.rulesAdded().size(), "rule added", "rules added");
        count(parts, c.rulesRemoved().size(), "rule removed", "rules removed");
        count(parts, c.sets().stream().mapToInt(s -> s.added().size() + s.removed().size()).sum(),
                "set member change", "set member changes");
        count(parts, c.warningsAdded().size(), "warning added", "warnings added");
        count(parts, c.warningsRemoved().size(), "warning removed", "warnings removed");
        count(parts, c.placements().size(), "placement", "placements");
        return "version " + c.version() + ": " + (parts.isEmpty() ? "no change" : String.join(", ", parts));
    }

    private static void count(List<String> parts, int n, String one, String many) {
        if (n > 0) parts.add(n + " " + (n == 1 ? one : many));
    }

    /** {@code pod/demo/web/web-0 EGRESS ALLOW TCP 27017 to nodes:demo  [demo/web-db DEFAULT 100]} */
    static String rule(CompiledRule r) {
        String ports = r.ports() == null || r.ports().isEmpty() ? "" : " " + r.ports();
        String peer = r.peerSet() == null ? "any" : r.peerSet();
        return r.workload() + " " + r.direction() + " " + r.action() + " " + r.protocol() + ports
                + (r.direction() == Direction.INGRESS ? " from " : " to ") + peer
                + "  [" + r.policy() + " " + r.rank() + " " + r.priority() + "]";
    }

    private static String warning(Warning w) {
        return w.policy() + ": " + w.message();
    }
}
