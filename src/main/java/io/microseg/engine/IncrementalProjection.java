package io.microseg.engine;

import io.microseg.compile.CnpFacts;
import io.microseg.compile.NetpolFacts;
import io.microseg.compile.ObjectFacts;
import io.microseg.compile.Selectors;
import io.microseg.facts.SelectsWorkloads;
import io.microseg.inventory.ClusterNetworkPolicy;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.LiveInventory;
import io.microseg.inventory.Namespace;
import io.microseg.inventory.NetworkPolicy;
import io.microseg.inventory.Pod;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.Query;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The live engine's projection: the same facts as the naive reference projection ({@code FactProjection}, in the tests), but
 * computed per changed object. An object's own facts change only when it changes, so they are
 * recomputed from its old and new version; endpoints only for the services the inventory says
 * changed; selections through the {@link SelectionIndex}. Only the differences reach the {@link FactStore}.
 *
 * <p>NetworkPolicy facts are the exception: they depend on every policy, pod and namespace of the
 * cluster (namespace selectors, hostNetwork exclusions), so a batch that changes any of those
 * recomputes them whole ({@link NetpolFacts}) and hands the store the difference. Correct, and costs
 * the number of pods per such batch while any NetworkPolicy exists (see docs/networkpolicy.md).
 */
final class IncrementalProjection {
    private final FactStore store;
    private final LiveInventory inventory = new LiveInventory();
    private final SelectionIndex<Selectors.Use> selection;
    private final Placements placements = new Placements();
    /** How many workspaces use each query in each role. */
    private final Map<Selectors.Use, Integer> uses = new HashMap<>();
    /** The items that are workloads (have a {@code Workload} fact), and how many of them each consumer or provider query selects. */
    private final Set<String> workloads = new HashSet<>();
    private final Map<String, Integer> workloadsSelected = new HashMap<>();
    /** Every query seen so far, for describing sets, including sets that have just gone out of use. */
    private final Map<String, Query> known = new HashMap<>();
    /** The NetworkPolicies, pods and namespaces in force, by key, and the NetworkPolicy facts and query uses derived from them. */
    private final Map<String, NetworkPolicy> networkPolicies = new TreeMap<>();
    private final Map<String, Pod> pods = new TreeMap<>();
    private final Map<String, Namespace> namespaces = new TreeMap<>();
    private NetpolFacts.Result netpol = new NetpolFacts.Result(Set.of(), Map.of());
    /** The ClusterNetworkPolicies in force, by key, and their facts and query uses (recomputed whole, as the NetworkPolicies'). */
    private final Map<String, ClusterNetworkPolicy> clusterNetworkPolicies = new TreeMap<>();
    private NetpolFacts.Result cnp = new NetpolFacts.Result(Set.of(), Map.of());

    IncrementalProjection(FactStore store) {
        this.store = store;
        this.selection = new SelectionIndex<>((use, item, added) -> {
            if (added) store.add(use.fact(item));
            else store.remove(use.fact(item));
            if (!use.scope() && workloads.contains(item)) countWorkload(use.selector(), added ? 1 : -1);
        });
    }

    void apply(SourceState.Changes changes) {
        // Queries first: on the first batch the index then groups items as they arrive instead of regrouping them all.
        workspaces(changes.workspaces());
        LiveInventory.Delta delta = inventory.apply(changes.objects());
        delta.items().forEach(this::item);
        for (LiveInventory.EndpointChange e : delta.endpoints()) {
            store.removeAll(ObjectFacts.endpoints(e.gone().endpoints(), e.gone().namedPortMisses()));
            store.addAll(ObjectFacts.endpoints(e.came().endpoints(), e.came().namedPortMisses()));
        }
        networkPolicies(changes.objects());
        clusterNetworkPolicies(changes.objects());
    }

    /**
     * Recomputes the ClusterNetworkPolicy facts whole when a policy, pod or namespace changed and there are
     * policies before or after; runs after {@link #networkPolicies}, which keeps the pods and namespaces current.
     */
    private void clusterNetworkPolicies(List<Map.Entry<InventoryObject, InventoryObject>> changes) {
        boolean touched = false;
        for (Map.Entry<InventoryObject, InventoryObject> c : changes) {
            touched |= keep(c.getKey(), c.getValue(), ClusterNetworkPolicy.class, clusterNetworkPolicies)
                    | c.getKey() instanceof Pod | c.getValue() instanceof Pod | c.getKey() instanceof Namespace | c.getValue() instanceof Namespace;
        }
        if (!touched || (clusterNetworkPolicies.isEmpty() && cnp.facts().isEmpty() && cnp.uses().isEmpty())) return;
        NetpolFacts.Result next = CnpFacts.of(clusterNetworkPolicies.values(), pods.values(), namespaces.values());
        store.removeAll(cnp.facts());
        store.addAll(next.facts());
        Map<Selectors.Use, Query> added = new HashMap<>();
        Set<Selectors.Use> removed = new HashSet<>();
        count(cnp.uses(), next.uses(), added, removed);
        cnp = next;
        if (!added.isEmpty() || !removed.isEmpty()) selection.update(added, removed);
    }

