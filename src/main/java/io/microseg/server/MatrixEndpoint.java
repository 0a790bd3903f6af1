package io.microseg.server;

import io.microseg.explain.Trace;
import io.microseg.explain.Verdict;
import io.microseg.input.InputException;
import io.microseg.matrix.Matrix;
import io.microseg.matrix.MatrixEvaluation;
import io.microseg.matrix.Selection;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * {@code GET /v1/matrix?from=QUERY&to=QUERY&port=tcp/27017[&port=udp/53...]} (operators): the reachability
 * matrix of the {@code matrix} command on the live state (docs/matrix.md), grouped by class:
 * <pre>
 * 200 {"version":V,"ports":["tcp/27017"],"from":[{"name","members":[ids],"service":false}],"to":[...],
 *      "rows":[{"from":i,"to":j,"verdicts":["ALLOW"|"DENY"|null per port],"cells":N}],"traced":N,"cellCount":N}
 * 400 no port, more than {@value #MAX_PORTS} ports, a port or a query that does not parse
 * 422 more selected pairs than server.preview.maxFlows: narrow from or to
 * </pre>
 * {@code from} and {@code to} are queries of the policy language ({@code *} when absent): {@code from}
 * selects workloads, {@code to} workloads and services. A row is a pair of groups with a verdict on at least
 * one port ({@code i}, {@code j} index {@code from} and {@code to}); {@code cells} is how many ordered pairs of
 * distinct ends it stands for. The work runs on the operators' worker pool.
 */
final class MatrixEndpoint {
    static final int MAX_PORTS = 32;

    private final long maxPairs;
    private final BiConsumer<RoutingContext, Function<CompiledReads.Reads, Answer>> withReads;

    /** @param maxPairs selected (source, destination) pairs beyond which the matrix is refused */
    MatrixEndpoint(long maxPairs, BiConsumer<RoutingContext, Function<CompiledReads.Reads, Answer>> withReads) {
        this.maxPairs = maxPairs;
        this.withReads = withReads;
    }

    void mount(Router router, Handler<RoutingContext> operatorsOnly) {
        router.get("/v1/matrix").handler(operatorsOnly).handler(this::matrix);
    }

    private void matrix(RoutingContext ctx) {
        List<String> portTexts = ctx.queryParams().getAll("port");
        String from = ctx.queryParams().get("from");
        String to = ctx.queryParams().get("to");
        List<Trace.Port> ports = new ArrayList<>();
        try {
            if (portTexts.isEmpty()) throw new IllegalArgumentException("expected at least one port=, such as port=tcp/27017");
            if (portTexts.size() > MAX_PORTS) throw new IllegalArgumentException("expected at most " + MAX_PORTS + " ports, found " + portTexts.size());
            for (String p : portTexts) {
                Trace.Port parsed = Trace.Port.parse(p.trim());
                if (!ports.contains(parsed)) ports.add(parsed);
            }
            Selection.parse("from", blankAsAll(from));
            Selection.parse("to", blankAsAll(to));
        } catch (IllegalArgumentException | InputException e) {
            MicrosegServer.error(ctx, 400, e.getMessage());
            return;
        }
        withReads.accept(ctx, r -> {
            Selection f = Selection.of("from", blankAsAll(from), r.inputs().inventory(), false);
            Selection t = Selection.of("to", blankAsAll(to), r.inputs().inventory(), true);
            long pairs = (long) f.workloads().size() * (t.workloads().size() + t.services().size()) * ports.size();
            if (pairs > maxPairs) {
                return Answer.error(422, "too large a matrix: " + f.workloads().size() + " sources x " + (t.workloads().size() + t.services().size())
                        + " destinations x " + ports.size() + " ports is over server.preview.maxFlows (" + maxPairs + "): narrow from or to");
            }
            Matrix m = MatrixEvaluation.evaluate(r.tracer(), f, t, ports);
            return Answer.json(200, json(m, r.snapshot().version()));
        });
    }

    private static String blankAsAll(String query) {
        return query == null || query.isBlank() ? "*" : query;
    }

    static Map<String, Object> json(Matrix m, long version) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", version);
        out.put("ports", m.ports().stream().map(Trace.Port::text).toList());
        out.put("from", m.from().stream().map(MatrixEndpoint::group).toList());
        out.put("to", m.to().stream().map(MatrixEndpoint::group).toList());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < m.from().size(); i++) {
            for (int j = 0; j < m.to().size(); j++) {
                List<String> verdicts = new ArrayList<>();
                boolean any = false;
                for (int p = 0; p < m.ports().size(); p++) {
                    Verdict v = m.verdict(p, i, j);
                    verdicts.add(v == null ? null : v.name());
                    any |= v != null;
                }
                if (!any) continue;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("from", i);
                row.put("to", j);
                row.put("verdicts", verdicts);
                row.put("cells", m.cells(i, j));
                rows.add(row);
            }
        }
        out.put("rows", rows);
        out.put("traced", m.traced());
        out.put("cellCount", m.cellCount());
        return out;
    }

    private static Map<String, Object> group(Matrix.Group g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", g.name());
        m.put("members", g.members());
        m.put("service", g.service());
        return m;
    }
}
