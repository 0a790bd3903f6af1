package io.microseg.compile;

import io.microseg.facts.Selected;
import io.microseg.facts.SelectsWorkloads;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryItem;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.Query;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Flattens inventory and workspaces into the facts the DRL rules join on (see {@code io.microseg.facts}).
 * Query evaluation happens here, outside the session: each distinct query is evaluated once per item
 * and becomes {@link Selected} facts (or {@link io.microseg.facts.InScope} for workspace scopes), so the rules
 * only ever join on selector and item ids.
 *
 * <p>This is the plain, whole-state projection of a full compile, and the reference the live
 * engine's incremental projection is tested against: every query against every item.
 */
public final class FactProjection {
    private FactProjection() {}

    /** The facts of one consistent state of inventory and policy. */
    public static Projected project(Inventory inventory, List<Workspace> workspaces) {
        Set<Object> facts = new LinkedHashSet<>();
        List<InventoryItem> items = items(inventory);
        facts.addAll(ObjectFacts.ofAll(items));
        facts.addAll(ObjectFacts.endpoints(inventory.endpoints(), inventory.namedPortMisses()));
        Map<String, Query> queries = new LinkedHashMap<>();
        Map<Selectors.Use, Query> uses = new LinkedHashMap<>();
        for (Workspace ws : workspaces) {
            facts.addAll(ObjectFacts.of(ws));
            Selectors.of(ws).forEach(queries::putIfAbsent);
            Selectors.uses(ws).forEach(uses::putIfAbsent);
        }
        for (NetpolFacts.Result netpol : List.of(NetpolFacts.of(inventory), CnpFacts.of(inventory))) {
            facts.addAll(netpol.facts());
            netpol.uses().forEach((use, q) -> {
                uses.putIfAbsent(use, q);
                queries.putIfAbsent(use.selector(), q);
            });
        }
        List<Map.Entry<Selectors.Use, Query>> all = new ArrayList<>(uses.entrySet());
        for (InventoryItem item : items) {
            for (Map.Entry<Selectors.Use, Query> q : all) {
                if (!q.getValue().matches(item.labels(), item.ips())) continue;
                facts.add(q.getKey().fact(item.id()));
                if (!q.getKey().scope() && ObjectFacts.isWorkload(item)) facts.add(new SelectsWorkloads(q.getKey().selector()));
            }
        }
        return new Projected(List.copyOf(facts), Map.copyOf(queries));
    }

    /** The facts, and the query behind each selector id (for set descriptions). */
    public record Projected(List<Object> facts, Map<String, Query> queries) {}

    private static List<InventoryItem> items(Inventory inv) {
        return Stream.of(inv.hosts(), inv.nodes(), inv.pods(), inv.services())
                .flatMap(List::stream).map(InventoryItem.class::cast).toList();
    }
}
