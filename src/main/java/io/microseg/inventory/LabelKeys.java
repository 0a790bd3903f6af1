package io.microseg.inventory;

/** The label names DOMAIN.md gives to Kubernetes objects when they are imported. */
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
        return ORCHESTRATOR_PREFIX + kubernetesKey;
    }
}
