package io.microseg.bench;

import io.microseg.engine.Change;
import io.microseg.inventory.Endpoint;
import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.inventory.ServiceType;
import io.microseg.inventory.SliceEndpoints;
import io.microseg.policy.Action;
import io.microseg.policy.Policy;
import io.microseg.policy.Rank;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.Query;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Realistic single changes to a {@link SyntheticCluster}, as engine {@link Change}s: a pod scheduled or
 * deleted, a pod moved to another app of its namespace by relabelling (what quarantining a pod does),
 * a service switched between ClusterIP and NodePort, an external EndpointSlice gaining or losing an
 * address, a policy added to or deleted from a team's workspace. The cluster is kept up to date, so
 * that every change applies to the current state.
 */
final class ChangeFactory {
    static final String INVENTORY_SOURCE = "bench";

    private final SyntheticCluster cluster;
    private final Random random;
    private final List<String> podKeys;
    private final Map<String, List<Deployment>> deploymentsByNamespace = new HashMap<>();
    private final List<String> switchable;
    private final List<String> sliceKeys;
    private final Map<String, Workspace> workspaces = new HashMap<>();
    private final List<String> policyWorkspaces;
    private final SyntheticPolicies policies;
    private int serial;

    ChangeFactory(SyntheticCluster cluster, long seed) {
        this.cluster = cluster;
        this.random = new Random(seed);
        this.podKeys = new ArrayList<>(cluster.pods.keySet());
        cluster.deployments.forEach(d -> deploymentsByNamespace.computeIfAbsent(d.namespace(), k -> new ArrayList<>()).add(d));
        this.switchable = cluster.services.values().stream()
                .filter(s -> cluster.backing.containsKey(s.id()) && !s.clusterIps().isEmpty() && s.type() != ServiceType.LoadBalancer)
                .map(Service::id).toList();
        this.sliceKeys = List.copyOf(cluster.slices.keySet());
        cluster.workspaces.forEach(w -> workspaces.put(w.name(), w));
        this.policyWorkspaces = cluster.workspaces.stream().map(Workspace::name)
                .filter(n -> !n.equals("edge") && !n.equals("hosts")).sorted().toList();
        this.policies = new SyntheticPolicies(cluster);
    }

    /** Whether this cluster has anything for a change of this kind to act on. */
    boolean supports(ChangeKind kind) {
        return switch (kind) {
            case SERVICE_TYPE -> !switchable.isEmpty();
            case ENDPOINT -> !sliceKeys.isEmpty();
            case POLICY_ADD, POLICY_DELETE -> !policyWorkspaces.isEmpty();
            default -> !cluster.deployments.isEmpty();
        };
    }

    /** The workspaces as separate sources, one per workspace, as policy files are. */
    static String workspaceSource(String name) {
        return "ws:" + name;
    }

    Change next(ChangeKind kind) {
        return switch (kind) {
            case POD_ADD -> podAdd();
            case POD_DELETE -> podDelete();
            case POD_RELABEL -> podRelabel();
            case SERVICE_TYPE -> serviceTypeChange();
            case ENDPOINT -> endpointChange();
            case POLICY_ADD -> policyAdd();
            case POLICY_DELETE -> policyDelete();
        };
    }

    private Change podAdd() {
        Deployment d = cluster.deployments.get(random.nextInt(cluster.deployments.size()));
        Pod pod = cluster.addPod(d);
        podKeys.add(pod.key());
        return new Change.Put(INVENTORY_SOURCE, pod);
    }

    private Change podDelete() {
        int i = random.nextInt(podKeys.size());
        String key = podKeys.get(i);
        podKeys.set(i, podKeys.get(podKeys.size() - 1));
        podKeys.remove(podKeys.size() - 1);
        cluster.pods.remove(key);
        return new Change.Remove(INVENTORY_SOURCE, key);
    }

