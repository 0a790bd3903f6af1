package io.microseg.server;

import io.microseg.compile.CompilationJson;
import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.Justification;
import io.microseg.controlplane.RuleOrder;
import io.microseg.explain.FlowTrace;
import io.microseg.explain.Trace;
import io.microseg.explain.TraceText;
import io.microseg.input.InputException;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The operators' questions about the rules in force, answered from one compiled state each:
 * <pre>
 * GET /v1/workloads/{id}/rules      one workload's labels, addresses, rules in evaluation order, sets and warnings
 * GET /v1/rules/{id}/explain        a rule with its provenance: the policy, the DRL rules that made it and what they matched
 * GET /v1/warnings                  the policies' warnings
 * GET /v1/trace?from=X&amp;to=Y&amp;port=P[&amp;via=NODE]   a flow hop by hop, as the {@code trace} command prints it
 * </pre>
 * Every answer is computed off the event loop ({@code withReads}) and names the version it was read at.
 */
final class ExplainEndpoints {
    private final BiConsumer<RoutingContext, Function<CompiledReads.Reads, Answer>> withReads;

    ExplainEndpoints(BiConsumer<RoutingContext, Function<CompiledReads.Reads, Answer>> withReads) {
        this.withReads = withReads;
    }

    void mount(Router router, Handler<RoutingContext> operatorsOnly) {
        router.get("/v1/workloads/:id/rules").handler(operatorsOnly).handler(this::workloadRules);
        router.get("/v1/rules/:id/explain").handler(operatorsOnly).handler(this::explain);
        router.get("/v1/warnings").handler(operatorsOnly).handler(this::warnings);
        router.get("/v1/trace").handler(operatorsOnly).handler(this::trace);
    }

    private void workloadRules(RoutingContext ctx) {
        String workload = ctx.pathParam("id");
        withReads.accept(ctx, r -> {
            if (!r.knows(workload)) {
                return Answer.error(404, "no workload " + workload + " (ids: host/<name>, node/<cluster>/<name>, pod/<cluster>/<namespace>/<name>, URL-encoded)");
            }
            var only = r.snapshot().compilation().only(workload);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", r.snapshot().version());
            m.put("workload", workload);
            m.put("agent", r.snapshot().placements().get(workload));
            var item = WorkloadSearch.find(r.inputs().inventory(), workload);
            if (item != null) {
                m.put("labels", new TreeMap<>(item.labels().values()));
                m.put("ips", item.ips());
            }
            // evaluation order (first match wins), as the agent applies them
            List<CompiledRule> ordered = new ArrayList<>(only.rules());
            ordered.sort(RuleOrder.EVALUATION);
            m.put("rules", Json.rules(ordered));
            m.put("sets", Json.sets(only.sets()));
            m.put("warnings", r.snapshot().compilation().withWarnings(r.allWarnings()).only(workload).warnings().stream()
                    .map(CompilationJson::warning).toList());
            return Answer.json(200, m);
        });
    }

    private void explain(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        withReads.accept(ctx, r -> {
            CompiledRule rule = r.rules().get(id);
            if (rule == null) return Answer.error(404, "no rule " + id + " at version " + r.snapshot().version());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", r.snapshot().version());
            m.put("rule", CompilationJson.rule(rule));
            AddressSet peer = rule.peerSet() == null ? null : r.sets().get(rule.peerSet());
            m.put("peerSet", peer == null ? null : CompilationJson.set(peer));
            m.put("policy", rule.policy());
            int slash = rule.policy().indexOf('/');
            m.put("workspace", slash < 0 ? null : rule.policy().substring(0, slash));
            m.put("policyDetails", Json.policy(r.inputs().workspaces(), rule.policy()));
            m.put("agent", r.snapshot().placements().get(rule.workload()));
            List<Map<String, Object>> why = new ArrayList<>();
            for (Justification j : rule.justifications()) {
                Map<String, Object> jm = new LinkedHashMap<>();
                jm.put("drlRule", j.source().name());
                jm.put("location", j.source().location());
                jm.put("source", j.source().text());
                jm.put("matched", j.matched());
                why.add(jm);
            }
            m.put("justifications", why);
            return Answer.json(200, m);
        });
    }

    private void warnings(RoutingContext ctx) {
        withReads.accept(ctx, r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", r.snapshot().version());
            m.put("warnings", r.allWarnings().stream().map(CompilationJson::warning).toList());
            return Answer.json(200, m);
        });
    }

    /** {@code via} is the entry node of node-port and load-balancer traffic ({@code trace --via}). */
    private void trace(RoutingContext ctx) {
        String from = ctx.queryParams().get("from");
        String to = ctx.queryParams().get("to");
        String port = ctx.queryParams().get("port");
        String via = ctx.queryParams().get("via");
        if (from == null || to == null || port == null) {
            MicrosegServer.error(ctx, 400, "expected the query parameters from, to and port (e.g. ?from=host/backup-prod&to=node/demo/node-1&port=tcp/30017)");
            return;
        }
        withReads.accept(ctx, r -> {
            try {
                Trace.Port p = Trace.Port.parse(port);
                FlowTrace t = r.tracer().trace(from, to, p.protocol(), p.port(), via);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("version", r.snapshot().version());
                m.put("verdict", t.verdict());
                m.put("text", TraceText.write(t, r.sets()));
                m.putAll(TraceJson.fields(t));
                return Answer.json(200, m);
            } catch (InputException e) {
                return Answer.error(400, e.getMessage());
            }
        });
    }
}
