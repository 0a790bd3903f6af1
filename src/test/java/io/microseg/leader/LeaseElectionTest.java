package io.microseg.leader;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.microseg.config.MicrosegConfig;
import io.microseg.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** Two candidates for one Lease on fabric8's mock API server (CRUD mode): one leads, and when it leaves the other takes over. */
@EnableKubernetesMockClient(crud = true, https = false)
class LeaseElectionTest {
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    static final MicrosegConfig.LeaderElection FAST = new MicrosegConfig.LeaderElection(Optional.of(true), Optional.of("microseg"),
            "microseg-server", Duration.ofMillis(2000), Duration.ofMillis(1500), Duration.ofMillis(200));

    KubernetesMockServer server;
    KubernetesClient client;
    private final List<LeaseElection> elections = new ArrayList<>();

    @AfterEach
    void stop() {
        elections.forEach(LeaseElection::close);
    }

    /** Counts what the election told its listener. */
    static final class Counted implements LeaseElection.Listener {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger stopped = new AtomicInteger();

        @Override
        public void startedLeading() {
            started.incrementAndGet();
        }

        @Override
        public void stoppedLeading() {
            stopped.incrementAndGet();
        }
    }

    private LeaseElection candidate(String identity, Counted listener) {
        LeaseElection e = LeaseElection.start(client, FAST, identity, listener);
        elections.add(e);
        return e;
    }

    private String holder() {
        Lease lease = client.leases().inNamespace("microseg").withName("microseg-server").get();
        return lease == null ? null : lease.getSpec().getHolderIdentity();
    }

    @Test
    void oneOfTwoCandidatesLeadsAndWhenItLeavesTheOtherTakesTheLeaseOver() {
        Counted a = new Counted();
        Counted b = new Counted();
        LeaseElection first = candidate("replica-a", a);
        LeaseElection second = candidate("replica-b", b);

        Await.until("a leader", Duration.ofSeconds(10), () -> first.leading() || second.leading());
        LeaseElection leader = first.leading() ? first : second;
        LeaseElection follower = leader == first ? second : first;
        // the follower has seen the holder on the Lease, so it has tried and lost
        Await.until("the follower to see the leader", Duration.ofSeconds(10), () -> leader.identity().equals(follower.leader()));
        assertThat(follower.leading()).isFalse();
        assertThat(holder()).isEqualTo(leader.identity());

        leader.close();
        Await.until("the other candidate to lead", Duration.ofSeconds(15), follower::leading);
        assertThat(holder()).isEqualTo(follower.identity());
        assertThat(leader.leading()).isFalse();
        Counted leaderEvents = leader == first ? a : b;
        Counted followerEvents = leader == first ? b : a;
        assertThat(leaderEvents.started).hasValue(1);
        assertThat(leaderEvents.stopped).hasValue(1);
        assertThat(followerEvents.started).hasValue(1);
        assertThat(followerEvents.stopped).hasValue(0);
    }
}
