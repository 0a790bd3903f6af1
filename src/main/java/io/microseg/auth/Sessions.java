package io.microseg.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web workbench's sign-in sessions: an operator proves who it is once with a token, and the browser
 * then carries a random session id (a cookie) instead of the token.
 *
 * <p>Contract: {@link #open} is given an operator (never an agent: the caller refuses those) and returns a
 * new id of 256 random bits; {@link #find} answers its principal until the session ends, which is
 * {@code lifetime} after sign-in, or the token's own {@code exp} when it is a JWT (a Kubernetes token) and
 * that comes first, or {@link #close}. Only the SHA-256 of an id is kept, so the store never holds a
 * credential a memory dump could replay. At most {@code max} sessions: a sign-in beyond it ends the
 * session that would end first. Sessions live in this replica's memory: a restart, or another replica,
 * asks to sign in again.
 */
public final class Sessions {
    /** A session as opened: the id to hand to the browser, and when it ends. */
    public record Opened(String id, Instant expires) {}

    private record Entry(Principal principal, Instant expires) {}

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;
    private final Duration lifetime;
    private final int max;
    private final Map<String, Entry> byHash = new ConcurrentHashMap<>();

    public Sessions(Clock clock, Duration lifetime, int max) {
        this.clock = clock;
        this.lifetime = lifetime;
        this.max = max;
    }

    /** A new session for {@code principal}, who signed in with {@code token}. */
    public synchronized Opened open(Principal principal, String token) {
        if (principal.kind() == Principal.Kind.AGENT) throw new IllegalArgumentException("an agent cannot open a session");
        Instant now = clock.instant();
        Instant expires = now.plus(lifetime);
        Optional<Instant> exp = TokenExpiry.of(token);
        if (exp.isPresent() && exp.get().isBefore(expires)) expires = exp.get();
        byHash.values().removeIf(e -> !now.isBefore(e.expires()));
        while (byHash.size() >= max) {
            byHash.entrySet().stream().min(Comparator.comparing(e -> e.getValue().expires()))
                    .ifPresent(e -> byHash.remove(e.getKey()));
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        byHash.put(hash(id), new Entry(principal, expires));
        return new Opened(id, expires);
    }

    /** The principal of a session that has not ended; empty for an unknown, ended or malformed id. */
    public Optional<Principal> find(String id) {
        if (id == null || id.isEmpty() || id.length() > 100) return Optional.empty();
        String key = hash(id);
        Entry e = byHash.get(key);
        if (e == null) return Optional.empty();
        if (!clock.instant().isBefore(e.expires())) {
            byHash.remove(key, e);
            return Optional.empty();
        }
        return Optional.of(e.principal());
    }

    /** Ends the session (signing out); an unknown id is ignored. */
    public void close(String id) {
        if (id != null && id.length() <= 100) byHash.remove(hash(id));
    }

    /** Sessions held now, ended ones not yet forgotten included. */
    public int size() {
        return byHash.size();
    }

    private static String hash(String id) {
        return HexFormat.of().formatHex(StaticTokens.sha256(id));
    }
}
