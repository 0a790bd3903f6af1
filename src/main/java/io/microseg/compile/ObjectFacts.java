package io.microseg.compile;

import io.microseg.facts.Address;
import io.microseg.facts.Backend;
import io.microseg.facts.CatchAll;
import io.microseg.facts.InScope;
import io.microseg.facts.KubeService;
import io.microseg.facts.KubeServicePort;
import io.microseg.facts.NamedPortMiss;
import io.microseg.facts.OutsideInterval;
import io.microseg.facts.PolicyPort;
import io.microseg.facts.ServiceAddress;
import io.microseg.facts.SetMember;
import io.microseg.facts.Sets;
import io.microseg.facts.TargetPort;
import io.microseg.facts.Workload;
import io.microseg.facts.WorkloadKind;
import io.microseg.inventory.Endpoint;
import io.microseg.inventory.Host;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.policy.Policy;
import io.microseg.policy.PortSpec;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.OutsideAddresses;
import io.microseg.policy.query.Query;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The facts of one source object, computed from that object alone: a workload's {@link Workload} and
 * {@link Address}es, a service's own facts, a service's endpoints as {@link Backend}s, a workspace's
 * {@link CatchAll} and {@link PolicyPort}s. Because an object's facts change only when the object
 * changes, the live engine recomputes them per changed object; the full compile computes them for all.
 * Query selections ({@code Selected}) are not here: they depend on every query.
 */
public final class ObjectFacts {
    private ObjectFacts() {}

    /** The facts of a host, node, pod or service. */
    public static Set<Object> of(InventoryItem item) {
        return of(item.id(), item);
    }

    /**
     * The facts of a host, node, pod or service whose id the caller holds already ({@code id} equals
     * {@code item.id()}): every fact then shares the caller's one copy of the id, as do the caller's
     * indexes, rather than each holding a string made anew (an id is made on each call).
     */
    public static Set<Object> of(String id, InventoryItem item) {
        Set<Object> facts = new LinkedHashSet<>();
        if (item instanceof Host h) {
            workload(facts, id, WorkloadKind.HOST, null, id, h.ips());
        } else if (item instanceof Node n) {
            workload(facts, id, WorkloadKind.NODE, n.cluster(), id, n.ips());
        } else if (item instanceof Pod p) {
            String node = p.hostNetwork() ? p.nodeId() : null;
            workload(facts, id, WorkloadKind.POD, p.cluster(), node != null ? node : id, p.ips());
        } else if (item instanceof Service s) {
            service(facts, id, s);
        }
        return facts;
    }

    /**
     * Whether a fact goes into the session: only what some rule joins on. Workload selections
     * ({@link io.microseg.facts.Selected}), {@link Backend}s and the backend sets' {@link SetMember}s do
     * not: they decide group members and set members, outside it; nor do the scopes' selections
     * ({@link InScope}), which decide group members and which scopes hold every node ({@link NodeCoverage}).
     */
    public static boolean entersSession(Object fact) {
        return !(fact instanceof SetMember) && !KEPT_BESIDE_SESSION.containsKey(fact.getClass());
    }

    /**
     * The input facts kept beside the session rather than in it, with what a rule uses instead: a DRL
     * pattern on one of them would never match, so {@link DrlCodeCheck} refuses it. (The members of the
     * backend sets, {@link SetMember}s made here, are kept beside it too; the sets the DRL derives are in it.)
     */
    static final Map<Class<?>, String> KEPT_BESIDE_SESSION = Map.of(
            io.microseg.facts.Selected.class, "which workloads a query selects is kept beside the session (the applied-to "
                    + "groups and the query's address set); apply a GroupRule to AppliedTo.selected(query, scope) instead",
            InScope.class, "which items a workspace scope selects is kept beside the session (the applied-to groups, "
                    + "ScopeHoldsAllNodes); apply a GroupRule to AppliedTo.scope(scope) instead",
            Backend.class, "a service's backends are kept beside the session (the applied-to groups and the backend sets); "
                    + "join TargetPort (one per service port and target port) and apply a GroupRule to AppliedTo.backends(...) instead");

    /** Whether the item is a workload the rules see (a {@link Workload} fact): a host, node or pod with an address. */
    public static boolean isWorkload(InventoryItem item) {
        return !(item instanceof Service) && !item.ips().isEmpty();
    }

    /** Workloads without an address get no rules (a pod not started yet), so they are not inserted. */
    private static void workload(Set<Object> facts, String id, WorkloadKind kind, String cluster, String landsOn, List<String> ips) {
        if (ips.isEmpty()) return;
        facts.add(new Workload(id, kind, cluster, landsOn));
        ips.forEach(ip -> facts.add(new Address(id, ip)));
    }

