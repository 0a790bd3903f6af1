package io.microseg.compile;

import io.microseg.policy.query.Query;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Gives each distinct query one selector id, which is also the id of the address set of what it
 * selects. The id derives from the query text alone, so it is stable across compiles and policies
 * that repeat a query share one set (as Antrea's address groups do).
 */
final class Selectors {
    private final Map<String, Query> byId = new LinkedHashMap<>();

    String idOf(Query query) {
        String id = "match:" + digest(normalise(query.text()));
        byId.putIfAbsent(id, query);
        return id;
    }

    Map<String, Query> all() {
        return byId;
    }

    private static String normalise(String text) {
        return text.trim().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    private static String digest(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
