package io.microseg.source;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.microseg.controlplane.CompiledRule;
import io.microseg.engine.Engine;
import io.microseg.engine.Inputs;
import io.microseg.engine.Snapshot;
import io.microseg.facts.Warning;
import io.microseg.leader.Leadership;
import io.microseg.policy.Workspace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes {@link WorkspaceConditions} on the Workspace custom resources read from Kubernetes (never on
 * workspaces from folders, which have nowhere to hold a status), through the {@code status}
 * subresource, and only while this process leads: among replicas, one writes.
 *
 * <p>A pass runs shortly after something may have changed (a change set, a Workspace resource event,
 * leadership gained: {@link #poke}), and every {@code resyncEvery} to retry writes that failed. A
 * pass writes a resource only when what it would write differs from what the resource holds
 * ({@link WorkspaceConditions#sameAs}), so an engine version that changed nothing for a workspace
 * writes nothing, and a new leader does not rewrite what the last one wrote. What this process wrote
 * during its current term as leader is remembered too: the informer's cache learns of a write a little
 * after it is made, and a pass in between must not write the same status again. Passes run on one
 * thread of their own, never on the engine's or an informer's.
 */
public final class WorkspaceStatusWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkspaceStatusWriter.class);
    /** Events closer together than this share one pass. */
    private static final long DEBOUNCE_MILLIS = 200;

    private final Engine engine;
    private final List<KubernetesSource> clusters;
    private final Leadership leadership;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    /** What this process wrote in leadership term {@link #term}, by cluster source and workspace name; pass thread only. */
    private final Map<String, WorkspaceConditions> written = new HashMap<>();
    private long term = -1;

    /**
     * @param clusters    the cluster sources; those that read Workspace resources get their status written
     * @param resyncEvery how often a pass runs without being poked (to retry failed writes)
     */
    public WorkspaceStatusWriter(Engine engine, List<KubernetesSource> clusters, Leadership leadership, Clock clock,
                                 Duration resyncEvery) {
        this.engine = engine;
        this.clusters = clusters.stream().filter(KubernetesSource::readsWorkspaces).toList();
        this.leadership = leadership;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "microseg-workspace-status");
            t.setDaemon(true);
            return t;
        });
        this.clusters.forEach(c -> c.onWorkspaceEvents(this::poke));
        engine.subscribe(changes -> poke());
        thread.scheduleWithFixedDelay(this::poke, resyncEvery.toMillis(), resyncEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether any cluster's Workspace resources are read, and so have a status to write. */
    public boolean hasWork() {
        return !clusters.isEmpty();
    }

    /** Asks for a pass soon; any thread, never blocks. */
    public void poke() {
        if (clusters.isEmpty() || !scheduled.compareAndSet(false, true)) return;
        try {
            thread.schedule(this::pass, DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            scheduled.set(false);
        }
    }

    /** Status writes done by this process. */
    public long writes() {
        return writes.get();
    }

    /** Status writes that failed (retried at the next pass). */
    public long failures() {
        return failures.get();
    }

    private void pass() {
        scheduled.set(false);
        if (!leadership.leading() || !engine.isRunning()) return;
        if (leadership.term() != term) { // another leader may have written since this process last led
            written.clear();
            term = leadership.term();
        }
        try {
            Snapshot snapshot = engine.snapshot();
            Inputs inputs = engine.inputs();
            if (inputs.version() != snapshot.version()) { // the engine moved between the two reads
                poke();
                return;
            }
            Map<String, Workspace> inForce = new HashMap<>();
            inputs.workspaces().forEach(w -> inForce.put(w.name(), w));
            Map<String, Integer> rules = new HashMap<>();
            // one workload's rules made at a time: the cluster's rules never all at once
            for (var own : snapshot.compilation().workloads().values()) {
                for (CompiledRule r : own.rules()) rules.merge(workspaceOf(r.policy()), 1, Integer::sum);
            }
            Map<String, List<Warning>> warnings = new LinkedHashMap<>();
            for (Warning w : snapshot.compilation().warnings()) {
                warnings.computeIfAbsent(workspaceOf(w.policy()), k -> new ArrayList<>()).add(w);
            }
            for (KubernetesSource cluster : clusters) {
                for (WorkspaceResource resource : cluster.workspaceResources()) {
                    var wanted = WorkspaceConditions.of(resource, cluster.workspaceSource(resource.name()), inForce, rules, warnings);
                    String key = cluster.source() + "/" + resource.name();
                    if (wanted.isEmpty() || wanted.get().equals(written.get(key)) || wanted.get().sameAs(resource.status())) continue;
                    if (!leadership.leading()) return; // leadership may end during a pass
                    if (write(cluster, resource, wanted.get().status(snapshot.version(), resource.status(), clock.instant()))) {
                        written.put(key, wanted.get());
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("writing Workspace status failed; trying again at the next pass: {}", e.toString());
        }
    }

    /** Whether the status was written. */
    private boolean write(KubernetesSource cluster, WorkspaceResource resource, Map<String, Object> status) {
        try {
            var workspaces = cluster.client().genericKubernetesResources(KubeApi.WORKSPACE_RESOURCE);
            GenericKubernetesResource current = workspaces.withName(resource.name()).get();
            if (current == null) return false; // deleted meanwhile
            // the whole status replaced, at the resourceVersion just read: a concurrent writer's change is
            // never overwritten unseen (409, and the next pass reads again)
            current.getAdditionalProperties().put("status", status);
            workspaces.resource(current).status().update();
            writes.incrementAndGet();
            LOG.debug("{}: status of Workspace {} written", cluster.source(), resource.name());
            return true;
        } catch (KubernetesClientException e) {
            failures.incrementAndGet();
            LOG.warn("{}: could not write the status of Workspace {} ({}); trying again later", cluster.source(), resource.name(),
                    e.getCode() == 0 ? e.getMessage() : "HTTP " + e.getCode() + ": " + e.getMessage());
            return false;
        }
    }

    /** {@code <workspace>} of {@code <workspace>/<policy>}; the inventory's warnings belong to no workspace. */
    private static String workspaceOf(String policy) {
        int slash = policy.indexOf('/');
        return slash < 0 ? "" : policy.substring(0, slash);
    }

    /** Stops the passes and waits (a few seconds at most) for one in progress: a closed writer writes nothing more. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
