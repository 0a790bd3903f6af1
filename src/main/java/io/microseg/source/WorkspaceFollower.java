package io.microseg.source;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.microseg.engine.Change;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One cluster's Workspace custom resources (cluster-scoped, {@code config/crd/workspaces.microseg.io.yaml}),
 * followed by an informer and emitted as {@link Change.Workspaces} of source
 * {@code kubernetes:<cluster>/workspaces/<name>}; a deleted one as {@code Workspaces(source, [])}.
 *
 * <p>Fail closed: a resource {@link PolicyReader} refuses is logged with the reason and not emitted, so its
 * last good version stays in force; why it was refused is kept for its status ({@link #resources}). A write
 * of the status alone (the generation unchanged) is not read again. Every emission happens under the
 * {@link KubernetesSource}'s lock, as its inventory's do, through the {@link Emitter} it gives.
 */
final class WorkspaceFollower implements ResourceEventHandler<GenericKubernetesResource> {
    private static final Logger LOG = LoggerFactory.getLogger(WorkspaceFollower.class);

    /** What the source lends: its lock, whether it is closed, its sink, and its sync bookkeeping. */
    interface Emitter {
        /** The lock every emission and {@link #closed} read happen under. */
        Object lock();

        /** Whether the source is closed; read under {@link #lock}. */
        boolean closed();

        /** Hands a change to the sink; called under {@link #lock}. */
        void emit(Change change);

        /** The informer has listed its resources; called under {@link #lock}. */
        void listed();
    }

    private final String source;
    private final Emitter emitter;
    private final Function<GenericKubernetesResource, com.fasterxml.jackson.databind.JsonNode> tree;
    /** Why each resource whose spec was refused was refused, by name; guarded by the lock. */
    private final Map<String, String> refused = new HashMap<>();
    /** Told after any resource was added, changed, refused or deleted. */
    private volatile Runnable events = () -> {};
    private SharedIndexInformer<GenericKubernetesResource> informer;
    private boolean listed; // guarded by the lock

    /**
     * @param source  the cluster's source name, {@code kubernetes:<cluster>}
     * @param tree    a resource as the document tree {@link PolicyReader} reads
     */
    WorkspaceFollower(String source, Emitter emitter, Function<GenericKubernetesResource, com.fasterxml.jackson.databind.JsonNode> tree) {
        this.source = source;
        this.emitter = emitter;
        this.tree = tree;
    }

    /** Follows {@code informer}'s events from now on; called once, under the lock, before it starts. */
    void follow(SharedIndexInformer<GenericKubernetesResource> informer) {
        this.informer = informer;
        informer.addEventHandler(this);
    }

    /** The source name of one resource's changes, for the cluster of source name {@code cluster}. */
    static String sourceOf(String cluster, String name) {
        return cluster + "/workspaces/" + name;
    }

    /** Whether the informer has listed its resources; read under the lock. */
    boolean hasListed() {
        return listed;
    }

    void onEvents(Runnable listener) {
        events = Objects.requireNonNull(listener, "listener");
    }

    /** The resources in the informer's cache, with why each refused one was refused; empty before {@link #follow}. */
    List<WorkspaceResource> resources() {
        SharedIndexInformer<GenericKubernetesResource> followed;
        Map<String, String> why;
        synchronized (emitter.lock()) {
            followed = informer;
            why = Map.copyOf(refused);
        }
        if (followed == null) return List.of();
        List<WorkspaceResource> out = new ArrayList<>();
        for (GenericKubernetesResource r : followed.getStore().list()) {
            String name = r.getMetadata().getName();
            Long generation = r.getMetadata().getGeneration();
            Object status = r.getAdditionalProperties().get("status");
            @SuppressWarnings("unchecked")
            Map<String, Object> statusMap = status instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
            out.add(new WorkspaceResource(name, generation == null ? 0 : generation, statusMap, why.get(name)));
        }
        return out;
    }

    @Override
    public void onAdd(GenericKubernetesResource resource) {
        read(resource);
    }

    @Override
    public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource resource) {
        // a write of the status alone (microseg's own, through the status subresource) leaves the
        // generation as it was: the spec is the same, read and judged already
        Long before = old == null ? null : old.getMetadata().getGeneration();
        if (before != null && before.equals(resource.getMetadata().getGeneration())) return;
        read(resource);
    }

    @Override
    public void onDelete(GenericKubernetesResource resource, boolean deletedFinalStateUnknown) {
        String name = resource.getMetadata().getName();
        synchronized (emitter.lock()) {
            if (emitter.closed()) return;
            refused.remove(name);
            emitter.emit(new Change.Workspaces(sourceOf(source, name), List.of()));
        }
        events.run();
    }

    @Override
    public void onList(String resourceVersion, boolean empty) {
        synchronized (emitter.lock()) {
            listed = true;
            emitter.listed();
        }
    }

    private void read(GenericKubernetesResource resource) {
        String name = resource.getMetadata().getName();
        String where = sourceOf(source, name);
        List<Workspace> read;
        try {
            read = PolicyReader.read(List.of(new Document(where, 0, tree.apply(resource))));
        } catch (InputException e) {
            LOG.warn("{}: Workspace {} refused, its last good version stays in force: {}", source, name, e.getMessage());
            refuse(name, e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.warn("{}: Workspace {} could not be read, its last good version stays in force: {}", source, name, e.toString());
            refuse(name, e.toString());
            return;
        }
        synchronized (emitter.lock()) {
            if (emitter.closed()) return;
            refused.remove(name);
            emitter.emit(new Change.Workspaces(where, read));
        }
        events.run();
    }

    private void refuse(String name, String why) {
        synchronized (emitter.lock()) {
            refused.put(name, why);
        }
        events.run();
    }
}
