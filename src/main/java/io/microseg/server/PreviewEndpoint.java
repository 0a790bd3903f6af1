package io.microseg.server;

import io.microseg.compile.Compilation;
import io.microseg.engine.FullCompile;
import io.microseg.compile.DrlBuild;
import io.microseg.compile.DrlProblem;
import io.microseg.compile.RuleBase;
import io.microseg.compile.RuleFiles;
import io.microseg.config.MicrosegConfig;
import io.microseg.deploy.RulesReloader;
import io.microseg.explain.Trace;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import io.microseg.matrix.Diff;
import io.microseg.matrix.DiffEvaluation;
import io.microseg.matrix.DiffJson;
import io.microseg.matrix.Selection;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * {@code POST /v1/preview} (operators): what candidate Workspace documents and/or DRL files would flip
 * against the live state, applying nothing.
 * <pre>
 * {"workspaces": {"demo.yaml": "apiVersion: microseg.io/v1\nkind: Workspace\n..."},   file name -> YAML or JSON text
 *  "rules": {"rules/services.drl": "..."},                                             file name -> DRL text
 *  "ports": ["tcp/27017"], "from": "QUERY", "to": "QUERY"}                             optional, as for diff
 * 200 {"version":V,"flips":[...],["truncated":true,]"summary":{"allowToDeny":N,"denyToAllow":N}}
 * 400 the request is not such a JSON object, or a port or query does not parse
 * 422 {"status":422,"error","problems":[{"location":"file:line[:col]","rule","message"}]}: a candidate is refused
 *     (policy reader, DRL code check or build), or there are more flows to trace than server.preview.maxFlows
 * 409 DRL candidates while the DRL in force is not known as files (the rules the server started with came
 *     from neither its jar nor its folder as it is now)
 * 503 the preview did not finish within server.preview.timeout
 * </pre>
 * BEFORE is the live state (the engine's current compile of the inventory and workspaces in force);
 * AFTER is that state with the candidate workspaces replacing the live ones of the same name (or added)
 * and the candidate DRL files replacing those of the same name in the DRL in force (or added). The
 * candidates are parsed and checked exactly as the policy folder and a rules deploy are; nothing is
 * submitted to the engine. The work runs on the operators' worker pool, never on the event loop.
 */
final class PreviewEndpoint {
    private static final List<String> FIELDS = List.of("workspaces", "rules", "ports", "from", "to");

    private final MicrosegConfig.Preview settings;
    private final CompiledReads reads;
    private final Supplier<RulesReloader.Running> running;
    private final BiConsumer<RoutingContext, Callable<Answer>> offLoop;

    /**
     * @param running the rules in force and their DRL files (null files: not known)
     * @param offLoop runs a computation on the worker pool and sends its answer
     */
    PreviewEndpoint(MicrosegConfig.Preview settings, CompiledReads reads, Supplier<RulesReloader.Running> running,
                    BiConsumer<RoutingContext, Callable<Answer>> offLoop) {
        this.settings = settings;
        this.reads = reads;
        this.running = running;
        this.offLoop = offLoop;
    }

    void mount(Router router, Handler<RoutingContext> operatorsOnly) {
        // the body is read first on this route (Vert.x wants it so); the token was checked before, by /v1/*
        router.post("/v1/preview").handler(BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes())).handler(operatorsOnly)
                .handler(this::preview);
    }

    /** A request as read, before anything is parsed as policy or DRL. */
    private record Request(Map<String, String> workspaces, Map<String, String> rules, List<Trace.Port> ports, String from, String to) {}

    private void preview(RoutingContext ctx) {
        Request req;
        try {
            req = request(ctx.body() == null ? null : ctx.body().asString());
        } catch (IllegalArgumentException e) {
            MicrosegServer.error(ctx, 400, e.getMessage());
            return;
        }
        offLoop.accept(ctx, () -> answer(req));
    }

    private Answer answer(Request req) {
        DiffEvaluation.Limits limits = DiffEvaluation.Limits.of(settings.maxFlows(), settings.timeout());
        CompiledReads.Reads live = reads.current();
        List<Workspace> workspaces;
        try {
            workspaces = workspaces(live.inputs().workspaces(), req.workspaces());
        } catch (InputException e) {
            return refused("a candidate workspace is refused: " + e.getMessage(), List.of(problem(e)));
        }
        RuleBase rules;
        RulesReloader.Running inForce = running.get();
        if (req.rules().isEmpty()) {
            rules = inForce.rules();
        } else {
            if (inForce.files() == null) {
                return Answer.error(409, "the DRL in force is not known as files (the server started with rules that are neither "
                        + "its jar's nor its folder's as it is now): deploy the folder, then preview DRL candidates");
            }
            TreeMap<String, String> files = new TreeMap<>(inForce.files().files());
            files.putAll(req.rules());
            DrlBuild.Result built = DrlBuild.build(new RuleFiles(files));
            if (!built.ok()) {
                List<Map<String, Object>> problems = built.problems().stream().map(PreviewEndpoint::problem).toList();
                return refused("the candidate DRL " + (built.notAllowed() ? "is refused by the code check" : "does not build") + ": "
                        + built.problems().get(0), problems);
            }
            rules = built.rules();
        }
        DiffEvaluation.Side before = new DiffEvaluation.Side(live.snapshot().compilation(), live.inputs().inventory(),
                live.inputs().workspaces());
        Compilation compiled;
        try {
            compiled = FullCompile.of(rules, live.inputs().objects(), workspaces);
        } catch (RuntimeException e) {
            return refused("the candidates fail on the live inventory: " + e, List.of());
        }
        DiffEvaluation.Side after = new DiffEvaluation.Side(compiled, live.inputs().inventory(), workspaces);
        Diff d;
        try {
            d = DiffEvaluation.evaluate(before, after, req.from(), req.to(),
                    req.ports() != null ? req.ports() : DiffEvaluation.portsNamed(before, after), limits);
        } catch (DiffEvaluation.LimitExceeded e) {
            return e.timedOut()
                    ? Answer.error(503, "the preview did not finish within server.preview.timeout (" + settings.timeout().toMillis()
                            + " ms): " + e.getMessage())
                    : refused("too large a preview for server.preview.maxFlows: " + e.getMessage(), List.of());
        }
        StringWriter json = new StringWriter();
        DiffJson.write(d, json, settings.maxFlips());
        // the diff's own JSON, with the live version in front
        return new Answer(200, "application/json",
                Buffer.buffer("{\"version\":" + live.snapshot().version() + "," + json.toString().substring(1)));
    }

    /** The live workspaces with the candidates in place of those of the same name, candidates not yet live at the end. */
    private static List<Workspace> workspaces(List<Workspace> live, Map<String, String> candidates) {
        if (candidates.isEmpty()) return live;
        List<Document> docs = new ArrayList<>();
        candidates.forEach((file, text) -> docs.addAll(YamlDocuments.parse(file, text)));
        List<Workspace> parsed = PolicyReader.read(docs);
        Map<String, Workspace> byName = new LinkedHashMap<>();
        live.forEach(w -> byName.put(w.name(), w));
        parsed.forEach(w -> byName.put(w.name(), w));
        return List.copyOf(byName.values());
    }

    private static Answer refused(String message, List<Map<String, Object>> problems) {
        Map<String, Object> m = Json.error(422, message);
        m.put("problems", problems);
        return Answer.json(422, m);
    }

    private static Map<String, Object> problem(InputException e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("location", e.file() + (e.line() > 0 ? ":" + e.line() : ""));
        m.put("rule", null);
        m.put("message", e.getMessage());
        return m;
    }

    private static Map<String, Object> problem(DrlProblem p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("location", p.file() + ":" + p.line() + ":" + p.column());
        m.put("rule", p.rule());
        m.put("message", p.message());
        return m;
    }

    /** Reads the body: a JSON object with only the known fields, candidates as maps of file name to text. */
    private static Request request(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("expected a JSON object with workspaces and/or rules (file name -> text), found an empty body");
        }
        JsonObject body = JsonBody.object(text, "a JSON object such as {\"workspaces\": {\"demo.yaml\": \"...\"}}", FIELDS,
                "the fields " + FIELDS);
        Map<String, String> workspaces = files(body, "workspaces", false);
        Map<String, String> rules = files(body, "rules", true);
        if (workspaces.isEmpty() && rules.isEmpty()) {
            throw new IllegalArgumentException("expected candidate workspaces or rules (file name -> text), found neither");
        }
        List<Trace.Port> ports = null;
        if (body.getValue("ports") != null) {
            if (!(body.getValue("ports") instanceof JsonArray list) || list.isEmpty()) {
                throw new IllegalArgumentException("expected ports to be a non-empty list such as [\"tcp/27017\", \"udp/53\"]");
            }
            ports = new ArrayList<>();
            for (Object p : list) {
                if (!(p instanceof String s)) throw new IllegalArgumentException("expected ports to hold strings such as \"tcp/27017\", found " + p);
                try {
                    Trace.Port parsed = Trace.Port.parse(s);
                    if (!ports.contains(parsed)) ports.add(parsed);
                } catch (InputException e) {
                    throw new IllegalArgumentException("ports: " + e.expected());
                }
            }
        }
        String from = string(body, "from");
        String to = string(body, "to");
        try {
            Selection.parse("from", from);
            Selection.parse("to", to);
        } catch (InputException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return new Request(workspaces, rules, ports, from, to);
    }

    /** A map of file name to text; DRL names are {@code rules/<name>.drl} (the {@code rules/} may be left out). */
    static Map<String, String> files(JsonObject body, String field, boolean drl) {
        Object v = body.getValue(field);
        if (v == null) return Map.of();
        if (!(v instanceof JsonObject o)) {
            throw new IllegalArgumentException("expected " + field + " to map file names to their text, found " + v);
        }
        Map<String, String> files = new TreeMap<>();
        for (String name : o.fieldNames()) {
            if (!(o.getValue(name) instanceof String text)) {
                throw new IllegalArgumentException("expected " + field + "." + name + " to be the file's text, found " + o.getValue(name));
            }
            String file = name;
            if (drl) {
                file = name.startsWith("rules/") ? name : "rules/" + name;
                if (!file.matches("rules/[A-Za-z0-9_][A-Za-z0-9_.-]*\\.drl")) {
                    throw new IllegalArgumentException("expected rules to be named rules/<name>.drl, found " + name);
                }
            } else if (name.isBlank() || name.contains("..")) {
                throw new IllegalArgumentException("expected workspaces to be named like files (demo.yaml), found " + name);
            }
            files.put(file, text);
        }
        return files;
    }

    private static String string(JsonObject body, String field) {
        Object v = body.getValue(field);
        if (v == null) return null;
        if (!(v instanceof String s)) throw new IllegalArgumentException("expected " + field + " to be a query (a string), found " + v);
        return s;
    }
}
