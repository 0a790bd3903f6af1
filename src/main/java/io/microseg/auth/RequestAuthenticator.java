package io.microseg.auth;

import io.microseg.config.MicrosegConfig;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The server's {@link Authenticator}, composed as {@code server.auth} says: with {@code insecureNoAuth}
 * everyone is let in (loopback only, checked by the configuration and the server); otherwise the bearer
 * token is looked up among the static tokens ({@link StaticTokens}, answered at once), and a token they do
 * not know is, when {@code server.auth.kubernetes} is enabled and it has the shape of a JWT (as every
 * service-account token has), reviewed by the Kubernetes API ({@link KubernetesTokens}). Anything else: 401.
 */
public final class RequestAuthenticator implements Authenticator {
    static final String EXPECTED = "expected Authorization: Bearer <token> with a token this server knows";

    private final boolean open;
    private final StaticTokens tokens;
    private final KubernetesTokens kubernetes;

    RequestAuthenticator(boolean open, StaticTokens tokens, KubernetesTokens kubernetes) {
        this.open = open;
        this.tokens = tokens;
        this.kubernetes = kubernetes;
    }

    /**
     * The authenticator {@code auth} describes. Kubernetes reviews run on {@code workers}, never on the
     * caller's thread; {@code clock} times the cached answers.
     */
    public static RequestAuthenticator of(MicrosegConfig.Auth auth, Executor workers, Clock clock) {
        KubernetesTokens kubernetes = auth.kubernetes().enabled()
                ? new KubernetesTokens(auth.kubernetes(), KubernetesTokens.connect(auth.kubernetes()), workers, clock)
                : null;
        return new RequestAuthenticator(auth.insecureNoAuth(), StaticTokens.of(auth), kubernetes);
    }

    @Override
    public CompletionStage<Verdict> authenticate(String authorization) {
        if (open) return done(new Verdict.Accepted(Principal.ANONYMOUS));
        String token = bearer(authorization);
        if (token == null) return done(Verdict.Refused.unauthenticated(EXPECTED));
        var known = tokens.find(token);
        if (known.isPresent()) return done(new Verdict.Accepted(known.get()));
        if (kubernetes != null && TokenExpiry.looksLikeJwt(token)) return kubernetes.authenticate(token);
        return done(Verdict.Refused.unauthenticated(EXPECTED));
    }

    /** The token of an {@code Authorization: Bearer <token>} header; null when the header is missing or another scheme. */
    static String bearer(String authorization) {
        if (authorization == null) return null;
        String header = authorization.trim();
        if (header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    private static CompletionStage<Verdict> done(Verdict v) {
        return CompletableFuture.completedFuture(v);
    }

    @Override
    public void close() {
        if (kubernetes != null) kubernetes.close();
    }
}
