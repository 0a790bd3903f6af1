package io.microseg.server;

import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Inventory;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * {@code GET /v1/workloads?q=TEXT[&limit=N]} (operators): the hosts, nodes and pods the words of {@code q}
 * all match, sorted by id, at most {@code limit} (default and cap {@value #MAX}):
 * <pre>
 * 200 {"version":V,"query":"...","workloads":[{"id","kind","labels":{k:v},"ips":[...],"agent","rules":N}],"truncated":bool}
 * 400 a limit that is not a whole number from 1 to the cap
 * </pre>
 * A word {@code key=value} matches a label (the key as written, or its Kubernetes import {@code orchestrator_key});
 * a word made of digits, dots, colons and hex letters matches an address it starts (an IP or a prefix of one);
 * any other word matches a part of the id or of a label value. Case is ignored. An empty {@code q} lists all.
 */
final class WorkloadSearch {
    static final int MAX = 500;

    private final BiConsumer<RoutingContext, Function<CompiledReads.Reads, Answer>> withReads;

    WorkloadSearch(BiConsumer<RoutingContext, Function<CompiledReads.Reads, Answer>> withReads) {
        this.withReads = withReads;
    }

    void mount(Router router, io.vertx.core.Handler<RoutingContext> operatorsOnly) {
        router.get("/v1/workloads").handler(operatorsOnly).handler(this::search);
    }

    private void search(RoutingContext ctx) {
        String q = ctx.queryParams().get("q") == null ? "" : ctx.queryParams().get("q").trim();
        int limit = MAX;
        String l = ctx.queryParams().get("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l.trim());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX) {
                MicrosegServer.error(ctx, 400, "expected limit to be a whole number from 1 to " + MAX + ", found \"" + l + "\"");
                return;
            }
        }
        int max = limit;
        withReads.accept(ctx, r -> {
            List<String> words = q.isEmpty() ? List.of() : List.of(q.toLowerCase(Locale.ROOT).split("\\s+"));
            List<InventoryItem> found = workloads(r.inputs().inventory())
                    .filter(w -> words.stream().allMatch(word -> matches(w, word)))
                    .sorted(Comparator.comparing(InventoryItem::id)).toList();
            List<Map<String, Object>> list = new ArrayList<>();
            for (InventoryItem w : found.subList(0, Math.min(max, found.size()))) list.add(describe(w, r));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", r.snapshot().version());
            m.put("query", q);
            m.put("workloads", list);
            m.put("truncated", found.size() > max);
            return Answer.json(200, m);
        });
    }

    /** A workload as the search and the workload page show it. */
    static Map<String, Object> describe(InventoryItem w, CompiledReads.Reads r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id());
        m.put("kind", w.id().substring(0, w.id().indexOf('/')));
        m.put("labels", new java.util.TreeMap<>(w.labels().values()));
        m.put("ips", w.ips());
        m.put("agent", r.snapshot().placements().get(w.id()));
        m.put("rules", r.snapshot().compilation().rulesOf(w.id()).size());
        return m;
    }

    /** The workload of this id in the inventory, or null. */
    static InventoryItem find(Inventory inventory, String id) {
        return workloads(inventory).filter(w -> w.id().equals(id)).findFirst().orElse(null);
    }

    private static Stream<InventoryItem> workloads(Inventory inventory) {
        return Stream.of(inventory.hosts().stream(), inventory.nodes().stream(), inventory.pods().stream())
                .flatMap(s -> s.map(InventoryItem.class::cast));
    }

    static boolean matches(InventoryItem w, String word) {
        int eq = word.indexOf('=');
        if (eq > 0) {
            String key = word.substring(0, eq).trim();
            String value = word.substring(eq + 1).trim();
            return w.labels().values().entrySet().stream().anyMatch(e -> {
                String k = e.getKey().toLowerCase(Locale.ROOT);
                return (k.equals(key) || k.equals("orchestrator_" + key)) && e.getValue().toLowerCase(Locale.ROOT).equals(value);
            });
        }
        if (word.matches("[0-9a-f:.]+") && (word.contains(".") || word.contains(":")) && w.ips().stream().anyMatch(ip -> ip.toLowerCase(Locale.ROOT).startsWith(word))) {
            return true;
        }
        if (w.id().toLowerCase(Locale.ROOT).contains(word)) return true;
        return w.labels().values().values().stream().anyMatch(v -> v.toLowerCase(Locale.ROOT).contains(word));
    }
}
