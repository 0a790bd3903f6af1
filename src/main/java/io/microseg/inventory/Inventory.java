package io.microseg.inventory;

import java.util.List;

/**
 * Everything known about the workloads: the clusters' objects and the hosts outside them, with each
 * service's endpoints already resolved, and the pods a named targetPort could not be resolved on, and the
 * NetworkPolicies and ClusterNetworkPolicies in force (NetworkPolicies from inventory folders, policy folders
 * and clusters; ClusterNetworkPolicies from inventory folders).
 */
public record Inventory(List<String> clusters, List<Host> hosts, List<Node> nodes, List<Pod> pods,
                        List<Service> services, List<Endpoint> endpoints, List<Namespace> namespaces,
                        List<NamedPortMiss> namedPortMisses, List<NetworkPolicy> networkPolicies,
                        List<ClusterNetworkPolicy> clusterNetworkPolicies) {
    public Inventory {
        clusters = List.copyOf(clusters);
        hosts = List.copyOf(hosts);
        nodes = List.copyOf(nodes);
        pods = List.copyOf(pods);
        services = List.copyOf(services);
        endpoints = List.copyOf(endpoints);
        namespaces = List.copyOf(namespaces);
        namedPortMisses = List.copyOf(namedPortMisses);
        networkPolicies = List.copyOf(networkPolicies);
        clusterNetworkPolicies = List.copyOf(clusterNetworkPolicies);
    }

    /** An inventory without NetworkPolicies or ClusterNetworkPolicies. */
    public Inventory(List<String> clusters, List<Host> hosts, List<Node> nodes, List<Pod> pods, List<Service> services,
                     List<Endpoint> endpoints, List<Namespace> namespaces, List<NamedPortMiss> namedPortMisses) {
        this(clusters, hosts, nodes, pods, services, endpoints, namespaces, namedPortMisses, List.of(), List.of());
    }
}
