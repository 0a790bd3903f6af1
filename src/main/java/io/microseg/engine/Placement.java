package io.microseg.engine;

import io.microseg.inventory.Host;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.net.Addresses;

import java.util.List;

/**
 * Which agent enforces a workload's rules, and the workload's addresses: a node's agent for the node
 * and the pods scheduled on it, a host's own agent for a host. {@code agent} is null (and the
 * addresses empty) when the workload is gone or placed nowhere. Addresses are the inventory's, without
 * repeats and in {@link Addresses#ORDER}, so that two placements are equal exactly when an agent would
 * see no difference.
 */
public record Placement(String workload, String agent, List<String> addresses) {
    public Placement {
        addresses = agent == null ? List.of() : Addresses.canonical(addresses);
    }

    /** The workload is placed nowhere (gone, or not a workload, or a pod not scheduled yet). */
    public static Placement none(String workload) {
        return new Placement(workload, null, List.of());
    }

    /** Where the item is placed: pods on their node, nodes and hosts on themselves; services and unscheduled pods nowhere. */
    public static Placement of(String id, InventoryItem item) {
        if (item instanceof Host h) return new Placement(id, id, h.ips());
        if (item instanceof Node n) return new Placement(id, id, n.ips());
        if (item instanceof Pod p && p.nodeId() != null) return new Placement(id, p.nodeId(), p.ips());
        return none(id);
    }
}
