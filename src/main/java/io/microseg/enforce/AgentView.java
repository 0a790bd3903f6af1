package io.microseg.enforce;

import io.microseg.controlplane.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.compile.CompilationAssembler;
import io.microseg.controlplane.CompiledRule;
import io.microseg.inventory.Inventory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one agent enforces: its id ({@code node/<cluster>/<name>} or {@code host/<name>}), the rules
 * of its node or host and of the pods placed on it, in evaluation order, the sets those rules use, and
 * the addresses of its workloads (workload id to its IP addresses; a pod's find its network namespace).
 */
public record AgentView(String agent, List<CompiledRule> rules, List<AddressSet> sets, Map<String, List<String>> addresses) {
    public AgentView {
        List<CompiledRule> sorted = new ArrayList<>(rules);
        sorted.sort(CompilationAssembler.EVALUATION_ORDER);
        rules = List.copyOf(sorted);
        sets = List.copyOf(sets);
        Map<String, List<String>> a = new java.util.TreeMap<>();
        addresses.forEach((w, ips) -> a.put(w, List.copyOf(ips)));
        addresses = java.util.Collections.unmodifiableMap(a);
    }

    /** The compilation narrowed to the workloads the given placements put on {@code agent}. */
    public static AgentView of(Compilation c, Map<String, String> placements, String agent) {
        List<CompiledRule> mine = c.rules().stream().filter(r -> agent.equals(placements.get(r.workload()))).toList();
        Set<String> used = mine.stream().flatMap(r -> r.sets().stream()).collect(Collectors.toSet());
        return new AgentView(agent, mine, c.sets().stream().filter(s -> used.contains(s.id())).toList(), Map.of());
    }

    /** Which agent enforces each workload, as the server places them: pods on their node, nodes and hosts on themselves. */
    public static Map<String, String> placements(Inventory inventory) {
        Map<String, String> m = new HashMap<>();
        inventory.hosts().forEach(h -> m.put(h.id(), h.id()));
        inventory.nodes().forEach(n -> m.put(n.id(), n.id()));
        inventory.pods().stream().filter(p -> p.nodeId() != null).forEach(p -> m.put(p.id(), p.nodeId()));
        return m;
    }

    /** The addresses of the agent's own node or host in the inventory (empty when unknown). */
    public static List<String> ownAddresses(Inventory inventory, String agent) {
        for (var n : inventory.nodes()) if (n.id().equals(agent)) return n.ips();
        for (var h : inventory.hosts()) if (h.id().equals(agent)) return h.ips();
        return List.of();
    }
}
