package io.microseg.server;

import io.microseg.auth.Authenticator;
import io.microseg.auth.Principal;
import io.microseg.auth.Verdict;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

import java.util.function.BooleanSupplier;

/**
 * Who may pass: every {@code /v1} request is authenticated here ({@link #authenticate}) before any route
 * sees it, and routes then ask what its principal may do ({@link #operatorsOnly}, {@link #mayRead}).
 *
 * <p>Contract: a request reaches the next handler only with an {@link Verdict.Accepted} principal stored in
 * its context, and only once the first compile is served (before, 503: an agent must not take an empty
 * rule set for the truth). A token that cannot be verified now (the Kubernetes API does not answer) is a
 * 503, never a pass. An agent's token reads its own node's or host's rules only; operators read everything.
 */
final class Admission {
    private static final String PRINCIPAL = "principal";

    private final Authenticator authenticator;
    private final WorkbenchSession sessions;
    private final BooleanSupplier ready;
    private final ConnectionGuard guard;
    private final RateLimitedLog errors;

    Admission(Authenticator authenticator, WorkbenchSession sessions, BooleanSupplier ready, ConnectionGuard guard, RateLimitedLog errors) {
        this.authenticator = authenticator;
        this.sessions = sessions;
        this.ready = ready;
        this.guard = guard;
        this.errors = errors;
    }

    /**
     * Lets the request in as its principal, or answers 401, 403 or 503 ({@link Verdict}). A verdict that
     * needs the Kubernetes API arrives later, from a worker: meanwhile the request is paused, so that a
     * body handler further on still gets the body, and the verdict is handled back on this event loop.
     */
    void authenticate(RoutingContext ctx) {
        if (ctx.request().getHeader("Authorization") == null) {
            // the workbench's pages: a session cookie instead of a bearer token
            var session = sessions.principal(ctx);
            if (session.isPresent()) {
                admit(ctx, session.get());
                return;
            }
        }
        var verdict = authenticator.authenticate(ctx.request().getHeader("Authorization")).toCompletableFuture();
        if (verdict.isDone()) {
            admit(ctx, verdict.getNow(null));
            return;
        }
        ctx.request().pause();
        Future.fromCompletionStage(verdict, ctx.vertx().getOrCreateContext()).onComplete(ar -> {
            admit(ctx, ar.succeeded() ? ar.result()
                    : new Verdict.Unverifiable("the token could not be verified", String.valueOf(ar.cause())));
            // a body handler on the route has taken the body by now; for any other route the rest is read and dropped
            ctx.request().resume();
        });
    }

    private void admit(RoutingContext ctx, Verdict verdict) {
        if (verdict instanceof Verdict.Accepted a) {
            if (!ready.getAsBoolean()) {
                MicrosegServer.error(ctx, 503, "starting: the first compile has not finished");
                return;
            }
            ctx.put(PRINCIPAL, a.principal());
            guard.authenticated(ctx.request().connection());
            ctx.next();
        } else if (verdict instanceof Verdict.Refused r) {
            if (r.status() == 401) ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"microseg\"");
            MicrosegServer.error(ctx, r.status(), r.message());
        } else if (verdict instanceof Verdict.Unverifiable u) {
            errors.warn("unverified token", u.detail() + " (" + ctx.request().method() + " " + ClientText.printable(ctx.request().path(), 200)
                    + " from " + ctx.request().remoteAddress() + ")", null);
            MicrosegServer.error(ctx, 503, u.message());
        }
    }

    /** The principal {@link #authenticate} admitted this request as. */
    static Principal principal(RoutingContext ctx) {
        return ctx.get(PRINCIPAL);
    }

    /** A route handler: passes operators on, answers 403 to an agent. */
    void operatorsOnly(RoutingContext ctx) {
        if (principal(ctx).readsEverything()) ctx.next();
        else MicrosegServer.error(ctx, 403, principal(ctx).name() + " is an agent: this endpoint needs an operator token");
    }

    /** Whether the request's principal may read {@code agent}'s rules; if not, the 403 has been answered. */
    boolean mayRead(RoutingContext ctx, String agent) {
        if (principal(ctx).mayRead(agent)) return true;
        MicrosegServer.error(ctx, 403, principal(ctx).name() + " may read its own rules only, not those of " + agent);
        return false;
    }
}
