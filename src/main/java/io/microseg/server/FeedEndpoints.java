package io.microseg.server;

import io.microseg.config.MicrosegConfig;
import io.microseg.controlplane.AgentEvent;
import io.microseg.feed.FeedStore;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.OptionalLong;

/**
 * The agents' feed ({@code docs/protocol.md}): an agent's rules in force, once or as a watch stream.
 * <pre>
 * GET /v1/nodes/{cluster}/{node}/rules           an agent's snapshot as one JSON document
 * GET /v1/hosts/{name}/rules
 * GET /v1/nodes/{cluster}/{node}/watch[?since=V&amp;epoch=E]   its snapshot (or deltas since V), then deltas, as they come
 * GET /v1/hosts/{name}/watch[?since=V&amp;epoch=E]
 * </pre>
 * Each route reads one agent's view only, and only for a principal that may read that agent ({@link Admission#mayRead}).
 */
final class FeedEndpoints {
    private final Vertx vertx;
    private final FeedStore feed;
    private final FeedPump pump;
    private final ServerMetrics metrics;
    private final MicrosegConfig.Server settings;
    private final String epoch;
    private final ConnectionGuard guard;
    private final Admission admission;

    FeedEndpoints(Vertx vertx, FeedStore feed, FeedPump pump, ServerMetrics metrics, MicrosegConfig.Server settings, String epoch,
                  ConnectionGuard guard, Admission admission) {
        this.vertx = vertx;
        this.feed = feed;
        this.pump = pump;
        this.metrics = metrics;
        this.settings = settings;
        this.epoch = epoch;
        this.guard = guard;
        this.admission = admission;
    }

    void mount(Router router) {
        router.get("/v1/nodes/:cluster/:node/rules").handler(ctx -> rules(ctx, nodeAgent(ctx)));
        router.get("/v1/hosts/:name/rules").handler(ctx -> rules(ctx, "host/" + ctx.pathParam("name")));
        router.get("/v1/nodes/:cluster/:node/watch").handler(ctx -> watch(ctx, nodeAgent(ctx)));
        router.get("/v1/hosts/:name/watch").handler(ctx -> watch(ctx, "host/" + ctx.pathParam("name")));
    }

    private static String nodeAgent(RoutingContext ctx) {
        return "node/" + ctx.pathParam("cluster") + "/" + ctx.pathParam("node");
    }

    private void rules(RoutingContext ctx, String agent) {
        if (!admission.mayRead(ctx, agent)) return;
        if (!feed.agents().contains(agent)) {
            MicrosegServer.error(ctx, 404, "no agent " + agent + ": no such node or host in the inventory");
            return;
        }
        AgentEvent.Snapshot s = feed.snapshot(agent);
        MicrosegServer.json(ctx, 200, Json.agentRules(s, epoch));
    }

    private void watch(RoutingContext ctx, String agent) {
        if (!admission.mayRead(ctx, agent)) return;
        OptionalLong since = OptionalLong.empty();
        String text = ctx.request().getParam("since");
        if (text != null) {
            try {
                since = OptionalLong.of(Long.parseLong(text.trim()));
            } catch (NumberFormatException e) {
                MicrosegServer.error(ctx, 400, "expected since=<version>, a whole number from an earlier event, found \"" + text + "\"");
                return;
            }
        }
        // a cursor is only meaningful to the instance that issued it: from another epoch (a restart, whose
        // clock may have gone back) or without one (an older agent), the agent's state is replaced
        boolean foreign = since.isPresent() && !epoch.equals(ctx.request().getParam("epoch"));
        guard.watching(ctx.request().connection());
        new WatchStream(vertx, ctx.response(), agent, pump, metrics, settings.slowConsumer(), epoch)
                .start(feed, since, foreign, settings.bookmarkInterval().toMillis());
    }
}
