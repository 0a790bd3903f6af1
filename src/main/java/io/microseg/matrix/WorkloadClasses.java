package io.microseg.matrix;

import io.microseg.explain.Trace;
import io.microseg.inventory.InventoryItem;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * A partition of workloads into classes that the rules cannot tell apart at one end of a flow: equal
 * {@link ClassKey}s. Any member of a class stands for all of them in a trace at that end (a flow from
 * a workload to itself aside). Classes are numbered from 0 in the order their first member is given.
 */
final class WorkloadClasses {
    private final Map<String, Integer> classOf = new HashMap<>();

    private WorkloadClasses(Collection<? extends InventoryItem> workloads, boolean destinations, Trace trace) {
        Map<ClassKey, Integer> index = new HashMap<>();
        for (InventoryItem w : workloads) {
            ClassKey key = ClassKey.of(w, destinations, trace::rulesOf, trace.sets());
            classOf.put(w.id(), index.computeIfAbsent(key, k -> index.size()));
        }
    }

    /** The classes of {@code workloads} as sources, under the compile {@code trace} reads. */
    static WorkloadClasses sources(Collection<? extends InventoryItem> workloads, Trace trace) {
        return new WorkloadClasses(workloads, false, trace);
    }

    /** The classes of {@code workloads} as destinations, under the compile {@code trace} reads. */
    static WorkloadClasses destinations(Collection<? extends InventoryItem> workloads, Trace trace) {
        return new WorkloadClasses(workloads, true, trace);
    }

    /** The class of a workload given to {@link #of}. */
    int classOf(String workloadId) {
        Integer c = classOf.get(workloadId);
        if (c == null) throw new IllegalArgumentException("not classified: " + workloadId);
        return c;
    }
}
