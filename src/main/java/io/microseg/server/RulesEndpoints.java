package io.microseg.server;

import io.microseg.compile.DrlProblem;
import io.microseg.deploy.DeployOutcome;
import io.microseg.deploy.RefusalReason;
import io.microseg.deploy.RefusedDeploy;
import io.microseg.deploy.RuleSetInForce;
import io.microseg.deploy.RulesReloader;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

/**
 * The operators' view of the rule set, and the one way to remove rules:
 * <pre>
 * GET  /v1/rules          {"status":"applied|refused|packaged","digest","rules":N,"ruleNames":[...],"appliedAt","version",
 *                          "folder","lastRefusal":{"reason","detail","digest","dropped","problems","at"}|null}
 * POST /v1/rules/reload   [{"remove":["rule name", ...]}]
 *      200 {"applied":true,"changed","digest","version","rules","added","removed"}
 *      409 {"applied":false,"reason":"drops_rules|empty|unsettled|untrusted|unreadable",...}: nothing changed
 *      422 {"applied":false,"reason":"not_allowed|build_failed|remove_mismatch","problems":[{"location","rule","message"}],...}
 * </pre>
 * A reload without {@code remove} never removes a DRL rule: a rule set that drops some is answered 409
 * with their names, to be sent back as {@code remove} once the operator means it. Builds run on the
 * worker pool, never on the event loop.
 */
final class RulesEndpoints {
    /** Removal lists beyond this are refused unread: there are not that many rules. */
    private static final int BODY_LIMIT = 256 * 1024;

    private final RulesReloader reloader;
    private final RuleSetInForce packaged;
    private final BiConsumer<RoutingContext, Callable<Answer>> offLoop;

    /**
     * @param reloader the folder's deployer; null when the server runs the rules packaged in its jar
     * @param packaged the rule set in force when there is no folder
     * @param offLoop  runs a computation on the worker pool and sends its answer
     */
    RulesEndpoints(RulesReloader reloader, RuleSetInForce packaged, BiConsumer<RoutingContext, Callable<Answer>> offLoop) {
        this.reloader = reloader;
        this.packaged = packaged;
        this.offLoop = offLoop;
    }

    void mount(Router router, Handler<RoutingContext> operatorsOnly) {
        router.get("/v1/rules").handler(operatorsOnly).handler(this::status);
        // the body is read first on this route (Vert.x wants it so); the token was checked before, by /v1/*
        router.post("/v1/rules/reload").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT)).handler(operatorsOnly)
                .handler(this::reload);
    }

    private void status(RoutingContext ctx) {
        offLoop.accept(ctx, () -> {
            Map<String, Object> m = new LinkedHashMap<>();
            RulesReloader.Status s = reloader == null ? null : reloader.status();
            RuleSetInForce inForce = s == null ? packaged : s.inForce();
            m.put("status", s == null ? "packaged" : s.state());
            m.put("digest", inForce.digest());
            m.put("rules", inForce.ruleNames().size());
            m.put("ruleNames", List.copyOf(inForce.ruleNames()));
            m.put("appliedAt", inForce.appliedAt().toString());
            m.put("version", inForce.version());
            m.put("folder", reloader == null ? null : reloader.folder().toString());
            m.put("lastRefusal", s == null || s.lastRefusal() == null ? null : refusal(s.lastRefusal()));
            return Answer.json(200, m);
        });
    }

    private void reload(RoutingContext ctx) {
        if (reloader == null) {
            MicrosegServer.error(ctx, 409, "this server runs the rules packaged in its jar: start it with --rules DIR to reload DRL");
            return;
        }
        Optional<Set<String>> remove;
        try {
            remove = removal(ctx);
        } catch (IllegalArgumentException e) {
            MicrosegServer.error(ctx, 400, e.getMessage());
            return;
        }
        String who = "operator " + Admission.principal(ctx).name();
        offLoop.accept(ctx, () -> answer(reloader.reload(remove, who)));
    }

    /** The {@code remove} list of the body, if any: an empty body or {@code {}} removes nothing. */
    private static Optional<Set<String>> removal(RoutingContext ctx) {
        String text = ctx.body() == null ? null : ctx.body().asString();
        if (text == null || text.isBlank()) return Optional.empty();
        JsonObject body = JsonBody.object(text, "a JSON object such as {\"remove\": [\"rule name\"]}", List.of("remove"), "the field remove");
        if (!body.containsKey("remove")) return Optional.empty();
        if (!(body.getValue("remove") instanceof JsonArray names)) {
            throw new IllegalArgumentException("expected remove to be a list of DRL rule names, found " + body.getValue("remove"));
        }
        Set<String> remove = new LinkedHashSet<>();
        for (Object n : names) {
            if (!(n instanceof String s) || s.isBlank()) {
                throw new IllegalArgumentException("expected remove to hold DRL rule names (strings), found " + n);
            }
            remove.add(s);
        }
        return Optional.of(remove);
    }

    private static Answer answer(DeployOutcome outcome) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (outcome instanceof DeployOutcome.Refused r) {
            m.put("applied", false);
            m.putAll(refusal(r.refusal()));
            return Answer.json(status(r.refusal().reason()), m);
        }
        RuleSetInForce inForce = outcome instanceof DeployOutcome.Applied a ? a.inForce() : ((DeployOutcome.Unchanged) outcome).inForce();
        m.put("applied", true);
        m.put("changed", outcome instanceof DeployOutcome.Applied);
        m.put("digest", inForce.digest());
        m.put("version", inForce.version());
        m.put("rules", inForce.ruleNames().size());
        m.put("added", outcome instanceof DeployOutcome.Applied a ? a.added() : List.of());
        m.put("removed", outcome instanceof DeployOutcome.Applied a ? a.removed() : List.of());
        return Answer.json(200, m);
    }

    /** 409 when the folder's state is the obstacle (the operator acts on the folder or says what to remove); 422 when its DRL or the request is. */
    private static int status(RefusalReason reason) {
        return switch (reason) {
            case EMPTY, UNSETTLED, UNTRUSTED, UNREADABLE, DROPS_RULES -> 409;
            case NOT_ALLOWED, BUILD_FAILED, REMOVE_MISMATCH -> 422;
        };
    }

    private static Map<String, Object> refusal(RefusedDeploy r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", r.reason().label());
        m.put("detail", r.detail());
        m.put("digest", r.digest());
        m.put("dropped", r.dropped());
        m.put("problems", r.problems().stream().map(RulesEndpoints::problem).toList());
        m.put("at", r.at().toString());
        return m;
    }

    private static Map<String, Object> problem(DrlProblem p) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("location", p.file() + ":" + p.line() + ":" + p.column());
        e.put("rule", p.rule());
        e.put("message", p.message());
        return e;
    }
}
