package io.microseg.inventory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The live counterpart of {@link InventoryAssembly}: the same assembly (hosts merged into nodes,
 * endpoints resolved), kept up to date one changed object at a time. It says which items (hosts,
 * nodes, pods, services) changed and which services' endpoints changed, so that only their facts are
 * recomputed. Endpoints are re-resolved only for services whose own object, slices, or selected pods
 * changed; hosts and nodes are re-merged only when a host or node changed.
 */
public final class LiveInventory {
    /** An item before and after a change; either may be null (added, removed). */
    public record ItemChange(String id, InventoryItem before, InventoryItem after) {}

    /** A service's endpoints before and after a change. */
    public record EndpointChange(String serviceId, EndpointResolver.Resolution before, EndpointResolver.Resolution after) {}

    /** What one batch of object changes did to the assembled inventory. */
    public record Delta(List<ItemChange> items, List<EndpointChange> endpoints) {}

    private static final EndpointResolver.Resolution NONE = new EndpointResolver.Resolution(List.of(), List.of());

    private final Map<String, Host> hosts = new TreeMap<>();
    private final Map<String, Node> nodes = new TreeMap<>();
    /** The merged hosts and nodes, by id, as the last merge gave them. */
    private Map<String, InventoryItem> machines = Map.of();
    private final Map<String, Service> services = new HashMap<>();
    private final Map<String, Map<String, Pod>> podsByNamespace = new HashMap<>();
    private final Map<String, Map<String, Service>> servicesByNamespace = new HashMap<>();
    private final Map<String, Map<String, SliceEndpoints>> slicesByService = new HashMap<>();
    private final Map<String, EndpointResolver.Resolution> endpoints = new HashMap<>();

    /** Applies changed objects (before, after; null for none) and returns what changed downstream. */
    public Delta apply(Collection<? extends Map.Entry<InventoryObject, InventoryObject>> changes) {
        List<ItemChange> items = new ArrayList<>();
        Set<String> dirtyServices = new HashSet<>();
        boolean machinesChanged = false;
        for (Map.Entry<InventoryObject, InventoryObject> c : changes) {
            InventoryObject before = c.getKey();
            InventoryObject after = c.getValue();
            InventoryObject any = after != null ? after : before;
            if (any instanceof Host || any instanceof Node) {
                if (before instanceof Host h) hosts.remove(h.key());
                if (before instanceof Node n) nodes.remove(n.key());
                if (after instanceof Host h) hosts.put(h.key(), h);
                if (after instanceof Node n) nodes.put(n.key(), n);
                machinesChanged = true;
            } else if (any instanceof Pod) {
                pod((Pod) before, (Pod) after, dirtyServices);
                items.add(new ItemChange(any.key(), (Pod) before, (Pod) after));
            } else if (any instanceof Service) {
                service((Service) before, (Service) after);
                dirtyServices.add(any.key());
                items.add(new ItemChange(any.key(), (Service) before, (Service) after));
            } else if (any instanceof SliceEndpoints) {
                if (before instanceof SliceEndpoints s) {
                    slicesByService.getOrDefault(s.serviceId(), new HashMap<>()).remove(s.key());
                    slicesByService.computeIfPresent(s.serviceId(), (k, m) -> m.isEmpty() ? null : m);
                    dirtyServices.add(s.serviceId());
                }
                if (after instanceof SliceEndpoints s) {
                    slicesByService.computeIfAbsent(s.serviceId(), k -> new LinkedHashMap<>()).put(s.key(), s);
                    dirtyServices.add(s.serviceId());
                }
            }
            // Namespaces carry nothing the rules use yet.
        }
        if (machinesChanged) items.addAll(remerge());
        return new Delta(items, resolve(dirtyServices));
    }

    private void pod(Pod before, Pod after, Set<String> dirtyServices) {
        if (before != null) {
            Map<String, Pod> ns = podsByNamespace.get(namespaceKey(before.cluster(), before.namespace()));
            ns.remove(before.key());
            if (ns.isEmpty()) podsByNamespace.remove(namespaceKey(before.cluster(), before.namespace()));
            selecting(before, dirtyServices);
        }
        if (after != null) {
            podsByNamespace.computeIfAbsent(namespaceKey(after.cluster(), after.namespace()), k -> new LinkedHashMap<>())
                    .put(after.key(), after);
            selecting(after, dirtyServices);
        }
    }

