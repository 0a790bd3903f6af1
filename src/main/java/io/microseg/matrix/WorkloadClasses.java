package io.microseg.matrix;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A partition of workloads into classes that the rules cannot tell apart at one end of a flow, in
 * every version given: equal {@link ClassKey}s in each. Any member of a class stands for all of them
 * in a trace at that end, under each version (a flow from a workload to itself aside): with two
 * versions (the impact diff) a class is the intersection of the classes of each, so that it is
 * uniform on both sides. Classes are numbered from 0 in the order their first member is given.
 */
final class WorkloadClasses {
    private final Map<String, Integer> classOf = new HashMap<>();

    private WorkloadClasses(List<String> ids, boolean destinations, List<Version> versions) {
        Map<List<ClassKey>, Integer> index = new HashMap<>();
        for (String id : ids) {
            List<ClassKey> key = versions.stream()
                    .map(v -> ClassKey.of(v.workload(id), destinations, v.trace()::rulesOf, v.trace().sets())).toList();
            classOf.put(id, index.computeIfAbsent(key, k -> index.size()));
        }
    }

    /** The classes of the workloads {@code ids} as sources, under every version (each must hold them all). */
    static WorkloadClasses sources(List<String> ids, List<Version> versions) {
        return new WorkloadClasses(ids, false, versions);
    }

    /** The classes of the workloads {@code ids} as destinations, under every version (each must hold them all). */
    static WorkloadClasses destinations(List<String> ids, List<Version> versions) {
        return new WorkloadClasses(ids, true, versions);
    }

    /** The class of a workload given to {@link #sources} or {@link #destinations}. */
    int classOf(String workloadId) {
        Integer c = classOf.get(workloadId);
        if (c == null) throw new IllegalArgumentException("not classified: " + workloadId);
        return c;
    }
}
