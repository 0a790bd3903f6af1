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
 * nodes, pods, services) changed and which endpoints of which services came and went, so that only
 * their facts are recomputed. A service whose own object or slices changed is resolved again whole;
 * a pod change alone changes only that pod's endpoints of the services selecting it before or after
 * (a selector's endpoints are the union of each selected pod's own), at the cost of those endpoints,
 * not of the service's. Hosts and nodes are re-merged only when a host or node changed.
 */
public final class LiveInventory {
    /** An item before and after a change; either may be null (added, removed). */
    public record ItemChange(String id, InventoryItem before, InventoryItem after) {}

    /**
     * The endpoints and named-port misses of a service that went ({@code gone}) and came ({@code came})
     * with a batch; the rest of the service's endpoints stayed. Each appears in at most one of the two.
     */
    public record EndpointChange(String serviceId, EndpointResolver.Resolution gone, EndpointResolver.Resolution came) {}

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
    /** The current endpoints and misses of each service that has some. */
    private final Map<String, Resolved> endpoints = new HashMap<>();

    /** A service's endpoints and named-port misses as sets, so that one pod's share comes and goes at its own cost. */
    private static final class Resolved {
        final Set<Endpoint> endpoints = new HashSet<>();
        final Set<NamedPortMiss> misses = new HashSet<>();

        boolean isEmpty() {
            return endpoints.isEmpty() && misses.isEmpty();
        }
    }

    /** A pod that changed in a batch (before, after; either may be null) and a service that may select it. */
    private record PodChange(Service service, Pod before, Pod after) {}

    /** Applies changed objects (before, after; null for none) and returns what changed downstream. */
    public Delta apply(Collection<? extends Map.Entry<InventoryObject, InventoryObject>> changes) {
        List<ItemChange> items = new ArrayList<>();
        Set<String> dirtyServices = new HashSet<>();
        List<PodChange> podChanges = new ArrayList<>();
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
                // one copy of the id for the index and the change (and so for the facts made from it)
                String id = any.key();
                pod(id, (Pod) before, (Pod) after, dirtyServices, podChanges);
                items.add(new ItemChange(id, (Pod) before, (Pod) after));
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
        List<EndpointChange> endpointChanges = resolve(dirtyServices);
        endpointChanges.addAll(podEndpoints(podChanges, dirtyServices));
        return new Delta(items, endpointChanges);
    }

    private void pod(String id, Pod before, Pod after, Set<String> dirtyServices, List<PodChange> podChanges) {
        if (before != null) {
            String key = namespaceKey(before.cluster(), before.namespace());
            Map<String, Pod> ns = podsByNamespace.get(key);
            ns.remove(id);
            if (ns.isEmpty()) podsByNamespace.remove(key);
        }
        if (after != null) {
            podsByNamespace.computeIfAbsent(namespaceKey(after.cluster(), after.namespace()), k -> new LinkedHashMap<>())
                    .put(id, after);
        }
        // The services whose selector picks the pod before or after, in its namespace(s) then and now.
        String nsBefore = before == null ? null : namespaceKey(before.cluster(), before.namespace());
        String nsAfter = after == null ? null : namespaceKey(after.cluster(), after.namespace());
        if (nsBefore != null) podChanges(nsBefore, before, after, dirtyServices, podChanges);
        if (nsAfter != null && !nsAfter.equals(nsBefore)) podChanges(nsAfter, before, after, dirtyServices, podChanges);
    }

    private void podChanges(String ns, Pod before, Pod after, Set<String> dirtyServices, List<PodChange> podChanges) {
        Map<String, Service> inNamespace = servicesByNamespace.get(ns);
        if (inNamespace == null) return;
        for (Map.Entry<String, Service> e : inNamespace.entrySet()) {
            Service s = e.getValue();
            // a service resolved whole in this batch need not be tried (on a first load, every one is);
            // the map's key is the service's id, made and hashed once
            if (s.selector() == null || dirtyServices.contains(e.getKey())) continue;
            if ((before != null && EndpointResolver.selects(s.selector(), before)) || (after != null && EndpointResolver.selects(s.selector(), after))) {
                podChanges.add(new PodChange(s, before, after));
            }
        }
    }