    /** Recomputes the NetworkPolicy facts whole when a policy, pod or namespace changed and there are policies before or after. */
    private void networkPolicies(List<Map.Entry<InventoryObject, InventoryObject>> changes) {
        boolean touched = false;
        for (Map.Entry<InventoryObject, InventoryObject> c : changes) {
            touched |= keep(c.getKey(), c.getValue(), NetworkPolicy.class, networkPolicies)
                    | keep(c.getKey(), c.getValue(), Pod.class, pods)
                    | keep(c.getKey(), c.getValue(), Namespace.class, namespaces);
        }
        if (!touched || (networkPolicies.isEmpty() && netpol.facts().isEmpty() && netpol.uses().isEmpty())) return;
        NetpolFacts.Result next = NetpolFacts.of(networkPolicies.values(), pods.values(), namespaces.values());
        store.removeAll(netpol.facts());
        store.addAll(next.facts());
        Map<Selectors.Use, Query> added = new HashMap<>();
        Set<Selectors.Use> removed = new HashSet<>();
        count(netpol.uses(), next.uses(), added, removed);
        netpol = next;
        if (!added.isEmpty() || !removed.isEmpty()) selection.update(added, removed);
    }

    /** Keeps {@code into} current with a change of an object of {@code type}; true when the change was of that type. */
    private static <T extends InventoryObject> boolean keep(InventoryObject before, InventoryObject after, Class<T> type, Map<String, T> into) {
        boolean ours = false;
        if (type.isInstance(before)) {
            into.remove(before.key());
            ours = true;
        }
        if (type.isInstance(after)) {
            into.put(after.key(), type.cast(after));
            ours = true;
        }
        return ours;
    }

    /** A workspace's own facts, and the queries it uses in each role, counted so that shared queries stay. */
    private void workspaces(List<Map.Entry<Workspace, Workspace>> changes) {
        Map<Selectors.Use, Query> added = new HashMap<>();
        Set<Selectors.Use> removed = new HashSet<>();
        for (Map.Entry<Workspace, Workspace> c : changes) {
            if (c.getKey() != null) store.removeAll(ObjectFacts.of(c.getKey()));
            if (c.getValue() != null) store.addAll(ObjectFacts.of(c.getValue()));
            count(c.getKey() == null ? Map.of() : Selectors.uses(c.getKey()),
                    c.getValue() == null ? Map.of() : Selectors.uses(c.getValue()), added, removed);
        }
        if (!added.isEmpty() || !removed.isEmpty()) selection.update(added, removed);
    }

    /**
     * Counts one contributor's query uses going from {@code before} to {@code after}, collecting the uses
     * that came into force ({@code added}) and went out of it ({@code removed}), so that shared queries stay.
     */
    private void count(Map<Selectors.Use, Query> before, Map<Selectors.Use, Query> after,
                       Map<Selectors.Use, Query> added, Set<Selectors.Use> removed) {
        for (Selectors.Use use : before.keySet()) {
            if (uses.merge(use, -1, Integer::sum) == 0) {
                uses.remove(use);
                if (added.remove(use) == null) removed.add(use);
            }
        }
        for (Map.Entry<Selectors.Use, Query> q : after.entrySet()) {
            if (uses.merge(q.getKey(), 1, Integer::sum) == 1) {
                known.put(q.getKey().selector(), q.getValue());
                if (!removed.remove(q.getKey())) added.put(q.getKey(), q.getValue());
            }
        }
    }

    /** An item's own facts, its selections, whether it counts as a selected workload, and its placement. */
    private void item(LiveInventory.ItemChange c) {
        // c.id() is made once for the change and shared by the item's facts and indexes
        if (c.before() != null) store.removeAll(ObjectFacts.of(c.id(), c.before()));
        boolean was = workloads.contains(c.id());
        boolean now = c.after() != null && ObjectFacts.isWorkload(c.after());
        if (was && !now) {
            // it stops counting for the queries that select it, before its selections change
            selection.selectionOf(c.id()).forEach(use -> {
                if (!use.scope()) countWorkload(use.selector(), -1);
            });
            workloads.remove(c.id());
        }
        if (c.after() != null) {
            store.addAll(ObjectFacts.of(c.id(), c.after()));
            selection.put(c.id(), c.after());
        } else {
            selection.remove(c.id());
        }
        if (!was && now) {
            workloads.add(c.id());
            selection.selectionOf(c.id()).forEach(use -> {
                if (!use.scope()) countWorkload(use.selector(), 1);
            });
        }
        placements.update(c.id(), c.after());
    }

    /**
     * "The query selects some workload" ({@link SelectsWorkloads}), kept by counting: a selection fact
     * like the others, computed here rather than derived in the session once per selected workload.
     */
    private void countWorkload(String selector, int delta) {
        int n = workloadsSelected.merge(selector, delta, Integer::sum);
        if (n == 0) {
            workloadsSelected.remove(selector);
            store.remove(new SelectsWorkloads(selector));
        } else if (n == 1 && delta == 1) {
            store.add(new SelectsWorkloads(selector));
        }
    }

    /** Where each placed workload is now, and its addresses. */
    Map<String, Placement> placements() {
        return placements.current();
    }

    /** The placements that changed since the last call. */
    List<Placement> placementChanges() {
        return placements.drain();
    }

    Map<String, Query> knownQueries() {
        return known;
    }
}
