package io.microseg.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * The {@code exp} claim of a JWT, read without checking the signature. It is only ever used to forget a
 * cached answer sooner (a token is never trusted longer because of it): whether the token is valid is the
 * API server's answer, and a forged {@code exp} can at most make its own cache entry shorter than the TTL,
 * since the entry lasts until the earlier of the two.
 */
final class TokenExpiry {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A Kubernetes token's claims are a few hundred bytes; a payload far above that is not read. */
    private static final int MAX_PAYLOAD = 16 * 1024;

    private TokenExpiry() {}

    /** Whether the token has the shape of a JWT: three base64url parts separated by dots. */
    static boolean looksLikeJwt(String token) {
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) >= 0 || second == token.length() - 1) return false;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
            if (!ok) return false;
        }
        return true;
    }

    /** The expiry the token claims; empty when it is not a JWT or claims none. */
    static Optional<Instant> of(String token) {
        if (!looksLikeJwt(token)) return Optional.empty();
        int first = token.indexOf('.');
        String payload = token.substring(first + 1, token.indexOf('.', first + 1));
        if (payload.length() > MAX_PAYLOAD) return Optional.empty();
        try {
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(payload));
            JsonNode exp = claims == null ? null : claims.get("exp");
            if (exp == null || !exp.canConvertToLong()) return Optional.empty();
            return Optional.of(Instant.ofEpochSecond(exp.asLong()));
        } catch (IllegalArgumentException | java.io.IOException e) {
            return Optional.empty();
        }
    }
}
