package io.microseg.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web workbench's static files, from the jar's {@code workbench/} folder (docs/workbench.md):
 * <pre>
 * GET /          the workbench (index.html)
 * GET /ui/NAME   a script, style sheet or image of it; NAME is [a-z0-9-] words separated by '/', with .js, .css, .html or .svg
 * </pre>
 * Public: they hold code and layout, no data; every datum comes from {@code /v1}, which authenticates. Each
 * answer carries a Content-Security-Policy that lets the page load and connect to this server only (no
 * inline script, no framing by other sites), and {@code nosniff}. Files are read once and kept.
 */
final class WorkbenchAssets {
    private static final Pattern NAME = Pattern.compile("[a-z0-9-]+(/[a-z0-9-]+)*\\.(js|css|html|svg)");
    private static final Map<String, String> TYPES = Map.of("js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "html", "text/html; charset=utf-8", "svg", "image/svg+xml");
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final Map<String, Buffer> cache = new ConcurrentHashMap<>();

    void mount(Router router) {
        router.get("/").handler(ctx -> send(ctx, "index.html"));
        router.get("/ui/*").handler(ctx -> send(ctx, ctx.request().path().substring("/ui/".length())));
    }

    private void send(RoutingContext ctx, String name) {
        if (!NAME.matcher(name).matches()) {
            MicrosegServer.error(ctx, 404, "no such workbench file: " + name.replaceAll("[^\\x20-\\x7e]", "?"));
            return;
        }
        Buffer body = cache.computeIfAbsent(name, WorkbenchAssets::read);
        if (body.length() == 0) {
            cache.remove(name);
            MicrosegServer.error(ctx, 404, "no such workbench file: " + name);
            return;
        }
        ctx.response().putHeader("Content-Type", TYPES.get(name.substring(name.lastIndexOf('.') + 1)))
                .putHeader("Content-Security-Policy", CSP)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cache-Control", "no-cache")
                .end(body);
    }

    private static Buffer read(String name) {
        try (InputStream in = WorkbenchAssets.class.getResourceAsStream("/workbench/" + name)) {
            return in == null ? Buffer.buffer() : Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
