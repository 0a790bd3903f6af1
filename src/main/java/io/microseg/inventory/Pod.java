package io.microseg.inventory;

import java.util.List;

/**
 * A Kubernetes pod. A pod without IPs (not yet scheduled or started) gets no rules until it has one;
 * a pod in phase Succeeded or Failed is given none (its old address may belong to another pod now).
 * A hostNetwork pod shares its node's addresses, so its rules are enforced on the node.
 */
public record Pod(String cluster, String namespace, String name, String nodeName, List<String> ips,
                  boolean hostNetwork, boolean ready, Labels labels, List<ContainerPort> containerPorts)
        implements InventoryItem, InventoryObject {
    public Pod {
        ips = List.copyOf(ips);
        containerPorts = List.copyOf(containerPorts);
    }

    @Override
    public String id() {
        return "pod/" + cluster + "/" + namespace + "/" + name;
    }

    /** The node this pod runs on, as a workload id; null when unscheduled. */
    public String nodeId() {
        return nodeName == null ? null : "node/" + cluster + "/" + nodeName;
    }

    @Override
    public String key() {
        return id();
    }
}
