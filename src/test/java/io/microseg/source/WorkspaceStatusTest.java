package io.microseg.source;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.microseg.compile.RuleBase;
import io.microseg.config.MicrosegConfig;
import io.microseg.engine.Engine;
import io.microseg.leader.LeaseElection;
import io.microseg.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two server replicas (each its engine, its informers, its candidacy for the Lease, its status writer) on
 * fabric8's mock API server in CRUD mode: only the leader writes the Workspace resources' status, it
 * writes a workspace only when what it states changes, and when it leaves, the other replica leads and
 * writes.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class WorkspaceStatusTest {
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    private static final MicrosegConfig.LeaderElection FAST = new MicrosegConfig.LeaderElection(Optional.of(true), Optional.of("microseg"),
            "microseg-server", Duration.ofMillis(2000), Duration.ofMillis(1500), Duration.ofMillis(200));
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static RuleBase rules;

    KubernetesMockServer server;
    KubernetesClient client;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void loadRules() {
        rules = RuleBase.packaged();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    /** One replica: what {@code serve} runs for Workspace status. */
    private final class Replica implements AutoCloseable {
        final String name;
        final KubernetesClient client = server.createClient();
        final Engine engine = new Engine(rules);
        final KubernetesSource source;
        final LeaseElection election;
        final WorkspaceStatusWriter writer;
        private final WorkspaceStatusWriter[] writerRef = new WorkspaceStatusWriter[1];

        Replica(String name) throws Exception {
            this.name = name;
            engine.start();
            source = new KubernetesSource("demo", client, engine::submit, true);
            source.start();
            source.synced().get(10, TimeUnit.SECONDS);
            engine.sync().get(30, TimeUnit.SECONDS);
            election = LeaseElection.start(client, FAST, name, new LeaseElection.Listener() {
                @Override
                public void startedLeading() {
                    if (writerRef[0] != null) writerRef[0].poke();
                }

                @Override
                public void stoppedLeading() {}
            });
            writer = new WorkspaceStatusWriter(engine, List.of(source), election, Clock.systemUTC(), Duration.ofSeconds(1));
            writerRef[0] = writer;
            writer.poke();
        }

        @Override
        public void close() {
            writer.close();
            election.close();
            source.close();
            engine.close();
            client.close();
        }
    }

    private GenericKubernetesResource workspace(String name, String scope, String consumer, int priority) {
        return client.getKubernetesSerialization().unmarshal("""
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: %s}
                spec:
                  scope: "%s"
                  catchAll: {ingress: DENY, egress: DENY}
                  policies:
                    - id: production-to-db
                      consumer: "%s"
                      provider: "orchestrator_system/service_name = db"
                      ports: ["TCP 27017"]
                      action: ALLOW
                      priority: %d
                """.formatted(name, scope, consumer, priority), GenericKubernetesResource.class);
    }

    private static final String PRODUCTION = "environment = production";

    /** Two nodes, the db NodePort service, a db pod and a production web pod; "seed" covers the cluster, "narrow" leaves the nodes out (a warning). */
    private void cluster() throws Exception {
        SeedCluster seed = new SeedCluster(client);
        seed.nodes(2);
        seed.dbService();
        seed.pod("data", "db-0", "node-1", "10.244.1.10", "{app: db}");
        seed.pod("web", "web-prod-0", "node-1", "10.244.1.20", "{app: web, environment: production}");
        seed.workspaceCrd();
        client.genericKubernetesResources(KubeApi.WORKSPACE_RESOURCE)
                .resource(workspace("seed", "orchestrator_system/cluster_name = demo", PRODUCTION, 100)).create();
        client.genericKubernetesResources(KubeApi.WORKSPACE_RESOURCE)
                .resource(workspace("narrow", PRODUCTION + " OR app = db", PRODUCTION, 100)).create();
    }

    private GenericKubernetesResource read(String name) {
        return client.genericKubernetesResources(KubeApi.WORKSPACE_RESOURCE).withName(name).get();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> condition(String workspace, String type) {
        Object status = read(workspace).getAdditionalProperties().get("status");
        if (!(status instanceof Map<?, ?> s) || !(s.get("conditions") instanceof List<?> list)) return null;
        for (Object c : list) {
            if (c instanceof Map<?, ?> m && type.equals(m.get("type"))) return (Map<String, Object>) m;
        }
        return null;
    }

    private Map<String, Object> awaitCondition(String workspace, String type, String status, String messagePart) {
        return Await.value(workspace + " " + type + "=" + status + " with \"" + messagePart + "\"", WAIT, () -> {
            Map<String, Object> c = condition(workspace, type);
            return c != null && status.equals(c.get("status")) && String.valueOf(c.get("message")).contains(messagePart)
                    ? Optional.of(c) : Optional.empty();
        });
    }

    @Test
    void onlyTheLeaderWritesWorkspaceStatusOnlyWhenItChangesAndTheFollowerTakesOver() throws Exception {
        cluster();
        Replica a = new Replica("replica-a");
        open.add(a);
        Replica b = new Replica("replica-b");
        open.add(b);
        Await.until("a leader", WAIT, () -> a.election.leading() || b.election.leading());
        Replica leader = a.election.leading() ? a : b;
        Replica follower = leader == a ? b : a;

        Map<String, Object> compiled = awaitCondition("seed", "Compiled", "True", " rules at engine version ");
        System.out.println("seed: " + read("seed").getAdditionalProperties().get("status"));
        assertThat(compiled.get("reason")).isEqualTo("Compiled");
        assertThat(((Number) compiled.get("observedGeneration")).longValue()).isEqualTo(1);
        assertThat(compiled.get("lastTransitionTime")).isNotNull();
        int rules = Integer.parseInt(String.valueOf(compiled.get("message")).split(" ")[0]);
        assertThat(rules).isPositive();
        assertThat(condition("seed", "Warnings")).containsEntry("status", "False").containsEntry("reason", "NoWarnings");
        Map<String, Object> warnings = awaitCondition("narrow", "Warnings", "True", "excludes nodes");
        System.out.println("narrow: " + read("narrow").getAdditionalProperties().get("status"));
        assertThat(warnings.get("message").toString()).startsWith("1 warnings: narrow/production-to-db: ");
        assertThat(leader.writer.writes()).isEqualTo(2);

        // a spec edit of one workspace: that one is written again (its generation), the other is not
        String narrowVersion = read("narrow").getMetadata().getResourceVersion();
        client.genericKubernetesResources(KubeApi.WORKSPACE_RESOURCE).withName("seed")
                .edit(r -> workspace("seed", "orchestrator_system/cluster_name = demo", PRODUCTION, 90));
        Await.value("seed's status at generation 2", WAIT, () -> {
            Map<String, Object> c = condition("seed", "Compiled");
            return c != null && ((Number) c.get("observedGeneration")).longValue() == 2 ? Optional.of(c) : Optional.empty();
        });
        Await.until("a pass after the edit", WAIT, () -> leader.writer.writes() >= 3);
        // several passes (the 1 s resync) later, nothing else was written
        long passes = leader.writer.writes();
        leader.writer.poke();
        Thread.sleep(1500);
        assertThat(leader.writer.writes()).isEqualTo(passes).isEqualTo(3);
        assertThat(read("narrow").getMetadata().getResourceVersion()).isEqualTo(narrowVersion);

        // a refused spec: Compiled False with the reader's first error
        client.genericKubernetesResources(KubeApi.WORKSPACE_RESOURCE).withName("narrow")
                .edit(r -> workspace("narrow", PRODUCTION + " OR app = db", "environment = = production", 100));
        Map<String, Object> refused = awaitCondition("narrow", "Compiled", "False", "spec.policies[0].consumer");
        assertThat(refused.get("reason")).isEqualTo("Refused");
        assertThat(follower.writer.writes()).isZero();

        // the leader leaves: the follower leads, and states the repaired workspace
        leader.close();
        open.remove(leader);
        long leaderWrites = leader.writer.writes();
        Await.until("the follower to lead", WAIT, follower.election::leading);
        client.genericKubernetesResources(KubeApi.WORKSPACE_RESOURCE).withName("narrow")
                .edit(r -> workspace("narrow", PRODUCTION + " OR app = db", PRODUCTION, 100));
        awaitCondition("narrow", "Compiled", "True", " rules at engine version ");
        // the writer counts a write once the API server answered it, which may be after the test reads it
        Await.until("the follower to count its write", WAIT, () -> follower.writer.writes() > 0);
        assertThat(leader.writer.writes()).isEqualTo(leaderWrites);
        assertThat(client.leases().inNamespace("microseg").withName("microseg-server").get().getSpec().getHolderIdentity())
                .isEqualTo(follower.name);
    }
}
