package io.microseg.server;

import io.microseg.compile.DrlBuild;
import io.microseg.compile.DrlProblem;
import io.microseg.compile.RuleFiles;
import io.microseg.deploy.RulesReloader;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import io.microseg.policy.PolicyReader;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * {@code POST /v1/check} (operators): whether candidate DRL files or Workspace documents would be accepted,
 * and where they are wrong, without computing what they change ({@code POST /v1/preview} does that):
 * <pre>
 * {"rules": {"rules/services.drl": "..."}}   or   {"workspaces": {"demo.yaml": "..."}}   (or both)
 * 200 {"ok":true,"problems":[]}
 * 200 {"ok":false,"problems":[{"file","line","column","rule","message"}]}   line and column from 1; 0 when not known
 * 400 not such a JSON object
 * 409 DRL candidates while the DRL in force is not known as files
 * </pre>
 * DRL candidates replace the files of the same name in the DRL in force (or are added), and the whole set
 * goes through the code check and the build, as a deploy would ({@link DrlBuild}); problems in other files
 * are listed too, under their names. Workspace candidates are read by the policy reader, as the policy
 * folder is. Nothing is applied; the work runs on the operators' worker pool.
 */
final class CheckEndpoint {
    private final int maxBodyBytes;
    private final Supplier<RulesReloader.Running> running;
    private final BiConsumer<RoutingContext, Callable<Answer>> offLoop;

    CheckEndpoint(int maxBodyBytes, Supplier<RulesReloader.Running> running, BiConsumer<RoutingContext, Callable<Answer>> offLoop) {
        this.maxBodyBytes = maxBodyBytes;
        this.running = running;
        this.offLoop = offLoop;
    }

    void mount(Router router, Handler<RoutingContext> operatorsOnly) {
        // the body is read first on this route (Vert.x wants it so); the credentials were checked before, by /v1/*
        router.post("/v1/check").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes)).handler(operatorsOnly).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        Map<String, String> rules;
        Map<String, String> workspaces;
        try {
            String text = ctx.body() == null ? null : ctx.body().asString();
            if (text == null || text.isBlank()) throw new IllegalArgumentException("expected a JSON object with rules and/or workspaces (file name -> text), found an empty body");
            JsonObject body = JsonBody.object(text, "a JSON object such as {\"rules\": {\"rules/services.drl\": \"...\"}}",
                    java.util.List.of("rules", "workspaces"), "the fields rules and workspaces");
            rules = PreviewEndpoint.files(body, "rules", true);
            workspaces = PreviewEndpoint.files(body, "workspaces", false);
            if (rules.isEmpty() && workspaces.isEmpty()) throw new IllegalArgumentException("expected candidate rules or workspaces (file name -> text), found neither");
        } catch (IllegalArgumentException e) {
            MicrosegServer.error(ctx, 400, e.getMessage());
            return;
        }
        offLoop.accept(ctx, () -> answer(rules, workspaces));
    }

    private Answer answer(Map<String, String> rules, Map<String, String> workspaces) {
        List<Map<String, Object>> problems = new ArrayList<>();
        if (!rules.isEmpty()) {
            RuleFiles inForce = running.get().files();
            if (inForce == null) {
                return Answer.error(409, "the DRL in force is not known as files (the server started with rules that are neither "
                        + "its jar's nor its folder's as it is now): deploy the folder, then check DRL candidates");
            }
            TreeMap<String, String> files = new TreeMap<>(inForce.files());
            files.putAll(rules);
            DrlBuild.Result built = DrlBuild.build(new RuleFiles(files));
            for (DrlProblem p : built.problems()) problems.add(problem(p.file(), p.line(), p.column(), p.rule(), p.message()));
        }
        for (Map.Entry<String, String> w : workspaces.entrySet()) {
            try {
                List<Document> docs = new ArrayList<>(YamlDocuments.parse(w.getKey(), w.getValue()));
                PolicyReader.read(docs);
            } catch (InputException e) {
                problems.add(problem(e.file() == null ? w.getKey() : e.file(), Math.max(0, e.line()), 0, null, e.getMessage()));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", problems.isEmpty());
        m.put("problems", problems);
        return Answer.json(200, m);
    }

    private static Map<String, Object> problem(String file, int line, int column, String rule, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", file);
        m.put("line", line);
        m.put("column", column);
        m.put("rule", rule);
        m.put("message", message);
        return m;
    }
}
