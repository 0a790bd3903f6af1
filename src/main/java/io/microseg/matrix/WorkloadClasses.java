package io.microseg.matrix;

import io.microseg.explain.Trace;
import io.microseg.inventory.InventoryItem;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * A partition of workloads into classes that the rules cannot tell apart: equal {@link ClassKey}s.
 * Any member of a class stands for all of them in a trace, at either end of a flow (a flow from a
 * workload to itself aside). Classes are numbered from 0 in the order their first member is given.
 */
final class WorkloadClasses {
    private final Map<String, Integer> classOf = new HashMap<>();
    private final int count;

    private WorkloadClasses(Collection<? extends InventoryItem> workloads, Trace trace) {
        Map<ClassKey, Integer> index = new HashMap<>();
        for (InventoryItem w : workloads) {
            ClassKey key = ClassKey.of(w, trace::rulesOf, trace.sets());
            classOf.put(w.id(), index.computeIfAbsent(key, k -> index.size()));
        }
        count = index.size();
    }

    /** The classes of {@code workloads} under the compile {@code trace} reads. */
    static WorkloadClasses of(Collection<? extends InventoryItem> workloads, Trace trace) {
        return new WorkloadClasses(workloads, trace);
    }

    /** The class of a workload given to {@link #of}. */
    int classOf(String workloadId) {
        Integer c = classOf.get(workloadId);
        if (c == null) throw new IllegalArgumentException("not classified: " + workloadId);
        return c;
    }

    int count() {
        return count;
    }
}
