package io.microseg.server;

import io.microseg.auth.Authenticator;
import io.microseg.auth.Principal;
import io.microseg.auth.Sessions;
import io.microseg.auth.Verdict;
import io.microseg.config.MicrosegConfig;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Signing in to the web workbench (docs/workbench.md, docs/security.md):
 * <pre>
 * POST   /v1/session {"token":"..."}  200 {"principal","expires"} and Set-Cookie microseg_session (HttpOnly, SameSite=Strict,
 *                                     Path=/, Max-Age: server.workbench.sessionLifetime); 401 an unknown token; 403 an
 *                                     agent's token; 409 the server runs without authentication; 503 not verifiable now
 * GET    /v1/session                  200 {"authentication":true|false,"principal","kind"} (behind /v1 authentication)
 * DELETE /v1/session                  200, the session ended and the cookie cleared
 * </pre>
 * The token is checked by the server's {@link Authenticator}, exactly as a bearer token would be: a static
 * operator token, or a Kubernetes token that RBAC makes an operator. An agent's token opens no session.
 *
 * <p>A request without {@code Authorization} that carries the cookie is let in as the session's operator
 * ({@link #principal}), but only for what the workbench does ({@link #allows}): reads, and the side-effect
 * free {@code POST /v1/preview} and {@code POST /v1/check}. Deploying rules and agents' reports need a
 * bearer token, so that a page can never do them.
 */
final class WorkbenchSession {
    static final String COOKIE = "microseg_session";
    /** Requests a session may make besides GET and HEAD: none changes anything. */
    private static final Set<String> SESSION_POSTS = Set.of("/v1/preview", "/v1/check");
    private static final int BODY_LIMIT = 64 * 1024;

    private final Authenticator authenticator;
    private final Sessions sessions;
    private final MicrosegConfig.Workbench settings;
    private final boolean open;
    private final Clock clock;

    /** @param open whether the server runs without authentication: then there is nothing to sign in to */
    WorkbenchSession(Authenticator authenticator, MicrosegConfig.Workbench settings, boolean open, Clock clock) {
        this.authenticator = authenticator;
        this.settings = settings;
        this.open = open;
        this.clock = clock;
        this.sessions = new Sessions(clock, settings.sessionLifetime(), settings.maxSessions());
    }

    /** Signing in: mounted before the {@code /v1} authentication, since it is how one authenticates. */
    void mountSignIn(Router router) {
        router.post("/v1/session").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT)).handler(this::signIn);
    }

    /** Who am I, and signing out: mounted after the {@code /v1} authentication. */
    void mount(Router router) {
        router.get("/v1/session").handler(this::whoAmI);
        router.delete("/v1/session").handler(this::signOut);
    }

    /**
     * The session's operator for a request that has no {@code Authorization} header: empty when it carries
     * no session cookie (the bearer rules apply), otherwise the verdict on the cookie.
     */
    Optional<Verdict> principal(RoutingContext ctx) {
        if (open) return Optional.empty();
        Cookie c = ctx.request().getCookie(COOKIE);
        if (c == null) return Optional.empty();
        Optional<Principal> p = sessions.find(c.getValue());
        if (p.isEmpty()) {
            return Optional.of(new Verdict.Refused(401, "the workbench session has ended or is not known to this server: sign in again"));
        }
        if (!allows(ctx.request().method().name(), ctx.request().path())) {
            return Optional.of(new Verdict.Refused(403, "a workbench session may read and preview only: "
                    + ctx.request().method() + " " + ctx.request().path() + " needs an operator's bearer token"));
        }
        return Optional.of(new Verdict.Accepted(p.get()));
    }

    /** Whether a session (rather than a bearer token) may make this request. */
    static boolean allows(String method, String path) {
        if (method.equals("GET") || method.equals("HEAD")) return true;
        if (method.equals("DELETE")) return path.equals("/v1/session");
        return method.equals("POST") && SESSION_POSTS.contains(path);
    }

    private void signIn(RoutingContext ctx) {
        if (open) {
            MicrosegServer.error(ctx, 409, "this server runs without authentication (loopback only): there is nothing to sign in to");
            return;
        }
        String token;
        try {
            token = token(ctx.body() == null ? null : ctx.body().asString());
        } catch (IllegalArgumentException e) {
            MicrosegServer.error(ctx, 400, e.getMessage());
            return;
        }
        var verdict = authenticator.authenticate("Bearer " + token).toCompletableFuture();
        Future.fromCompletionStage(verdict, ctx.vertx().getOrCreateContext()).onComplete(ar -> {
            Verdict v = ar.succeeded() ? ar.result() : new Verdict.Unverifiable("the token could not be verified", String.valueOf(ar.cause()));
            if (v instanceof Verdict.Accepted a && a.principal().kind() == Principal.Kind.OPERATOR) {
                Sessions.Opened s = sessions.open(a.principal(), token);
                long seconds = Math.max(1, (Duration.between(clock.instant(), s.expires()).toMillis() + 999) / 1000);
                ctx.response().addCookie(cookie(s.id(), seconds));
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("principal", a.principal().name());
                m.put("expires", s.expires().toString());
                MicrosegServer.json(ctx, 200, m);
            } else if (v instanceof Verdict.Accepted a) {
                MicrosegServer.error(ctx, 403, a.principal().name() + " is an agent: agents' tokens cannot open the workbench, sign in with an operator's");
            } else if (v instanceof Verdict.Refused r) {
                MicrosegServer.error(ctx, r.status(), r.status() == 401
                        ? "not signed in: the token is not an operator's token this server knows (a static operator token, or a Kubernetes token)"
                        : r.message());
            } else {
                MicrosegServer.error(ctx, 503, ((Verdict.Unverifiable) v).message());
            }
        });
    }

    private void whoAmI(RoutingContext ctx) {
        Principal p = Admission.principal(ctx);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("authentication", !open);
        m.put("principal", p.name());
        m.put("kind", p.kind().name());
        MicrosegServer.json(ctx, 200, m);
    }

    private void signOut(RoutingContext ctx) {
        Cookie c = ctx.request().getCookie(COOKIE);
        if (c != null) sessions.close(c.getValue());
        ctx.response().addCookie(cookie("", 0));
        MicrosegServer.json(ctx, 200, Map.of("signedOut", true));
    }

    private Cookie cookie(String value, long maxAgeSeconds) {
        return Cookie.cookie(COOKIE, value).setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
                .setSecure(settings.secureCookie()).setMaxAge(maxAgeSeconds);
    }

    /** The token of a sign-in body {@code {"token":"..."}}. */
    private static String token(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("expected {\"token\": \"<operator token>\"}, found an empty body");
        JsonObject body = JsonBody.object(text, "{\"token\": \"<operator token>\"}", java.util.List.of("token"), "the field token");
        if (!(body.getValue("token") instanceof String t) || t.isBlank()) {
            throw new IllegalArgumentException("expected token to be the operator's token (a string)");
        }
        return t.trim();
    }
}
