package io.microseg.server;

import io.microseg.compile.CompilationJson;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.Justification;
import io.microseg.explain.FlowTrace;
import io.microseg.explain.Hop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link FlowTrace} as the fields {@code GET /v1/trace} adds to its verdict and text, for pages that draw
 * the hops and link each deciding rule:
 * <pre>
 * "from","to","path","notes":[...],"blocked":[...],"why":[...],
 * "hops":[{"step","workload","enforcer","direction","peer","peerAddress","port","verdict","decision","position","of",
 *          "rule":{compile JSON of the deciding rule, with "drl":[{"name","location"}]} | null,"why":[...]}]
 * </pre>
 * {@code why} of a hop says, for a DENY, why no ALLOW policy decided; the top-level {@code why} gathers
 * every reason the flow is denied (empty when allowed).
 */
final class TraceJson {
    private TraceJson() {}

    static Map<String, Object> fields(FlowTrace t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", t.from());
        m.put("to", t.to());
        m.put("path", t.path());
        m.put("notes", t.notes());
        m.put("blocked", t.blocked());
        m.put("why", t.why());
        List<Map<String, Object>> hops = new ArrayList<>();
        for (Hop h : t.hops()) hops.add(hop(h));
        m.put("hops", hops);
        return m;
    }

    private static Map<String, Object> hop(Hop h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", h.step().words());
        m.put("workload", h.workload());
        m.put("enforcer", h.enforcer());
        m.put("direction", h.direction().name());
        m.put("peer", h.peer());
        m.put("peerAddress", h.peerAddress());
        m.put("port", h.protocol().name() + (h.port() == 0 ? "" : " " + h.port()));
        m.put("verdict", h.verdict().name());
        m.put("decision", h.decision());
        m.put("position", h.position());
        m.put("of", h.of());
        CompiledRule r = h.rule();
        if (r == null) {
            m.put("rule", null);
        } else {
            Map<String, Object> rule = new LinkedHashMap<>(CompilationJson.rule(r));
            List<Map<String, Object>> drl = new ArrayList<>();
            for (Justification j : r.justifications()) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("name", j.source().name());
                d.put("location", j.source().location());
                drl.add(d);
            }
            rule.put("drl", drl);
            m.put("rule", rule);
        }
        m.put("why", h.why());
        return m;
    }
}
