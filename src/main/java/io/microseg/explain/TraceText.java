package io.microseg.explain;

import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.Justification;
import io.microseg.net.Protocol;

import java.util.Map;

/** A {@link FlowTrace} for people: the verdict first, the path, then each hop with its deciding rule and provenance. */
public final class TraceText {
    private TraceText() {}

    public static String write(FlowTrace t, Map<String, AddressSet> sets) {
        StringBuilder out = new StringBuilder();
        out.append("flow ").append(t.from()).append(" -> ").append(t.to()).append(' ').append(port(t.protocol(), t.port()))
                .append(": ").append(t.verdict()).append('\n');
        out.append("path: ").append(t.path()).append('\n');
        for (String n : t.notes()) out.append("note: ").append(n).append('\n');
        int i = 0;
        for (Hop h : t.hops()) {
            out.append('\n').append(String.format("%d. %s on %s%s: %s %s %s %s: %s%n", ++i, h.step().words(), h.workload(),
                    h.enforcer().equals(h.workload()) ? "" : " (enforced on " + h.enforcer() + ")",
                    h.direction(), h.direction() == io.microseg.policy.Direction.EGRESS ? "to" : "from",
                    h.peer() + (h.peerAddress() == null || h.peer().contains(h.peerAddress()) ? "" : " " + h.peerAddress()),
                    port(h.protocol(), h.port()) + (h.step() == Hop.Step.ENTRY_NODE_INGRESS ? " at " + h.localAddress() : ""),
                    h.verdict()));
            CompiledRule r = h.rule();
            if (r == null) {
                out.append("   ").append(h.decision()).append('\n');
            } else {
                out.append(String.format("   decided by rule %d of %d (%s) on %s: %s %s %s peer %s%s, %s %d, %s%n", h.position(), h.of(),
                        h.direction(), h.enforcer(), r.action(), r.protocol(), r.ports().isEmpty() ? "*" : r.ports(),
                        peer(r.peerSet(), sets), r.localSet() == null ? "" : " local " + peer(r.localSet(), sets),
                        r.rank(), r.priority(), r.policy() + (r.afterDnat() ? " (judged after DNAT)" : "")));
                for (Justification j : r.justifications()) {
                    out.append("     DRL rule \"").append(j.source().name()).append("\" (").append(j.source().location())
                            .append(") matched ").append(String.join(", ", j.matched())).append('\n');
                }
            }
            if (!h.why().isEmpty()) {
                out.append("   why no ALLOW rule decided:\n");
                for (String w : h.why()) out.append("     - ").append(w).append('\n');
            }
        }
        if (!t.blocked().isEmpty()) {
            out.append("\nblocked whatever the rules say:\n");
            for (String b : t.blocked()) out.append("  - ").append(b).append('\n');
        }
        out.append("\nverdict: ").append(t.verdict());
        if (t.verdict() == Verdict.DENY) {
            long denying = t.denied().size();
            out.append(denying > 0 ? " (" + denying + " of " + t.hops().size() + " hops deny" + (t.blocked().isEmpty() ? ")" : "; blocked)")
                    : " (blocked)");
        } else {
            out.append(" (every hop allows)");
        }
        return out.append('\n').toString();
    }

    private static String port(Protocol p, int port) {
        return p.hasPorts() ? p + " " + port : p.name();
    }

    private static String peer(String setId, Map<String, AddressSet> sets) {
        if (setId == null) return "any";
        AddressSet s = sets.get(setId);
        return s == null ? setId : setId + " (" + s.description() + ")";
    }
}
