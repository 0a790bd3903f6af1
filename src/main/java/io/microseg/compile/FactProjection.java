package io.microseg.compile;

import io.microseg.facts.Address;
import io.microseg.facts.Backend;
import io.microseg.facts.CatchAll;
import io.microseg.facts.KubeService;
import io.microseg.facts.KubeServicePort;
import io.microseg.facts.NamedPortMiss;
import io.microseg.facts.PolicyPort;
import io.microseg.facts.Selected;
import io.microseg.facts.ServiceAddress;
import io.microseg.facts.Workload;
import io.microseg.facts.WorkloadKind;
import io.microseg.inventory.Endpoint;
import io.microseg.inventory.Host;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.policy.Policy;
import io.microseg.policy.PortSpec;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.Query;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Flattens inventory and workspaces into the facts the DRL rules join on (see {@code io.microseg.facts}).
 * Query evaluation happens here, outside the session: each distinct query is evaluated once per item
 * and becomes {@link Selected} facts, so the rules only ever join on selector and item ids.
 */
public final class FactProjection {
    private final Selectors selectors = new Selectors();
    private final Set<Object> facts = new LinkedHashSet<>();

    /** The facts of one consistent state of inventory and policy. */
    public static Projected project(Inventory inventory, List<Workspace> workspaces) {
        FactProjection p = new FactProjection();
        inventory.hosts().forEach(p::host);
        inventory.nodes().forEach(p::node);
        inventory.pods().forEach(p::pod);
        inventory.services().forEach(p::service);
        inventory.endpoints().forEach(p::endpoint);
        inventory.namedPortMisses().forEach(m -> p.facts.add(
                new NamedPortMiss(m.serviceId(), m.portKey(), m.podId(), m.name())));
        workspaces.forEach(p::workspace);
        p.select(items(inventory));
        return new Projected(List.copyOf(p.facts), Map.copyOf(p.selectors.all()));
    }

    /** The facts, and the query behind each selector id (for set descriptions). */
    public record Projected(List<Object> facts, Map<String, Query> queries) {}

    private static List<InventoryItem> items(Inventory inv) {
        return Stream.of(inv.hosts(), inv.nodes(), inv.pods(), inv.services())
                .flatMap(List::stream).map(InventoryItem.class::cast).toList();
    }

    private void host(Host h) {
        workload(h.id(), WorkloadKind.HOST, null, h.id(), h.ips());
    }

    private void node(Node n) {
        workload(n.id(), WorkloadKind.NODE, n.cluster(), n.id(), n.ips());
    }

    private void pod(Pod p) {
        boolean onNode = p.hostNetwork() && p.nodeId() != null;
        workload(p.id(), WorkloadKind.POD, p.cluster(), onNode ? p.nodeId() : p.id(), p.ips());
    }

    /** Workloads without an address get no rules (a pod not started yet), so they are not inserted. */
    private void workload(String id, WorkloadKind kind, String cluster, String landsOn, List<String> ips) {
        if (ips.isEmpty()) return;
        facts.add(new Workload(id, kind, cluster, landsOn));
        ips.forEach(ip -> facts.add(new Address(id, ip)));
    }

    private void service(Service s) {
        facts.add(new KubeService(s.id(), s.cluster(), s.type(), !s.clusterIps().isEmpty(),
                !s.loadBalancerIps().isEmpty(), s.externalTrafficLocal()));
        for (ServicePort sp : s.ports()) {
            facts.add(new KubeServicePort(s.id(), sp.key(), sp.protocol(), sp.port(), sp.nodePort(), sp.nodePort() != null));
        }
        s.clusterIps().forEach(ip -> facts.add(new ServiceAddress(s.id(), ServiceAddress.Role.CLUSTER_IP, ip)));
        s.loadBalancerIps().forEach(ip -> facts.add(new ServiceAddress(s.id(), ServiceAddress.Role.LOAD_BALANCER, ip)));
    }

    private void endpoint(Endpoint e) {
        facts.add(new Backend(e.serviceId(), e.portKey(), e.protocol(), e.targetPort(), e.ip(), e.podId()));
    }

    private void workspace(Workspace ws) {
        String scope = selectors.idOf(ws.scope());
        facts.add(new CatchAll(ws.name(), scope, ws.catchAllIngress(), ws.catchAllEgress()));
        for (Policy p : ws.policies()) {
            String consumer = selectors.idOf(p.consumer());
            String provider = selectors.idOf(p.provider());
            for (PortSpec port : p.ports()) {
                facts.add(new PolicyPort(ws.qualify(p), ws.name(), scope, consumer, provider, p.action(), p.rank(),
                        p.priority(), port.protocol(), port.range().toString(), port));
            }
        }
    }

    private void select(List<InventoryItem> items) {
        List<Map.Entry<String, Query>> queries = new ArrayList<>(selectors.all().entrySet());
        for (InventoryItem item : items) {
            for (Map.Entry<String, Query> q : queries) {
                if (q.getValue().matches(item.labels(), item.ips())) {
                    facts.add(new Selected(q.getKey(), item.id()));
                }
            }
        }
    }
}
