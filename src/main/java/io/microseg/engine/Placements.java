package io.microseg.engine;

import io.microseg.inventory.Host;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which agent enforces each workload: the node for its pods, the node or host itself otherwise,
 * kept per changed item, with the placements that changed since the last {@link #drain}.
 */
final class Placements {
    private final Map<String, String> current = new HashMap<>();
    /** The agent of each workload touched in this batch as it was before the batch (null: none). */
    private Map<String, String> before = new HashMap<>();

    void update(String id, InventoryItem item) {
        String agent = item instanceof Host || item instanceof Node ? id
                : item instanceof Pod p ? p.nodeId() : null;
        String previous = agent == null ? current.remove(id) : current.put(id, agent);
        if (!before.containsKey(id)) before.put(id, previous);
    }

    /** The placements that differ from before the batch, by workload; a null agent means gone. */
    List<Placement> drain() {
        List<Placement> changes = new ArrayList<>();
        before.forEach((id, was) -> {
            String now = current.get(id);
            if (!Objects.equals(was, now)) changes.add(new Placement(id, now));
        });
        before = new HashMap<>(); // not clear(): its capacity, grown by the initial load, would be paid per batch
        changes.sort(Comparator.comparing(Placement::workload));
        return changes;
    }

    Map<String, String> current() {
        return current;
    }
}