    /**
     * The endpoints each changed pod took away from and brought to the services selecting it, for the
     * services not resolved whole in this batch ({@code resolved}) that take their endpoints from their
     * selector (no slices; slices of a service not resolved whole did not change in this batch, nor did
     * the service). A pod's share of a service's endpoints depends on the service and the pod only.
     */
    private List<EndpointChange> podEndpoints(List<PodChange> podChanges, Set<String> resolved) {
        List<EndpointChange> changes = new ArrayList<>();
        for (PodChange c : podChanges) {
            Service s = c.service();
            if (resolved.contains(s.id()) || s.type() == ServiceType.ExternalName || slicesByService.containsKey(s.id())) continue;
            EndpointResolver.Resolution before = c.before() == null ? NONE : EndpointResolver.fromSelector(s, List.of(c.before()));
            EndpointResolver.Resolution after = c.after() == null ? NONE : EndpointResolver.fromSelector(s, List.of(c.after()));
            EndpointChange change = difference(s.id(), before, after);
            if (change != null) changes.add(change);
        }
        return changes;
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
            Resolved held = endpoints.get(id);
            EndpointResolver.Resolution before = held == null ? NONE
                    : new EndpointResolver.Resolution(List.copyOf(held.endpoints), List.copyOf(held.misses));
            EndpointChange change = difference(id, before, now);
            if (change != null) changes.add(change);
        }
        return changes;
    }

    /**
     * What went from {@code before} to {@code after} of one service's endpoints, applied to what the
     * service holds; null when nothing changed. Endpoints are facts by value: one in both stayed.
     */
    private EndpointChange difference(String serviceId, EndpointResolver.Resolution before, EndpointResolver.Resolution after) {
        Set<Endpoint> endpointsAfter = new HashSet<>(after.endpoints());
        Set<NamedPortMiss> missesAfter = new HashSet<>(after.namedPortMisses());
        List<Endpoint> goneEndpoints = new ArrayList<>();
        List<NamedPortMiss> goneMisses = new ArrayList<>();
        for (Endpoint e : new HashSet<>(before.endpoints())) {
            if (!endpointsAfter.remove(e)) goneEndpoints.add(e);
        }
        for (NamedPortMiss m : new HashSet<>(before.namedPortMisses())) {
            if (!missesAfter.remove(m)) goneMisses.add(m);
        }
        if (goneEndpoints.isEmpty() && goneMisses.isEmpty() && endpointsAfter.isEmpty() && missesAfter.isEmpty()) return null;
        Resolved held = endpoints.computeIfAbsent(serviceId, k -> new Resolved());
        held.endpoints.removeAll(goneEndpoints);
        held.misses.removeAll(goneMisses);
        held.endpoints.addAll(endpointsAfter);
        held.misses.addAll(missesAfter);
        if (held.isEmpty()) endpoints.remove(serviceId);
        return new EndpointChange(serviceId, new EndpointResolver.Resolution(goneEndpoints, goneMisses),
                new EndpointResolver.Resolution(List.copyOf(endpointsAfter), List.copyOf(missesAfter)));
    }

    /** The pods of the service's namespace its selector may pick: all of them, or when many services of the namespace are resolved at once, those its first term picks. */
    private Collection<Pod> candidates(Service s, Map<String, Integer> perNamespace, Map<String, SelectorCandidates> indexed) {
        String ns = namespaceKey(s.cluster(), s.namespace());
        Collection<Pod> pods = podsByNamespace.getOrDefault(ns, Map.of()).values();
        if (s.selector() == null || perNamespace.getOrDefault(ns, 0) < INDEX_FROM) return pods;
        return indexed.computeIfAbsent(ns, k -> new SelectorCandidates(pods)).of(s.selector());
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
