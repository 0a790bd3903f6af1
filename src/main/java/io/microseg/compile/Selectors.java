package io.microseg.compile;

import io.microseg.facts.InScope;
import io.microseg.facts.Selected;
import io.microseg.facts.SelectedService;
import io.microseg.inventory.Service;
import io.microseg.policy.Policy;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.Query;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gives each distinct query one selector id, which is also the id of the address set of what it
 * selects. The id derives from the query text alone, so it is stable across compiles and policies
 * that repeat a query share one set (as Antrea's address groups do).
 */
public final class Selectors {
    /** Ids by query text: workspaces are re-read often and repeat their queries; digests are not free. */
    private static final Map<String, String> IDS = new ConcurrentHashMap<>();
    private static final int MAX_CACHED = 1 << 20;

    private Selectors() {}

    public static String id(Query query) {
        String text = query.text();
        String id = IDS.get(text);
        if (id != null) return id;
        id = "match:" + digest(normalise(text));
        if (IDS.size() < MAX_CACHED) IDS.put(text, id);
        return id;
    }

    /**
     * A query as a workspace uses it: as its scope, or as a policy's consumer or provider (a party).
     * The rules test scopes with {@link InScope} and parties with {@link Selected} (workloads) or
     * {@link SelectedService} (services).
     */
    public record Use(String selector, boolean scope) {
        /** The fact saying that this use of the query selects an item. */
        public Object fact(String item) {
            if (scope) return new InScope(selector, item);
            return Service.isServiceId(item) ? new SelectedService(selector, item) : new Selected(selector, item);
        }
    }

    /** How a workspace uses its queries: the scope once, consumers and providers as parties. */
    public static Map<Use, Query> uses(Workspace ws) {
        Map<Use, Query> uses = new LinkedHashMap<>();
        uses.put(new Use(id(ws.scope()), true), ws.scope());
        for (Policy p : ws.policies()) {
            uses.putIfAbsent(new Use(id(p.consumer()), false), p.consumer());
            uses.putIfAbsent(new Use(id(p.provider()), false), p.provider());
        }
        return uses;
    }

    /** The queries of a workspace (scope, consumers, providers) by selector id. */
    public static Map<String, Query> of(Workspace ws) {
        Map<String, Query> queries = new LinkedHashMap<>();
        queries.putIfAbsent(id(ws.scope()), ws.scope());
        for (Policy p : ws.policies()) {
            queries.putIfAbsent(id(p.consumer()), p.consumer());
            queries.putIfAbsent(id(p.provider()), p.provider());
        }
        return queries;
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
