package io.microseg.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.microseg.engine.Change;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.KubeTranslator;
import io.microseg.policy.Workspace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One Kubernetes cluster as a live source of {@link Change}s: informers on Nodes, Pods, Services,
 * EndpointSlices (discovery.k8s.io/v1), Namespaces and NetworkPolicies (networking.k8s.io/v1) in all
 * namespaces, and ClusterNetworkPolicies (policy.networking.k8s.io/v1alpha2, when the cluster serves them), each event translated by {@link KubeTranslator} and handed to the sink as a {@link Change.Put} or {@link Change.Remove} of
 * source {@code "kubernetes:<cluster>"}. Optionally, the cluster's {@code microseg.io/v1} Workspace
 * custom resources as {@link Change.Workspaces}.
 *
 * <h2>Relists (a lost watch, 410 Gone)</h2>
 * fabric8 8 informers call {@link ResourceEventHandler#onList(String, boolean)} once per list/watch
 * cycle, after the list of that cycle has been applied to the informer's cache and after the add,
 * update and delete notifications of that list (items gone since the last list are delivered as
 * deletes with {@code deletedFinalStateUnknown}) have been delivered to the handler: the call goes
 * through the same serial executor as those notifications. A cycle starts at start-up and again
 * whenever the watch cannot be resumed from its last resourceVersion (HTTP 410 Gone, "too old
 * resource version"); a watch that merely reconnects from its last resourceVersion is not a relist
 * and is not reported (nothing is missed then). ({@code onBeforeList} marks the start of a cycle;
 * {@code onNothing}, the older hook, only fires when the list is empty and so cannot serve.)
 * <p>
 * So: once every inventory informer has had its first {@code onList}, and again after every later
 * {@code onList} of any of them, this source emits {@link Change.Replace} with everything in all its
 * informer caches, translated. Nothing is emitted before that first {@code Replace}: a cluster whose
 * policies could not be listed (a refused ClusterNetworkPolicy list) puts none of its objects in
 * force, rather than its pods without the policies that would close their traffic. Handlers and the snapshot emit under one lock, which makes the order
 * the sink sees consistent: an object's last emission is always its latest cached state.
 *
 * <h2>Malformed objects</h2>
 * An object {@link KubeTranslator} rejects is skipped with a warning that names it and the field;
 * if an earlier version of it had been emitted, a {@code Remove} withdraws that version (it no longer
 * describes the cluster). A pod without an IP yet is not malformed: it is translated and emitted.
 * NetworkPolicies and ClusterNetworkPolicies are the exception: a policy closes traffic, so withdrawing it
 * would open what it closed. A refused version of a NetworkPolicy or ClusterNetworkPolicy leaves its last good version in force (in every later
 * {@code Replace} too) until the policy is deleted or a good version arrives; a policy refused from
 * its first version was never in force and stays out.
 *
 * <h2>Workspaces</h2>
 * With {@code workspaces}, the cluster's Workspace custom resources too, followed by a {@link WorkspaceFollower}
 * (its contract: a refused resource's last good version stays in force) under the same lock.
 * <p>
 * Event handlers do no long work: they translate and hand over to the sink, which must not block.
 */
public final class KubernetesSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesSource.class);

    private final String cluster;
    private final String source;
    private final KubernetesClient client;
    private final Consumer<Change> sink;
    private final boolean workspaces;
    private final KubeTranslator translator;

    /** Guards {@link #emitted}, {@link #closed}, the sync state, and every call of the sink. */
    private final Object lock = new Object();
    /** What was last emitted per Kubernetes object ("Pod web/db-0"): its inventory key. */
    private final Map<String, String> emitted = new HashMap<>();
    private final List<Watched<?>> inventory = new ArrayList<>();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    /** Completes with the first {@code Replace}, after every informer's initial list. */
    private final CompletableFuture<Void> listed = new CompletableFuture<>();
    private final List<CompletableFuture<Void>> watching = new ArrayList<>();
    /** The Workspace resources, when this source reads them; null otherwise. */
    private final WorkspaceFollower workspaceFollower;
    private boolean inventorySynced;
    private boolean started;
    private boolean closed;

    /**
     * @param cluster    the cluster's name in the inventory (non-blank, without '/')
     * @param client     a client for that cluster; not closed by {@link #close()}
     * @param sink       receives the changes; called from informer threads, one call at a time; must not block
     * @param workspaces whether to watch Workspace custom resources too
     */
    public KubernetesSource(String cluster, KubernetesClient client, Consumer<Change> sink, boolean workspaces) {
        this.translator = new KubeTranslator(cluster);
        this.cluster = cluster;
        this.source = "kubernetes:" + cluster;
        this.client = Objects.requireNonNull(client, "client");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.workspaces = workspaces;
        this.workspaceFollower = !workspaces ? null : new WorkspaceFollower(source, new WorkspaceFollower.Emitter() {
            @Override
            public Object lock() {
                return lock;
            }

            @Override
            public boolean closed() {
                return closed;
            }

            @Override
            public void emit(Change change) {
                KubernetesSource.this.emit(change);
            }

            @Override
            public void listed() {
                completeSyncIfReady();
            }
        }, this::tree);
    }

    public String cluster() {
        return cluster;
    }

    /** The source name of inventory changes: {@code kubernetes:<cluster>}. */
    public String source() {
        return source;
    }

    /** The client this source reads with. */
    public KubernetesClient client() {
        return client;
    }

    /** Whether this source reads Workspace custom resources. */
    public boolean readsWorkspaces() {
        return workspaces;
    }

    /**
     * The Workspace resources in the informer's cache, with why microseg refused each that it refused;
     * empty when this source does not read them or has not started.
     */
    public List<WorkspaceResource> workspaceResources() {
        return workspaceFollower == null ? List.of() : workspaceFollower.resources();
    }

    /** Runs {@code listener} (on an informer thread; it must not block) after every Workspace resource event. */
    public void onWorkspaceEvents(Runnable listener) {
        if (workspaceFollower != null) workspaceFollower.onEvents(listener);
    }

    /** The source name of one Workspace resource's changes. */
    public String workspaceSource(String name) {
        return WorkspaceFollower.sourceOf(source, name);
    }

    /**
     * Starts the informers and returns at once. Initial objects arrive as {@code Put}s (and
     * {@code Workspaces}), followed by the first {@code Replace}; {@link #synced()} completes then.
     */
    public void start() {
        synchronized (lock) {
            if (started) throw new IllegalStateException("already started");
            if (closed) throw new IllegalStateException("closed");
            started = true;
            watch(KubeApi.NODES, "Node", () -> client.nodes(), translator::node, false);
            watch(KubeApi.PODS, "Pod", () -> client.pods().inAnyNamespace(), translator::pod, false);
            watch(KubeApi.SERVICES, "Service", () -> client.services().inAnyNamespace(), translator::service, false);
            watch(KubeApi.ENDPOINT_SLICES, "EndpointSlice", () -> client.discovery().v1().endpointSlices().inAnyNamespace(),
                    translator::endpointSlice, false);
            watch(KubeApi.NAMESPACES, "Namespace", () -> client.namespaces(), translator::namespace, false);
            watch(KubeApi.NETWORK_POLICIES, "NetworkPolicy", () -> client.network().v1().networkPolicies().inAnyNamespace(),
                    translator::networkPolicy, true);
            watch(KubeApi.CLUSTER_NETWORK_POLICIES, "ClusterNetworkPolicy",
                    () -> client.genericKubernetesResources(KubeApi.CLUSTER_NETWORK_POLICY_RESOURCE),
                    (GenericKubernetesResource r) -> translator.clusterNetworkPolicy(tree(r)), true);
            if (workspaceFollower != null) {
                SharedIndexInformer<GenericKubernetesResource> informer =
                        client.genericKubernetesResources(KubeApi.WORKSPACE_RESOURCE).runnableInformer(0);
                workspaceFollower.follow(informer);
                begin(KubeApi.WORKSPACES, "Workspace", informer);
            }
        }
    }

    /**
     * Completes once every informer has listed its resources, their changes and the first
     * {@code Replace} have gone to the sink, and every watch is established; completes exceptionally
     * as soon as an informer could not start (the Workspace one, for instance, when its CRD is not
     * installed; the ClusterNetworkPolicy one when their list is refused): the first Replace then never
     * comes, since it waits for every informer's list, so waiting for it would never end.
     */
    public CompletableFuture<Void> synced() {
        List<CompletableFuture<Void>> all;
        synchronized (lock) {
            if (!started) throw new IllegalStateException("not started");
            all = new ArrayList<>(watching);
        }
        all.add(listed);
        CompletableFuture<Void> synced = new CompletableFuture<>();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((v, failure) -> {
            if (failure == null) synced.complete(null);
            else synced.completeExceptionally(failure);
        });
        for (CompletableFuture<Void> f : all) {
            f.whenComplete((v, failure) -> {
                if (failure != null) synced.completeExceptionally(failure);
            });
        }
        return synced;
    }

    /** Stops the informers; nothing reaches the sink afterwards. The client stays open. */
    @Override
    public void close() {
        List<SharedIndexInformer<?>> stopping;
        synchronized (lock) {
            if (closed) return;
            closed = true;
            stopping = List.copyOf(informers);
        }
        for (SharedIndexInformer<?> informer : stopping) {
            try {
                informer.stop();
            } catch (RuntimeException e) {
                LOG.debug("{}: stopping an informer failed", source, e);
            }
        }
    }

    private <T extends HasMetadata> void watch(ApiResource resource, String kind, Supplier<Informable<T>> resources,
                                               Function<T, ? extends InventoryObject> translate, boolean keepsLastGood) {
        Watched<T> handler = new Watched<>(kind, translate, keepsLastGood);
        SharedIndexInformer<T> informer = resources.get().runnableInformer(0);
        handler.informer = informer;
        informer.addEventHandler(handler);
        inventory.add(handler);
        if (resource == KubeApi.CLUSTER_NETWORK_POLICIES) beginOptional(handler, informer);
        else begin(resource, kind, informer);
    }

    /**
     * Starts the ClusterNetworkPolicy informer. Its CRD is not part of Kubernetes: on a cluster that does
     * not serve it (the list answers 404) the cluster has no ClusterNetworkPolicy to enforce, and the source
     * goes on without them, with an error saying so. Any other failure (no right to read them, the API
     * server failing) fails the sync like a required informer's: ClusterNetworkPolicies may exist and
     * close traffic, and enforcing without them would open it. A CRD installed later is seen after a restart.
     */
    private void beginOptional(Watched<?> handler, SharedIndexInformer<?> informer) {
        informers.add(informer);
        CompletableFuture<Void> start = informer.start().toCompletableFuture();
        watching.add(start.handle((v, failure) -> {
            if (failure == null) return null;
            if (!KubeApi.notServed(failure)) {
                LOG.error("{}: the ClusterNetworkPolicy informer could not start (may microseg list {}?): {}",
                        source, KubeApi.CLUSTER_NETWORK_POLICIES, failure.toString());
                throw new java.util.concurrent.CompletionException(new IllegalStateException(source + ": cannot list " + KubeApi.CLUSTER_NETWORK_POLICIES
                        + " (" + KubeApi.describe(failure) + "): microseg needs list and watch on them (config/kubernetes/server-rbac.yaml grants"
                        + " them) and puts nothing of this cluster in force without them, since they may close traffic", failure));
            }
            LOG.error("{}: ClusterNetworkPolicies are not followed: the cluster does not serve {} ({}); "
                    + "is the CRD of kubernetes-sigs/network-policy-api installed?",
                    source, KubeApi.CLUSTER_NETWORK_POLICIES, failure.toString());
            listed(handler, "none (not served)");
            return null;
        }));
        informer.stopped().whenComplete((v, failure) -> {
            if (failure != null && !isClosed() && start.isDone() && !start.isCompletedExceptionally()) {
                LOG.error("{}: the ClusterNetworkPolicy informer stopped and no longer follows the cluster: {}", source, failure.toString());
            }
        });
    }

    private JsonNode tree(GenericKubernetesResource resource) {
        return KubeApi.tree(client, resource);
    }

    /** Starts one informer; {@code resource} must be in {@link KubeApi#READS}, which is what the install lets it read. */
    private void begin(ApiResource resource, String kind, SharedIndexInformer<?> informer) {
        if (!KubeApi.READS.contains(resource)) throw new IllegalStateException(resource + " is not in KubeApi.READS");
        informers.add(informer);
        // start() completes when the initial list is in the cache and the watch is established.
        CompletableFuture<Void> start = informer.start().toCompletableFuture();
        watching.add(start);
        start.whenComplete((v, failure) -> {
            if (failure != null) {
                LOG.error("{}: the {} informer could not start{}: {}", source, kind,
                        kind.equals("Workspace") ? " (is config/crd/workspaces.microseg.io.yaml installed?)" : "",
                        failure.toString());
            }
        });
        informer.stopped().whenComplete((v, failure) -> {
            if (failure != null && !isClosed()) {
                LOG.error("{}: the {} informer stopped and no longer follows the cluster: {}", source, kind, failure.toString());
            }
        });
    }

    /** Hands one change to the sink; called under the lock. A failing sink must not stop the informers. */
    private void emit(Change change) {
        try {
            sink.accept(change);
        } catch (RuntimeException e) {
            LOG.error("{}: the sink refused {}", source, change.getClass().getSimpleName(), e);
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    // ---- inventory

    /** The handler of one inventory kind; fabric8 calls it serially for its informer. */
    private final class Watched<T extends HasMetadata> implements ResourceEventHandler<T> {
        final String kind;
        final Function<T, ? extends InventoryObject> translate;
        /** Whether a refused version leaves the last good one in force rather than withdrawing it. */
        final boolean keepsLastGood;
        /** With {@link #keepsLastGood}: the last version of each object that translated, by id; guarded by lock. */
        final Map<String, InventoryObject> lastGood = new HashMap<>();
        SharedIndexInformer<T> informer;
        boolean listed; // guarded by lock

        Watched(String kind, Function<T, ? extends InventoryObject> translate, boolean keepsLastGood) {
            this.kind = kind;
            this.translate = translate;
            this.keepsLastGood = keepsLastGood;
        }

        String id(T object) {
            return kind + " " + Cache.metaNamespaceKeyFunc(object);
        }

        @Override
        public void onAdd(T object) {
            put(object);
        }

        @Override
        public void onUpdate(T old, T object) {
            put(object);
        }

        @Override
        public void onDelete(T object, boolean deletedFinalStateUnknown) {
            String id = id(object);
            synchronized (lock) {
                if (closed) return;
                lastGood.remove(id);
                String key = emitted.remove(id);
                if (key != null) emit(new Change.Remove(source, key));
            }
        }

        @Override
        public void onList(String resourceVersion, boolean empty) {
            listed(this, resourceVersion);
        }

        private void put(T object) {
            String id = id(object);
            InventoryObject translated = null;
            String problem = null;
            try {
                translated = translate.apply(object);
            } catch (KubeTranslator.Rejected e) {
                problem = e.getMessage();
            } catch (RuntimeException e) {
                // Not expected of the translator; still one object, which must not stop the source.
                problem = id + ": " + e;
                LOG.debug("{}: translating {} failed", source, id, e);
            }
            synchronized (lock) {
                if (closed) return;
                if (translated == null) {
                    if (keepsLastGood && lastGood.containsKey(id)) {
                        LOG.warn("{}: refusing {}; its last good version stays in force", source, problem);
                        return;
                    }
                    LOG.warn("{}: skipping {}", source, problem);
                    String old = emitted.remove(id);
                    if (old != null) emit(new Change.Remove(source, old));
                    return;
                }
                if (keepsLastGood) lastGood.put(id, translated);
                // Before every informer has listed, nothing goes out: the first Replace brings the whole
                // cluster at once, so that its pods are never in force without its policies.
                if (!inventorySynced) return;
                String previous = emitted.put(id, translated.key());
                if (previous != null && !previous.equals(translated.key())) emit(new Change.Remove(source, previous));
                emit(new Change.Put(source, translated));
            }
        }

        /**
         * The informer's cache, translated; rejected objects were reported when they arrived, and are
         * left out, or (with {@link #keepsLastGood}) stand in their last good version. Called under the lock.
         */
        void snapshot(Map<String, InventoryObject> into, Map<String, String> ids) {
            Map<String, InventoryObject> good = new HashMap<>();
            for (T object : informer.getStore().list()) {
                String id = id(object);
                InventoryObject translated;
                try {
                    translated = translate.apply(object);
                } catch (RuntimeException e) {
                    translated = keepsLastGood ? lastGood.get(id) : null;
                    LOG.debug("{}: {} refused in the snapshot ({}): {}", source, id,
                            translated == null ? "left out" : "its last good version stands", e.getMessage());
                }
                if (translated == null) continue;
                into.put(translated.key(), translated);
                ids.put(id, translated.key());
                good.put(id, translated);
            }
            if (keepsLastGood) {
                // objects gone from the cache (deleted while the watch was lost) lose their last good version
                lastGood.clear();
                lastGood.putAll(good);
            }
        }
    }

    private void listed(Watched<?> watched, String resourceVersion) {
        synchronized (lock) {
            if (closed) return;
            boolean relist = watched.listed;
            watched.listed = true;
            if (!inventorySynced) {
                if (!inventory.stream().allMatch(w -> w.listed)) return;
                inventorySynced = true;
            } else {
                LOG.info("{}: {}s relisted at resourceVersion {}: replacing the cluster's inventory",
                        source, watched.kind, resourceVersion);
            }
            replace();
            completeSyncIfReady();
        }
    }

    /** Emits everything in the informer caches as one {@code Replace}; called under the lock. */
    private void replace() {
        Map<String, InventoryObject> objects = new LinkedHashMap<>();
        Map<String, String> ids = new HashMap<>();
        for (Watched<?> w : inventory) w.snapshot(objects, ids);
        emitted.clear();
        emitted.putAll(ids);
        emit(new Change.Replace(source, List.copyOf(objects.values())));
    }

    private void completeSyncIfReady() {
        if (inventorySynced && (workspaceFollower == null || workspaceFollower.hasListed())) listed.complete(null);
    }
}
