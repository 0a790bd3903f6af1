package io.microseg.server;

import io.microseg.auth.Principal;
import io.microseg.agents.AgentSync;
import io.microseg.agents.StatusBook;
import io.microseg.agents.AuditBook;
import io.microseg.config.MicrosegConfig;
import io.microseg.controlplane.AgentStatus;
import io.microseg.controlplane.Codec;
import io.microseg.feed.FeedStore;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

/**
 * The agents' status reports and the operators' view of them ({@code docs/status.md}):
 * <pre>
 * PUT /v1/nodes/{cluster}/{node}/status   (the agent itself) a report (controlplane.Codec): 200 {"identity","inSync","serverVersion","reasons"}
 * PUT /v1/hosts/{name}/status
 * GET /v1/agents                          (operators) {"replica","epoch","agents":[{"identity","reported","inSync","reasons","appliedVersion",
 *                                         "serverVersion","connected","lastReport","pendingPods","lastError","namespaces"}]}
 * </pre>
 * A report's audit counters go to the {@link AuditBook} ({@code GET /v1/audit}, {@link AuditEndpoint}).
 * A report is accepted from the agent it is about only (its token's identity, which is also the path's
 * and the body's): operators may read every report but write none. Without authentication (loopback
 * only) anyone may report. A body over {@code server.agentStatus.maxBodyBytes} is refused unread (413), a
 * malformed one with the field it lacks (400).
 */
final class AgentEndpoints {
    private final StatusBook book;
    private final AuditBook audit;
    private final FeedStore feed;
    private final String epoch;
    private final String replica;
    private final Clock clock;
    private final MicrosegConfig.AgentStatus settings;
    private final BiConsumer<RoutingContext, Callable<Answer>> offLoop;

    /** @param replica this replica's name (its pod's, or its host's), which answers name */
    AgentEndpoints(StatusBook book, AuditBook audit, FeedStore feed, String epoch, String replica, Clock clock, MicrosegConfig.AgentStatus settings,
                   BiConsumer<RoutingContext, Callable<Answer>> offLoop) {
        this.book = book;
        this.audit = audit;
        this.feed = feed;
        this.epoch = epoch;
        this.replica = replica;
        this.clock = clock;
        this.settings = settings;
        this.offLoop = offLoop;
    }

    void mount(Router router, Handler<RoutingContext> operatorsOnly) {
        // the body is read before the handler (Vert.x wants it so); the token was checked before, by /v1/*
        BodyHandler body = BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes());
        router.put("/v1/nodes/:cluster/:node/status").handler(body)
                .handler(ctx -> report(ctx, "node/" + ctx.pathParam("cluster") + "/" + ctx.pathParam("node")));
        router.put("/v1/hosts/:name/status").handler(body).handler(ctx -> report(ctx, "host/" + ctx.pathParam("name")));
        router.get("/v1/agents").handler(operatorsOnly).handler(this::agents);
    }

    /** The lines of every agent, judged now. */
    List<AgentSync.Line> lines() {
        return AgentSync.judge(book.reports(), feed.agentFeeds(), feed::agentFeed, epoch, clock.instant(), settings.staleAfter());
    }

    private void report(RoutingContext ctx, String agent) {
        Principal who = Admission.principal(ctx);
        if (who.kind() == Principal.Kind.OPERATOR) {
            MicrosegServer.error(ctx, 403, "operator " + who.name() + " may read agents' status (GET /v1/agents) but not report it for " + agent);
            return;
        }
        if (who.kind() == Principal.Kind.AGENT && !who.name().equals(agent)) {
            MicrosegServer.error(ctx, 403, who.name() + " may report its own status only, not that of " + agent);
            return;
        }
        String text = ctx.body() == null ? null : ctx.body().asString();
        AgentStatus status;
        try {
            status = Codec.decodeStatus(text == null ? "" : text);
        } catch (Codec.WireFormatException e) {
            MicrosegServer.error(ctx, 400, "malformed status report: " + e.getMessage());
            return;
        }
        if (!status.identity().equals(agent)) {
            MicrosegServer.error(ctx, 400, "malformed status report: field 'identity': expected " + agent
                    + " (the agent of this path), found " + status.identity());
            return;
        }
        if (!book.record(status, clock.instant())) {
            MicrosegServer.error(ctx, 503, "this replica keeps the status of at most " + book.maxAgents()
                    + " agents (server.agentStatus.maxAgents); the report of " + agent + " is not kept");
            return;
        }
        audit.record(agent, status.auditCounters());
        AgentSync.Line line = AgentSync.judge(Map.of(agent, new StatusBook.Report(status, clock.instant())), List.of(),
                feed::agentFeed, epoch, clock.instant(), settings.staleAfter()).get(0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("identity", agent);
        m.put("inSync", line.inSync());
        m.put("serverVersion", line.serverVersion());
        m.put("reasons", line.reasons());
        MicrosegServer.json(ctx, 200, m);
    }

    private void agents(RoutingContext ctx) {
        offLoop.accept(ctx, () -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("replica", replica);
            m.put("epoch", epoch);
            m.put("agents", lines().stream().map(AgentEndpoints::line).toList());
            return Answer.json(200, m);
        });
    }

    private static Map<String, Object> line(AgentSync.Line l) {
        Map<String, Object> m = new LinkedHashMap<>();
        AgentStatus s = l.reported() ? l.report().status() : null;
        m.put("identity", l.identity());
        m.put("reported", l.reported());
        m.put("inSync", l.inSync());
        m.put("reasons", l.reasons());
        m.put("appliedVersion", s == null ? null : s.appliedVersion());
        m.put("serverVersion", l.serverVersion());
        m.put("connected", l.connected());
        m.put("expected", l.expected());
        m.put("lastReport", s == null ? null : l.report().received().toString());
        m.put("epoch", s == null ? null : s.epoch());
        m.put("pendingPods", s == null ? List.of() : s.pendingPods());
        m.put("lastError", s == null ? null : s.lastError());
        m.put("namespaces", s == null ? List.of() : Codec.status(s).get("namespaces"));
        return m;
    }
}
