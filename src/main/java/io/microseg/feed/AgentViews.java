package io.microseg.feed;

import io.microseg.compile.Compilation;
import io.microseg.controlplane.CompiledRule;
import io.microseg.engine.Placement;
import io.microseg.enforce.AgentView;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryItem;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An agent's share of a whole compilation and inventory, computed at once rather than streamed: for
 * rendering one agent's ruleset offline and for checking what the feed streams. Workloads are placed
 * as the engine places them ({@link Placement#of}).
 */
public final class AgentViews {
    private AgentViews() {}

    /** The compilation narrowed to the workloads the inventory places on {@code agent}, with their addresses. */
    public static AgentView of(Compilation c, Inventory inventory, String agent) {
        Map<String, Placement> placed = placements(inventory);
        List<CompiledRule> mine = new java.util.ArrayList<>();
        new java.util.TreeSet<>(placed.keySet()).forEach(w -> {
            if (agent.equals(placed.get(w).agent())) mine.addAll(c.rulesOf(w));
        });
        Set<String> used = mine.stream().flatMap(r -> r.sets().stream()).collect(Collectors.toSet());
        Map<String, List<String>> addresses = new HashMap<>();
        placed.values().stream().filter(p -> agent.equals(p.agent())).forEach(p -> addresses.put(p.workload(), p.addresses()));
        return new AgentView(agent, mine, c.sets().stream().filter(s -> used.contains(s.id())).toList(), addresses);
    }

    /** Every placed workload of the inventory (pods on their node, nodes and hosts on themselves), by id. */
    public static Map<String, Placement> placements(Inventory inventory) {
        Map<String, Placement> m = new HashMap<>();
        Stream.<InventoryItem>concat(Stream.concat(inventory.hosts().stream(), inventory.nodes().stream()), inventory.pods().stream())
                .forEach(item -> {
                    Placement p = Placement.of(item.id(), item);
                    if (p.agent() != null) m.put(p.workload(), p);
                });
        return m;
    }

    /** The addresses of the agent's own node or host in the inventory (empty when unknown). */
    public static List<String> ownAddresses(Inventory inventory, String agent) {
        for (var n : inventory.nodes()) if (n.id().equals(agent)) return n.ips();
        for (var h : inventory.hosts()) if (h.id().equals(agent)) return h.ips();
        return List.of();
    }
}
