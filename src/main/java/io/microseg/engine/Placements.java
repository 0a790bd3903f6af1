package io.microseg.engine;

import io.microseg.inventory.InventoryItem;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where each workload is placed and with which addresses ({@link Placement#of}), kept per changed
 * item, with the placements that changed since the last {@link #drain}: a workload that moves, comes,
 * goes or whose addresses change.
 */
final class Placements {
    private final Map<String, Placement> current = new HashMap<>();
    /** The placement of each workload touched in this batch as it was before the batch (null: none). */
    private Map<String, Placement> before = new HashMap<>();

    void update(String id, InventoryItem item) {
        Placement now = item == null ? Placement.none(id) : Placement.of(id, item);
        Placement previous = now.agent() == null ? current.remove(id) : current.put(id, now);
        if (!before.containsKey(id)) before.put(id, previous);
    }

    /** The placements that differ from before the batch, by workload; a null agent means gone. */
    List<Placement> drain() {
        List<Placement> changes = new ArrayList<>();
        before.forEach((id, was) -> {
            Placement now = current.get(id);
            if (!Objects.equals(was, now)) changes.add(now == null ? Placement.none(id) : now);
        });
        before = new HashMap<>(); // not clear(): its capacity, grown by the initial load, would be paid per batch
        changes.sort(Comparator.comparing(Placement::workload));
        return changes;
    }

    /** The placed workloads by id (none with a null agent). */
    Map<String, Placement> current() {
        return current;
    }
}
