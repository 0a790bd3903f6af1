package io.microseg.matrix;

import io.microseg.explain.Trace;
import io.microseg.inventory.InventoryItem;

import java.util.Map;

/**
 * One version of a cluster's inputs as the matrix reads it: the tracer of its compile, and its
 * workloads by id (the ones an evaluation may classify).
 */
record Version(Trace trace, Map<String, InventoryItem> workloads) {
    Version {
        workloads = Map.copyOf(workloads);
    }

    InventoryItem workload(String id) {
        InventoryItem w = workloads.get(id);
        if (w == null) throw new IllegalArgumentException("not a workload of this version: " + id);
        return w;
    }
}
