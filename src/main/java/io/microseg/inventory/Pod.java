package io.microseg.inventory;

import io.microseg.net.Protocol;

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

    /**
     * The port a named port means on this pod, as Kubernetes resolves it (a Service's named targetPort, a
     * NetworkPolicy's named port): that of its first container port with this name and protocol; null
     * when none of its containers declares it.
     */
    public Integer namedPort(String portName, Protocol protocol) {
        for (ContainerPort c : containerPorts) {
            if (portName.equals(c.name()) && c.protocol() == protocol) return c.port();
        }
        return null;
    }
}