    /** The services of the pod's namespace whose selector picks it: their endpoints may change with it. */
    private void selecting(Pod pod, Set<String> dirtyServices) {
        for (Service s : servicesByNamespace.getOrDefault(namespaceKey(pod.cluster(), pod.namespace()), Map.of()).values()) {
            // a service already to be resolved need not be tried (on a first load, every one is)
            if (s.selector() != null && !dirtyServices.contains(s.id()) && EndpointResolver.selects(s.selector(), pod)) dirtyServices.add(s.id());
        }
    }

    private void service(Service before, Service after) {
        if (before != null) {
            services.remove(before.id());
            servicesByNamespace.get(namespaceKey(before.cluster(), before.namespace())).remove(before.id());
        }
        if (after != null) {
            services.put(after.id(), after);
            servicesByNamespace.computeIfAbsent(namespaceKey(after.cluster(), after.namespace()), k -> new LinkedHashMap<>())
                    .put(after.id(), after);
        }
    }

    /** A namespace with at least this many services to resolve at once has its pods indexed by label first. */
    private static final int INDEX_FROM = 4;

    private List<EndpointChange> resolve(Set<String> dirtyServices) {
        List<EndpointChange> changes = new ArrayList<>();
        Map<String, Integer> perNamespace = new HashMap<>();
        for (String id : dirtyServices) {
            Service s = services.get(id);
            if (s != null && s.selector() != null) perNamespace.merge(namespaceKey(s.cluster(), s.namespace()), 1, Integer::sum);
        }
        Map<String, SelectorCandidates> indexed = new HashMap<>();
        for (String id : dirtyServices) {
            Service s = services.get(id);
            EndpointResolver.Resolution now = s == null ? NONE : EndpointResolver.resolve(s, candidates(s, perNamespace, indexed),
                    slicesByService.getOrDefault(id, Map.of()).values());
            EndpointResolver.Resolution before = endpoints.getOrDefault(id, NONE);
            if (now.endpoints().isEmpty() && now.namedPortMisses().isEmpty()) endpoints.remove(id);
            else endpoints.put(id, now);
            if (!sameFacts(before, now)) changes.add(new EndpointChange(id, before, now));
        }
        return changes;
    }

    /** The pods of the service's namespace its selector may pick: all of them, or when many services of the namespace are resolved at once, those its first term picks. */
    private Collection<Pod> candidates(Service s, Map<String, Integer> perNamespace, Map<String, SelectorCandidates> indexed) {
        String ns = namespaceKey(s.cluster(), s.namespace());
        Collection<Pod> pods = podsByNamespace.getOrDefault(ns, Map.of()).values();
        if (s.selector() == null || perNamespace.getOrDefault(ns, 0) < INDEX_FROM) return pods;
        return indexed.computeIfAbsent(ns, k -> new SelectorCandidates(pods)).of(s.selector());
    }

    private static boolean sameFacts(EndpointResolver.Resolution a, EndpointResolver.Resolution b) {
        return new HashSet<>(a.endpoints()).equals(new HashSet<>(b.endpoints()))
                && new HashSet<>(a.namedPortMisses()).equals(new HashSet<>(b.namedPortMisses()));
    }

    /**
     * Hosts and nodes merged again, as a whole: a host's identity depends on every node's addresses.
     * Hosts are merged in the order of their keys, so that when two hosts claim one node, which one
     * becomes its identity does not depend on the order the sources delivered them.
     */
    private List<ItemChange> remerge() {
        List<HostNodeMerge.Sourced<Host>> sourced = hosts.values().stream().map(h -> new HostNodeMerge.Sourced<>(h, null)).toList();
        HostNodeMerge.Result merged = HostNodeMerge.merge(sourced, List.copyOf(nodes.values()));
        Map<String, InventoryItem> next = new HashMap<>();
        merged.hosts().forEach(h -> next.put(h.id(), h));
        merged.nodes().forEach(n -> next.put(n.id(), n));
        List<ItemChange> changes = new ArrayList<>();
        for (Map.Entry<String, InventoryItem> e : next.entrySet()) {
            InventoryItem before = machines.get(e.getKey());
            if (!e.getValue().equals(before)) changes.add(new ItemChange(e.getKey(), before, e.getValue()));
        }
        for (Map.Entry<String, InventoryItem> e : machines.entrySet()) {
            if (!next.containsKey(e.getKey())) changes.add(new ItemChange(e.getKey(), e.getValue(), null));
        }
        machines = next;
        return changes;
    }

    private static String namespaceKey(String cluster, String namespace) {
        return cluster + "/" + namespace;
    }

}
