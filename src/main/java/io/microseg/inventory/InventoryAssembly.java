package io.microseg.inventory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Assembles source objects into an {@link Inventory}: hosts merged into the nodes they describe,
 * services' endpoints resolved. The file reader and the live sources go through this one function,
 * so that a live inventory and a file-read one of the same objects are the same inventory.
 */
public final class InventoryAssembly {
    private InventoryAssembly() {}

    public static Inventory assemble(Collection<? extends InventoryObject> objects) {
        List<Node> nodes = new ArrayList<>();
        List<Pod> pods = new ArrayList<>();
        List<Service> services = new ArrayList<>();
        List<Namespace> namespaces = new ArrayList<>();
        List<SliceEndpoints> slices = new ArrayList<>();
        List<NetworkPolicy> networkPolicies = new ArrayList<>();
        List<ClusterNetworkPolicy> clusterNetworkPolicies = new ArrayList<>();
        List<HostNodeMerge.Sourced<Host>> hosts = new ArrayList<>();
        TreeSet<String> clusters = new TreeSet<>();
        for (InventoryObject o : objects) {
            if (o instanceof Host h) hosts.add(new HostNodeMerge.Sourced<>(h, null));
            else if (o instanceof Node n) { nodes.add(n); clusters.add(n.cluster()); }
            else if (o instanceof Pod p) { pods.add(p); clusters.add(p.cluster()); }
            else if (o instanceof Service s) { services.add(s); clusters.add(s.cluster()); }
            else if (o instanceof Namespace n) { namespaces.add(n); clusters.add(n.cluster()); }
            else if (o instanceof SliceEndpoints s) { slices.add(s); clusters.add(s.cluster()); }
            else if (o instanceof NetworkPolicy np) { networkPolicies.add(np); clusters.add(np.cluster()); }
            else if (o instanceof ClusterNetworkPolicy c) { clusterNetworkPolicies.add(c); clusters.add(c.cluster()); }
        }
        // In key order, as the live engine merges them: which of two hosts claiming one node wins must
        // not depend on the order objects arrived in.
        hosts.sort(java.util.Comparator.comparing(h -> h.value().key()));
        networkPolicies.sort(java.util.Comparator.comparing(NetworkPolicy::key));
        clusterNetworkPolicies.sort(java.util.Comparator.comparing(ClusterNetworkPolicy::key));
        return assemble(List.copyOf(clusters), hosts, nodes, pods, services, namespaces, slices, networkPolicies,
                clusterNetworkPolicies);
    }

    static Inventory assemble(List<String> clusters, List<HostNodeMerge.Sourced<Host>> hosts, List<Node> nodes,
                              List<Pod> pods, List<Service> services, List<Namespace> namespaces,
                              List<SliceEndpoints> slices, List<NetworkPolicy> networkPolicies,
                              List<ClusterNetworkPolicy> clusterNetworkPolicies) {
        HostNodeMerge.Result merged = HostNodeMerge.merge(hosts, nodes);
        EndpointResolver.Resolution endpoints = EndpointResolver.resolve(services, pods, slices);
        return new Inventory(clusters, merged.hosts(), merged.nodes(), pods, services, endpoints.endpoints(),
                namespaces, endpoints.namedPortMisses(), networkPolicies, clusterNetworkPolicies);
    }
}
