package io.microseg.server;

import io.microseg.compile.RuleFiles;
import io.microseg.deploy.RulesReloader;
import io.microseg.input.YamlDocuments;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The files the rules come from, as the workbench's rule page and editor show them (operators):
 * <pre>
 * GET /v1/files                 200 {"rules":[{"name":"rules/services.drl","lines":N}],"policies":[{"name":"config/demo/policies/demo.yaml","lines":N}],
 *                                    "rulesKnown":bool}
 * GET /v1/files/content?name=N  200 {"name","kind":"rules|policies","text"}; 404 a name not listed by GET /v1/files
 * </pre>
 * DRL files are those of the rule set in force (the jar's or the deployed folder's; none listed, and
 * {@code rulesKnown} false, when the server started with rules neither has any more). Policy files are the
 * YAML and JSON files of the configured policy folders (Workspaces read from a cluster have no file), as they
 * are on disk now, at most {@value #MAX_BYTES} bytes each. Only a listed name is ever read: no path from the
 * request reaches the file system.
 */
final class SourceFilesEndpoint {
    static final int MAX_BYTES = 1024 * 1024;

    private final Supplier<RulesReloader.Running> running;
    private final List<Path> policyFolders;
    private final BiConsumer<RoutingContext, Callable<Answer>> offLoop;

    SourceFilesEndpoint(Supplier<RulesReloader.Running> running, List<Path> policyFolders,
                        BiConsumer<RoutingContext, Callable<Answer>> offLoop) {
        this.running = running;
        this.policyFolders = List.copyOf(policyFolders);
        this.offLoop = offLoop;
    }

    void mount(Router router, Handler<RoutingContext> operatorsOnly) {
        router.get("/v1/files").handler(operatorsOnly).handler(ctx -> offLoop.accept(ctx, this::list));
        router.get("/v1/files/content").handler(operatorsOnly).handler(this::content);
    }

    private Answer list() {
        RuleFiles drl = running.get().files();
        List<Map<String, Object>> rules = new ArrayList<>();
        if (drl != null) drl.files().forEach((name, text) -> rules.add(entry(name, text)));
        List<Map<String, Object>> policies = new ArrayList<>();
        policyFiles().forEach((name, path) -> {
            String text = read(path);
            if (text != null) policies.add(entry(name, text));
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rules", rules);
        m.put("policies", policies);
        m.put("rulesKnown", drl != null);
        return Answer.json(200, m);
    }

    private void content(RoutingContext ctx) {
        String name = ctx.queryParams().get("name");
        if (name == null || name.isBlank()) {
            MicrosegServer.error(ctx, 400, "expected ?name=<a file GET /v1/files lists>, e.g. name=rules/services.drl");
            return;
        }
        offLoop.accept(ctx, () -> {
            RuleFiles drl = running.get().files();
            String text = null;
            String kind = null;
            if (drl != null && drl.files().containsKey(name)) {
                text = drl.files().get(name);
                kind = "rules";
            } else {
                Path p = policyFiles().get(name);
                if (p != null) {
                    text = read(p);
                    kind = "policies";
                }
            }
            if (text == null) return Answer.error(404, "no file " + name + " among the DRL in force and the policy folders' files (GET /v1/files)");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("kind", kind);
            m.put("text", text);
            return Answer.json(200, m);
        });
    }

    /** The policy folders' input files by the name they are shown under (the folder as configured, then the path in it). */
    private Map<String, Path> policyFiles() {
        Map<String, Path> files = new LinkedHashMap<>();
        for (Path folder : policyFolders) {
            if (!Files.isDirectory(folder)) continue;
            try (Stream<Path> walk = Files.walk(folder, 8)) {
                walk.filter(YamlDocuments::isInputFile).sorted().forEach(p -> files.put(p.toString().replace('\\', '/'), p));
            } catch (IOException | java.io.UncheckedIOException e) {
                // a folder being swapped: listed again on the next request
            }
        }
        return files;
    }

    private static Map<String, Object> entry(String name, String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("lines", text.isEmpty() ? 0 : text.split("\n", -1).length);
        return m;
    }

    /** The file's text, or null when it is unreadable or larger than {@link #MAX_BYTES}. */
    private static String read(Path p) {
        try {
            if (Files.size(p) > MAX_BYTES) return null;
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
