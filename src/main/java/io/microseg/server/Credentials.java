package io.microseg.server;

import io.microseg.config.MicrosegConfig;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Who a bearer token belongs to. Tokens are configured as {@code sha256:<hex>} hashes only: a request's
 * token is hashed and compared with every configured hash in constant time ({@link MessageDigest#isEqual}
 * on equal-length digests, and no early exit), so neither the token nor which entry matched leaks
 * through timing. Tokens must be random (32 bytes or more): a hash protects a random secret, not a
 * password.
 */
public final class Credentials {
    private static final String PREFIX = "sha256:";

    private record Entry(byte[] hash, Principal principal) {}

    private final boolean open;
    private final List<Entry> entries;

    private Credentials(boolean open, List<Entry> entries) {
        this.open = open;
        this.entries = entries;
    }

    public static Credentials of(MicrosegConfig.Auth auth) {
        List<Entry> entries = new java.util.ArrayList<>();
        auth.agents().forEach(a -> entries.add(new Entry(decode(a.tokenHash()), Principal.agent(a.identity()))));
        auth.operators().forEach(o -> entries.add(new Entry(decode(o.tokenHash()), Principal.operator(o.name()))));
        return new Credentials(auth.insecureNoAuth(), List.copyOf(entries));
    }

    /** Whether every request is let in without a token ({@code insecureNoAuth}). */
    public boolean open() {
        return open;
    }

    /** The principal of an {@code Authorization} header; empty when it is missing, malformed or unknown. */
    public Optional<Principal> authenticate(String authorization) {
        if (open) return Optional.of(Principal.ANONYMOUS);
        if (authorization == null) return Optional.empty();
        String header = authorization.trim();
        if (header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.empty();
        String token = header.substring(7).trim();
        if (token.isEmpty()) return Optional.empty();
        byte[] presented = sha256(token);
        Principal found = null;
        for (Entry e : entries) {
            // every entry is compared, whether or not one matched already
            if (MessageDigest.isEqual(e.hash(), presented) & found == null) found = e.principal();
        }
        return Optional.ofNullable(found);
    }

    /** The line to put in the configuration for a token: {@code sha256:<64 hex digits>}. */
    public static String hash(String token) {
        return PREFIX + HexFormat.of().formatHex(sha256(token));
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static byte[] decode(String configured) {
        if (!configured.startsWith(PREFIX)) throw new IllegalArgumentException("expected sha256:<hex>, found " + configured);
        return HexFormat.of().parseHex(configured.substring(PREFIX.length()));
    }

    /** Who is asking: an agent (its own rules only), an operator (everything), or anyone when auth is off. */
    public record Principal(Kind kind, String name) {
        public enum Kind { AGENT, OPERATOR, ANONYMOUS }

        static final Principal ANONYMOUS = new Principal(Kind.ANONYMOUS, "anonymous");

        static Principal agent(String identity) {
            return new Principal(Kind.AGENT, identity);
        }

        static Principal operator(String name) {
            return new Principal(Kind.OPERATOR, name);
        }

        /** Operators and (with auth off) anyone may read everything. */
        public boolean readsEverything() {
            return kind != Kind.AGENT;
        }

        /** Whether this principal may read the rules of this agent ({@code node/<cluster>/<name>}, {@code host/<name>}). */
        public boolean mayRead(String agent) {
            return readsEverything() || name.equals(agent);
        }
    }
}
