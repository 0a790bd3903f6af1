package io.microseg.auth;

import io.microseg.config.MicrosegConfig;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Tokens configured in {@code server.auth.agents} and {@code server.auth.operators}, as {@code sha256:<hex>}
 * hashes only: a request's token is hashed and compared with every configured hash in constant time
 * ({@link MessageDigest#isEqual} on equal-length digests, and no early exit), so neither the token nor which
 * entry matched leaks through timing. Tokens must be random (32 bytes or more): a hash protects a random
 * secret, not a password.
 */
public final class StaticTokens {
    private static final String PREFIX = "sha256:";

    private record Entry(byte[] hash, Principal principal) {}

    private final List<Entry> entries;

    private StaticTokens(List<Entry> entries) {
        this.entries = entries;
    }

    public static StaticTokens of(MicrosegConfig.Auth auth) {
        List<Entry> entries = new ArrayList<>();
        auth.agents().forEach(a -> entries.add(new Entry(decode(a.tokenHash()), Principal.agent(a.identity()))));
        auth.operators().forEach(o -> entries.add(new Entry(decode(o.tokenHash()), Principal.operator(o.name()))));
        return new StaticTokens(List.copyOf(entries));
    }

    /** The principal whose configured hash is this token's; empty when none is. */
    public Optional<Principal> find(String token) {
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

    static byte[] sha256(String token) {
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
}
