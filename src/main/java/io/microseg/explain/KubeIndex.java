package io.microseg.explain;

import io.microseg.inventory.Endpoint;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.net.Protocol;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The inventory as kube-proxy sees it: each service's ready endpoints and the pods behind them, the
 * pods its selector picks, each cluster's nodes (sorted by id, so "the first node" is stable), and
 * which service owns a node port. Read-only lookups; no flow logic.
 */
final class KubeIndex {
    private final Inventory inventory;
    private final Map<String, Pod> pods = new HashMap<>();
    private final Map<String, List<Endpoint>> endpointsByService = new HashMap<>();
    private final Map<String, List<Node>> nodesByCluster = new HashMap<>();

    KubeIndex(Inventory inventory) {
        this.inventory = inventory;
        inventory.pods().forEach(p -> pods.put(p.id(), p));
        for (Node n : inventory.nodes()) nodesByCluster.computeIfAbsent(n.cluster(), k -> new ArrayList<>()).add(n);
        nodesByCluster.values().forEach(l -> l.sort(Comparator.comparing(Node::id)));
        for (Endpoint e : inventory.endpoints()) {
            endpointsByService.computeIfAbsent(e.serviceId(), k -> new ArrayList<>()).add(e);
        }
    }

    /** The ready endpoints of a service, every port, in inventory order. */
    List<Endpoint> endpoints(Service s) {
        return endpointsByService.getOrDefault(s.id(), List.of());
    }

    /** The nodes of a cluster, sorted by id. */
    List<Node> nodes(String cluster) {
        return nodesByCluster.getOrDefault(cluster, List.of());
    }

    /** The pods a service's selector picks in its namespace (Kubernetes labels are imported with the orchestrator_ prefix). */
    List<Pod> selectedPods(Service s) {
        if (s.selector() == null) return List.of();
        return inventory.pods().stream()
                .filter(p -> p.cluster().equals(s.cluster()) && p.namespace().equals(s.namespace()))
                .filter(p -> s.selector().entrySet().stream()
                        .allMatch(t -> t.getValue().equals(p.labels().get(LabelKeys.imported(t.getKey())).orElse(null))))
                .toList();
    }

    /** The pods behind a service's endpoints, in endpoint order. */
    List<Pod> backendPods(Service s) {
        Set<String> ids = new LinkedHashSet<>();
        for (Endpoint e : endpoints(s)) {
            if (e.podId() != null) ids.add(e.podId());
        }
        return ids.stream().map(pods::get).filter(p -> p != null).toList();
    }

    /** The service of the node's cluster whose node port this is, or null. */
    Service nodePortService(Node node, Protocol protocol, int port) {
        for (Service s : inventory.services()) {
            if (!s.cluster().equals(node.cluster())) continue;
            for (ServicePort sp : s.ports()) {
                if (sp.protocol() == protocol && sp.nodePort() != null && sp.nodePort() == port) return s;
            }
        }
        return null;
    }
}
