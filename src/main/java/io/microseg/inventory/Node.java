package io.microseg.inventory;

import java.util.List;

/** A Kubernetes node; also a host, so its labels may include host labels besides the orchestrator_ ones. */
public record Node(String cluster, String name, Labels labels, List<String> ips) implements InventoryItem, InventoryObject {
    public Node {
        ips = List.copyOf(ips);
    }

    @Override
    public String id() {
        return "node/" + cluster + "/" + name;
    }

    @Override
    public String key() {
        return id();
    }

    /** Whether an inventory item id names a node. */
    public static boolean isNodeId(String itemId) {
        return itemId.startsWith("node/");
    }
}
