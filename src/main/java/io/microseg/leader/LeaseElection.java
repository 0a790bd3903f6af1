package io.microseg.leader;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.microseg.config.MicrosegConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Leadership through a {@code coordination.k8s.io/v1} Lease, with fabric8's {@link LeaderElector}: the
 * candidate that holds the Lease leads; it renews it every {@code retryPeriod}, stops leading when it
 * could not renew within {@code renewDeadline}, and another candidate takes the Lease over once it has
 * not been renewed for {@code leaseDuration}. A leader that stops leading (a renewal that failed, the
 * API server out of reach) becomes a candidate again; {@link #close} gives the Lease up at once, so that
 * a replica shut down in order hands over without waiting for the Lease to expire.
 */
public final class LeaseElection implements Leadership {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseElection.class);

    /** Told when this process starts and stops leading; called on the election's thread, must not block. */
    public interface Listener {
        void startedLeading();

        void stoppedLeading();
    }

    private final KubernetesClient client;
    private final MicrosegConfig.LeaderElection settings;
    private final String namespace;
    private final String identity;
    private final Listener listener;
    private volatile boolean leading;
    private volatile String leader;
    private volatile boolean closed;
    private CompletableFuture<?> running;

    private LeaseElection(KubernetesClient client, MicrosegConfig.LeaderElection settings, String identity, Listener listener) {
        this.client = client;
        this.settings = settings;
        this.namespace = settings.namespace().orElseGet(() -> client.getNamespace() == null ? "default" : client.getNamespace());
        this.identity = identity;
        this.listener = listener;
    }

    /** Joins the election at once and returns; {@code listener} hears when this process leads. */
    public static LeaseElection start(KubernetesClient client, MicrosegConfig.LeaderElection settings, String identity, Listener listener) {
        LeaseElection e = new LeaseElection(client, settings, identity, listener);
        LOG.info("leader election: candidate {} for Lease {}/{}", identity, e.namespace, settings.name());
        e.run();
        return e;
    }

    private synchronized void run() {
        if (closed) return;
        LeaderElector elector = client.leaderElector()
                .withConfig(new LeaderElectionConfigBuilder()
                        .withName(settings.name())
                        .withLock(new LeaseLock(namespace, settings.name(), identity))
                        .withLeaseDuration(settings.leaseDuration())
                        .withRenewDeadline(settings.renewDeadline())
                        .withRetryPeriod(settings.retryPeriod())
                        .withReleaseOnCancel(true)
                        .withLeaderCallbacks(new LeaderCallbacks(this::started, this::stopped, this::newLeader))
                        .build())
                .build();
        running = elector.start();
        running.whenComplete((v, failure) -> {
            // the elector ends when this process stops leading; stay a candidate unless closed
            if (closed) return;
            if (failure != null) LOG.warn("leader election: {}; trying again", failure.toString());
            CompletableFuture.delayedExecutor(settings.retryPeriod().toMillis(), TimeUnit.MILLISECONDS).execute(this::run);
        });
    }

    private void started() {
        leading = true;
        LOG.info("leader election: {} leads (Lease {}/{})", identity, namespace, settings.name());
        listener.startedLeading();
    }

    private void stopped() {
        if (!leading) return;
        leading = false;
        LOG.info("leader election: {} no longer leads", identity);
        listener.stoppedLeading();
    }

    private void newLeader(String holder) {
        leader = holder;
        if (!holder.equals(identity)) LOG.info("leader election: {} leads", holder);
    }

    @Override
    public boolean leading() {
        return leading;
    }

    @Override
    public String identity() {
        return identity;
    }

    /** The holder last seen on the Lease (this process or another), null before any. */
    public String leader() {
        return leader;
    }

    /** Leaves the election, giving the Lease up if this process holds it. */
    @Override
    public void close() {
        CompletableFuture<?> r;
        synchronized (this) {
            if (closed) return;
            closed = true;
            r = running;
        }
        if (r != null) r.cancel(true); // releaseOnCancel: the Lease is given up and stoppedLeading called
        stopped();
    }
}
