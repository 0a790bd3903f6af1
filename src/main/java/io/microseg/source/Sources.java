package io.microseg.source;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.microseg.config.MicrosegConfig;
import io.microseg.engine.Change;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Every source a configuration names, started together: watched folders and, per configured
 * cluster, Kubernetes informers. {@link #start} returns once each has delivered its initial state
 * (or a cluster has not answered within the timeout: it keeps trying and delivers when it can).
 */
public final class Sources implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sources.class);

    private final MicrosegConfig config;
    private final Consumer<Change> sink;
    private final Duration clusterTimeout;
    private final FolderSource folders;
    private final List<KubernetesSource> clusters = new ArrayList<>();
    private final List<KubernetesClient> clients = new ArrayList<>();

    public Sources(MicrosegConfig config, Consumer<Change> sink, Duration clusterTimeout) {
        this.config = config;
        this.sink = sink;
        this.clusterTimeout = clusterTimeout;
        this.folders = new FolderSource(sink);
    }

    public void start() {
        // Policies first: the engine then groups the inventory once, knowing every query.
        config.policies().folders().forEach(folders::watchPolicies);
        config.inventory().folders().forEach(folders::watchInventory);
        folders.start();
        for (MicrosegConfig.KubernetesCluster c : config.inventory().kubernetes()) {
            KubernetesClient client = KubeApi.connect(c.context().orElse(null),
                    c.kubeconfig().map(Path::toString).orElse(null));
            clients.add(client);
            KubernetesSource source = new KubernetesSource(c.cluster(), client, sink, c.workspaces());
            clusters.add(source);
            source.start();
        }
        for (KubernetesSource source : clusters) {
            try {
                source.synced().get(clusterTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                LOG.warn("cluster {} has not been listed within {} s; its rules follow when it is", source.cluster(),
                        clusterTimeout.toSeconds());
            } catch (Exception e) {
                Throwable why = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
                LOG.error("cluster {} cannot be read: {}", source.cluster(), why.getMessage());
            }
        }
    }

    /** The clusters read live, once {@link #start} has run. */
    public List<KubernetesSource> clusters() {
        return List.copyOf(clusters);
    }

    @Override
    public void close() {
        clusters.forEach(KubernetesSource::close);
        clients.forEach(KubernetesClient::close);
        folders.close();
    }
}
