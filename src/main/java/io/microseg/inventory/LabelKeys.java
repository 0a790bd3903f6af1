package io.microseg.inventory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The label names Kubernetes objects are given when they are imported. */
public final class LabelKeys {
    private LabelKeys() {}

    /** A Kubernetes label {@code k: v} is imported as {@code orchestrator_k = v}. */
    public static final String ORCHESTRATOR_PREFIX = "orchestrator_";
    public static final String CLUSTER_NAME = "orchestrator_system/cluster_name";
    public static final String NAMESPACE = "orchestrator_system/namespace";
    public static final String POD_NAME = "orchestrator_system/pod_name";
    public static final String SERVICE_NAME = "orchestrator_system/service_name";
    public static final String NODE_NAME = "orchestrator_system/node_name";
    public static final String WORKLOAD_TYPE = "orchestrator_system/workload_type";
    public static final String SERVICE_TYPE = "orchestrator_system/service_type";

    public static String imported(String kubernetesKey) {
        String known = IMPORTED.get(kubernetesKey);
        if (known != null) return known;
        String key = ORCHESTRATOR_PREFIX + kubernetesKey;
        if (IMPORTED.size() < MAX_REMEMBERED) IMPORTED.put(kubernetesKey, key);
        return key;
    }

    /**
     * Selector keys are few and are imported for every pod a selector is tried on (millions of times
     * on a large cluster), so their imported names are remembered; bounded, as keys are user input.
     */
    private static final int MAX_REMEMBERED = 10_000;
    private static final Map<String, String> IMPORTED = new ConcurrentHashMap<>();
}