    /** Moves a pod to another app of its namespace (or back to its own app's labels when it is alone). */
    private Change podRelabel() {
        Pod pod = cluster.pods.get(podKeys.get(random.nextInt(podKeys.size())));
        // Pods of a daemon set (the node exporter's namespace has no deployment) are not moved between apps.
        while (!deploymentsByNamespace.containsKey(pod.namespace())) pod = cluster.pods.get(podKeys.get(random.nextInt(podKeys.size())));
        List<Deployment> here = deploymentsByNamespace.get(pod.namespace());
        String app = pod.labels().get(LabelKeys.imported("app")).orElse("");
        List<Deployment> others = here.stream().filter(d -> !d.app().equals(app)).toList();
        Deployment target = others.isEmpty() ? here.get(0) : others.get(random.nextInt(others.size()));
        Pod moved = new Pod(pod.cluster(), pod.namespace(), pod.name(), pod.nodeName(), pod.ips(), pod.hostNetwork(), pod.ready(),
                SyntheticCluster.podLabels(target, pod.name(), pod.nodeName()), target.ports());
        cluster.pods.put(moved.key(), moved);
        return new Change.Put(INVENTORY_SOURCE, moved);
    }

    /** ClusterIP becomes NodePort (node ports allocated) and NodePort becomes ClusterIP again. */
    private Change serviceTypeChange() {
        Service s = cluster.services.get(switchable.get(random.nextInt(switchable.size())));
        ServiceType type = s.type() == ServiceType.ClusterIP ? ServiceType.NodePort : ServiceType.ClusterIP;
        List<ServicePort> ports = s.ports().stream().map(p -> new ServicePort(p.name(), p.protocol(), p.port(), p.targetPort(),
                type == ServiceType.NodePort ? 30000 + random.nextInt(2768) : null)).toList();
        Service changed = new Service(s.cluster(), s.namespace(), s.name(), type, s.clusterIps(), List.of(), s.selector(), ports,
                false, s.labels().with(LabelKeys.SERVICE_TYPE, type.name()));
        cluster.services.put(changed.id(), changed);
        return new Change.Put(INVENTORY_SOURCE, changed);
    }

    /** An external service's slice gains an address, or loses its last one when it has several. */
    private Change endpointChange() {
        SliceEndpoints slice = cluster.slices.get(sliceKeys.get(random.nextInt(sliceKeys.size())));
        Service s = cluster.services.get(slice.serviceId());
        List<Endpoint> endpoints = new ArrayList<>(slice.endpoints());
        if (endpoints.size() > 2 && random.nextBoolean()) endpoints.remove(endpoints.size() - 1);
        else endpoints.add(SyntheticCluster.externalEndpoint(s, cluster.addresses.external()));
        SliceEndpoints changed = new SliceEndpoints(slice.cluster(), slice.namespace(), slice.name(), slice.service(), endpoints);
        cluster.slices.put(changed.key(), changed);
        return new Change.Put(INVENTORY_SOURCE, changed);
    }

    private Change policyAdd() {
        Workspace w = workspaces.get(policyWorkspaces.get(random.nextInt(policyWorkspaces.size())));
        List<Policy> list = new ArrayList<>(w.policies());
        list.add(newPolicy(w));
        return replace(w, list);
    }

    private Change policyDelete() {
        Workspace w = workspaces.get(policyWorkspaces.get(random.nextInt(policyWorkspaces.size())));
        List<Policy> list = new ArrayList<>(w.policies());
        if (!list.isEmpty()) list.remove(random.nextInt(list.size()));
        return replace(w, list);
    }

    private Policy newPolicy(Workspace w) {
        String id = "added-" + (++serial);
        if (cluster.services.isEmpty()) {
            // Antrea's shape: another policy among the namespace's own pods.
            String ns = "orchestrator_system/namespace = " + w.name();
            return new Policy(id, Query.parse(ns + " AND orchestrator_app = web"), Query.parse(ns),
                    List.of(SyntheticPolicies.port("TCP 8080")), Action.ALLOW, Rank.DEFAULT, 100);
        }
        Policy p = policies.teamPolicy(w.name());
        return new Policy(id, p.consumer(), p.provider(), p.ports(), p.action(), p.rank(), p.priority());
    }

    private Change replace(Workspace w, List<Policy> list) {
        Workspace changed = new Workspace(w.name(), w.scope(), w.catchAllIngress(), w.catchAllEgress(), list, w.source());
        workspaces.put(changed.name(), changed);
        return new Change.Workspaces(workspaceSource(changed.name()), List.of(changed));
    }

}