    private static void service(Set<Object> facts, String id, Service s) {
        facts.add(new KubeService(id, s.cluster(), s.type(), !s.clusterIps().isEmpty(),
                !s.loadBalancerIps().isEmpty(), s.externalTrafficLocal()));
        for (ServicePort sp : s.ports()) {
            facts.add(new KubeServicePort(id, sp.key(), sp.protocol(), sp.port(), sp.nodePort(), sp.nodePort() != null));
        }
        s.clusterIps().forEach(ip -> facts.add(new ServiceAddress(id, ServiceAddress.Role.CLUSTER_IP, ip)));
        s.loadBalancerIps().forEach(ip -> facts.add(new ServiceAddress(id, ServiceAddress.Role.LOAD_BALANCER, ip)));
    }

    /**
     * The facts of resolved endpoints and of pods a named target port could not be resolved on. Each
     * backend of a service port is also a member of the set of the backends that receive that port's
     * traffic on the same target port ({@link Sets#backends}), and that target port is a
     * {@link TargetPort} of the service port: a named targetPort may resolve to different numbers on
     * different pods, so the provider pods are grouped by the port they actually listen on, one set
     * per target port. Both depend on the endpoints alone, so they are made here, as the query sets
     * are made beside query evaluation, rather than derived in the session once per backend.
     *
     * <p>Contract: the facts are contributions, one of each per endpoint (a {@link TargetPort} or a
     * {@link SetMember} that several endpoints share comes once for each), so that the facts of any part
     * of a service's endpoints can be added or removed on their own (a pod's, when only that pod changed)
     * and a shared fact stays while one endpoint still contributes it.
     */
    public static List<Object> endpoints(Collection<Endpoint> endpoints, Collection<io.microseg.inventory.NamedPortMiss> misses) {
        List<Object> facts = new ArrayList<>(endpoints.size() * 3 + misses.size());
        // A service's endpoints come together: its id and backend set's name are made once for the run
        // of its endpoints and shared by their facts, rather than made (and hashed) for each fact.
        Endpoint previous = null;
        String serviceId = null;
        String set = null;
        for (Endpoint e : endpoints) {
            if (previous == null || !sameService(previous, e)) {
                serviceId = e.serviceId();
                set = null;
            }
            if (set == null || previous.protocol() != e.protocol() || previous.targetPort() != e.targetPort()) {
                set = Sets.backends(serviceId, e.protocol(), e.targetPort());
            }
            previous = e;
            facts.add(new Backend(serviceId, e.portKey(), e.protocol(), e.targetPort(), e.ip(), e.podId()));
            facts.add(new TargetPort(serviceId, e.portKey(), e.protocol(), e.targetPort(), set));
            facts.add(new SetMember(set, e.ip()));
        }
        for (io.microseg.inventory.NamedPortMiss m : misses) {
            facts.add(new NamedPortMiss(m.serviceId(), m.portKey(), m.podId(), m.name()));
        }
        return facts;
    }

    private static boolean sameService(Endpoint a, Endpoint b) {
        return a.service().equals(b.service()) && a.namespace().equals(b.namespace()) && a.cluster().equals(b.cluster());
    }

    /**
     * A workspace's catch-all, one {@link PolicyPort} per port entry of each policy, and the outside
     * addresses its consumer and provider queries match ({@link OutsideInterval}; not its scope: a
     * scope selects workloads to put rules on, and an outside address has none).
     */
    public static Set<Object> of(Workspace ws) {
        Set<Object> facts = new LinkedHashSet<>();
        String scope = Selectors.id(ws.scope());
        facts.add(new CatchAll(ws.name(), scope, ws.catchAllIngress(), ws.catchAllEgress(), ws.enforcement()));
        for (Policy p : ws.policies()) {
            String consumer = Selectors.id(p.consumer());
            String provider = Selectors.id(p.provider());
            outside(facts, consumer, p.consumer());
            outside(facts, provider, p.provider());
            for (PortSpec port : p.ports()) {
                facts.add(new PolicyPort(ws.qualify(p), ws.name(), scope, consumer, provider, p.action(), p.rank(),
                        p.priority(), port.protocol(), port.range().toString(), port, ws.enforcement()));
            }
        }
        return facts;
    }

    private static void outside(Set<Object> facts, String selector, Query query) {
        for (String cidr : OutsideAddresses.of(query).cidrs()) facts.add(new OutsideInterval(selector, cidr));
    }

    /** Every fact of these items, in order. */
    static List<Object> ofAll(Collection<? extends InventoryItem> items) {
        List<Object> facts = new ArrayList<>();
        items.forEach(i -> facts.addAll(of(i)));
        return facts;
    }
}
