package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.config.MicrosegConfig;
import io.microseg.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Agents' status reports against the real server over HTTP: {@code PUT .../status} by the agent itself,
 * {@code GET /v1/agents} for operators, each sync condition on its own, who may report, and malformed
 * reports. The server's clock is moved by hand, so that a stale report is stale without waiting.
 */
class AgentStatusTest {
    private static final String EPOCH = "00000000000000e1";
    private static final String NODE_1 = "/v1/nodes/demo/node-1/status";

    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final MovableClock clock = new MovableClock(Instant.parse("2026-03-01T10:00:00Z"));

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    /** A clock the test moves forward. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private TestServer start(MicrosegConfig.Server settings) {
        TestServer t = new TestServer(dir, settings, null, clock, EPOCH).start();
        open.add(t);
        return t;
    }

    private TestServer start() {
        return start(TestServer.settings());
    }

    /** The version the server's feed holds for node-1's stream: what GET .../rules of node-1 answers is at least that. */
    private static long versionOfNode1(TestServer t) {
        return t.get("/v1/nodes/demo/node-1/rules", TestServer.NODE_1).json().get("version").asLong();
    }

    private static String report(String identity, String epoch, long applied, String namespaces, String pending) {
        return """
                {"identity":"%s","epoch":"%s","appliedVersion":%d,
                 "namespaces":[%s],"pendingPods":[%s],"lastError":null}
                """.formatted(identity, epoch, applied, namespaces, pending);
    }

    private static final String APPLIED = """
            {"workload":"node/demo/node-1","netns":"","applied":true,"rules":12,"error":null},
            {"workload":"pod/demo/data/db-0","netns":"/proc/123/ns/net","applied":true,"rules":3,"error":null}""";

    private static JsonNode agent(TestServer t, String identity) {
        TestServer.Response r = t.get("/v1/agents", TestServer.OPERATOR);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        for (JsonNode a : r.json().get("agents")) {
            if (a.get("identity").asText().equals(identity)) return a;
        }
        throw new AssertionError(identity + " is not listed: " + r.body());
    }

    @Test
    void anAgentThatAppliedTheCurrentVersionIsInSyncAndNodesThatNeverReportedAreListedOutOfSync() {
        TestServer t = start();
        long version = versionOfNode1(t);
        TestServer.Response put = t.put(NODE_1, TestServer.NODE_1, report("node/demo/node-1", EPOCH, version, APPLIED, ""));
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().get("inSync").asBoolean()).as(put.body()).isTrue();

        TestServer.Response all = t.get("/v1/agents", TestServer.OPERATOR);
        System.out.println("GET /v1/agents: " + all.body());
        assertThat(all.json().get("epoch").asText()).isEqualTo(EPOCH);
        assertThat(all.json().get("replica").asText()).isNotBlank();
        List<String> identities = new ArrayList<>();
        all.json().get("agents").forEach(a -> identities.add(a.get("identity").asText()));
        assertThat(identities).containsExactly("host/backup-prod", "host/laptop-dev", "node/demo/node-1", "node/demo/node-2");

        JsonNode n1 = agent(t, "node/demo/node-1");
        assertThat(n1.get("inSync").asBoolean()).as(n1.toString()).isTrue();
        assertThat(n1.get("reported").asBoolean()).isTrue();
        assertThat(n1.get("appliedVersion").asLong()).isEqualTo(version);
        assertThat(n1.get("serverVersion").asLong()).isLessThanOrEqualTo(version);
        assertThat(n1.get("lastReport").asText()).isEqualTo("2026-03-01T10:00:00Z");
        assertThat(n1.get("connected").asBoolean()).isFalse();
        assertThat(n1.get("namespaces")).hasSize(2);
        assertThat(n1.get("namespaces").get(1).get("netns").asText()).isEqualTo("/proc/123/ns/net");

        // an expected node without an agent
        JsonNode n2 = agent(t, "node/demo/node-2");
        assertThat(n2.get("reported").asBoolean()).isFalse();
        assertThat(n2.get("inSync").asBoolean()).isFalse();
        assertThat(n2.get("expected").asBoolean()).isTrue();
        assertThat(n2.get("reasons").toString()).contains("never reported");

        String metrics = t.get("/metrics", null).body();
        assertThat(metrics).contains("microseg_agents_known 4.0", "microseg_agents_in_sync 1.0", "microseg_agents_out_of_sync 3.0",
                "microseg_agents_never_reported 3.0", "microseg_agents_expected 4.0", "microseg_leader 1.0");
    }

    @Test
    void anAgentWithAWatchStreamOpenHereIsConnected() {
        TestServer t = start();
        try (TestServer.Stream s = t.watch("/v1/nodes/demo/node-1/watch", TestServer.NODE_1)) {
            s.next();
            Await.until("node-1 connected", () -> agent(t, "node/demo/node-1").get("connected").asBoolean());
        }
        Await.until("node-1 no longer connected", () -> !agent(t, "node/demo/node-1").get("connected").asBoolean());
    }

    @Test
    void aStaleReportIsOutOfSync() {
        TestServer t = start();
        long version = versionOfNode1(t);
        t.put(NODE_1, TestServer.NODE_1, report("node/demo/node-1", EPOCH, version, APPLIED, ""));
        clock.advance(Duration.ofSeconds(90));
        assertThat(agent(t, "node/demo/node-1").get("inSync").asBoolean()).isTrue(); // 90 s is not older than staleAfter
        clock.advance(Duration.ofSeconds(1));
        JsonNode n1 = agent(t, "node/demo/node-1");
        assertThat(n1.get("inSync").asBoolean()).isFalse();
        assertThat(n1.get("reasons").toString()).contains("last report 91 s ago, older than 90 s");
    }

    @Test
    void aFailedNamespaceOrAPendingPodOrAnotherEpochOrAnOlderVersionIsOutOfSync() {
        TestServer t = start();
        long version = versionOfNode1(t);
        String failed = """
                {"workload":"node/demo/node-1","netns":"","applied":true,"rules":12,"error":null},
                {"workload":"pod/demo/data/db-0","netns":"/proc/123/ns/net","applied":false,"rules":3,"error":"nft: syntax error"}""";
        assertOutOfSync(t, report("node/demo/node-1", EPOCH, version, failed, ""), "pod/demo/data/db-0 (/proc/123/ns/net) failed: nft: syntax error");
        assertOutOfSync(t, report("node/demo/node-1", EPOCH, version, APPLIED, "\"pod/demo/web/web-prod-0\""),
                "1 pods wait for their network namespace");
        assertOutOfSync(t, report("node/demo/node-1", "00000000000000e2", version, APPLIED, ""),
                "applied the stream of epoch 00000000000000e2, not this replica's " + EPOCH);
        long serverVersion = agent(t, "node/demo/node-1").get("serverVersion").asLong();
        assertOutOfSync(t, report("node/demo/node-1", EPOCH, serverVersion - 1, APPLIED, ""),
                "applied version " + (serverVersion - 1) + ", behind " + serverVersion);
        // and back in sync
        assertThat(t.put(NODE_1, TestServer.NODE_1, report("node/demo/node-1", EPOCH, version, APPLIED, "")).json().get("inSync").asBoolean())
                .isTrue();
        assertThat(agent(t, "node/demo/node-1").get("inSync").asBoolean()).isTrue();
    }

    private static void assertOutOfSync(TestServer t, String report, String reason) {
        TestServer.Response put = t.put(NODE_1, TestServer.NODE_1, report);
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().get("inSync").asBoolean()).as(put.body()).isFalse();
        JsonNode n1 = agent(t, "node/demo/node-1");
        assertThat(n1.get("inSync").asBoolean()).isFalse();
        assertThat(n1.get("reasons").toString()).contains(reason);
    }

    @Test
    void anAgentMayReportItsOwnStatusOnlyAndOperatorsMayNotReportAtAll() {
        TestServer t = start();
        long version = versionOfNode1(t);
        TestServer.Response other = t.put("/v1/nodes/demo/node-2/status", TestServer.NODE_1,
                report("node/demo/node-2", EPOCH, version, "", ""));
        assertThat(other.status()).as(other.body()).isEqualTo(403);
        assertThat(other.json().get("error").asText()).contains("node/demo/node-1 may report its own status only");
        TestServer.Response operator = t.put(NODE_1, TestServer.OPERATOR, report("node/demo/node-1", EPOCH, version, APPLIED, ""));
        assertThat(operator.status()).as(operator.body()).isEqualTo(403);
        TestServer.Response anonymous = t.put(NODE_1, null, report("node/demo/node-1", EPOCH, version, APPLIED, ""));
        assertThat(anonymous.status()).isEqualTo(401);
        // on its own path, another identity in the body is refused too
        TestServer.Response body = t.put(NODE_1, TestServer.NODE_1, report("node/demo/node-2", EPOCH, version, APPLIED, ""));
        assertThat(body.status()).as(body.body()).isEqualTo(400);
        assertThat(body.json().get("error").asText()).contains("field 'identity'", "expected node/demo/node-1");
        // agents do not read the list
        assertThat(t.get("/v1/agents", TestServer.NODE_1).status()).isEqualTo(403);
        // none of it was kept
        assertThat(agent(t, "node/demo/node-1").get("reported").asBoolean()).isFalse();
        assertThat(agent(t, "node/demo/node-2").get("reported").asBoolean()).isFalse();
    }

    @Test
    void malformedReportsAreRefusedNamingTheField() {
        TestServer t = start(TestServer.settings().withAgentStatus(new MicrosegConfig.AgentStatus(2048, Duration.ofSeconds(90), 10)));
        assertMalformed(t, "{\"identity\":\"node/demo/node-1\",\"epoch\":\"" + EPOCH + "\",\"namespaces\":[],\"pendingPods\":[]}",
                "field 'appliedVersion': missing");
        assertMalformed(t, report("node/demo/node-1", EPOCH, 5,
                "{\"workload\":\"node/demo/node-1\",\"netns\":\"\",\"applied\":\"yes\",\"rules\":1}", ""), "namespaces[0].applied");
        assertMalformed(t, "{\"identity\":\"node/demo/node-1\",\"epoch\":\"e\",\"appliedVersion\":\"7\",\"namespaces\":[],\"pendingPods\":[]}",
                "field 'appliedVersion': expected an integer");
        assertMalformed(t, "{\"identity\":", "not JSON");
        assertMalformed(t, "[]", "expected a JSON object");
        String big = report("node/demo/node-1", EPOCH, 5, APPLIED, "\"" + "p".repeat(3000) + "\"");
        TestServer.Response tooBig = t.put(NODE_1, TestServer.NODE_1, big);
        assertThat(tooBig.status()).isEqualTo(413);
        assertThat(tooBig.json().get("error").asText()).contains("server.agentStatus.maxBodyBytes (2048 bytes)");
        assertThat(agent(t, "node/demo/node-1").get("reported").asBoolean()).isFalse();
    }

    private static void assertMalformed(TestServer t, String body, String field) {
        TestServer.Response r = t.put(NODE_1, TestServer.NODE_1, body);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).contains(field);
    }

    @Test
    void beyondMaxAgentsANewIdentityIsRefusedAndKnownOnesStillReport() {
        TestServer t = start(TestServer.settings().withAgentStatus(new MicrosegConfig.AgentStatus(65536, Duration.ofSeconds(90), 1)));
        long version = versionOfNode1(t);
        assertThat(t.put(NODE_1, TestServer.NODE_1, report("node/demo/node-1", EPOCH, version, APPLIED, "")).status()).isEqualTo(200);
        TestServer.Response second = t.put("/v1/nodes/demo/node-2/status", TestServer.NODE_2, report("node/demo/node-2", EPOCH, version, "", ""));
        assertThat(second.status()).as(second.body()).isEqualTo(503);
        assertThat(second.json().get("error").asText()).contains("server.agentStatus.maxAgents");
        assertThat(t.put(NODE_1, TestServer.NODE_1, report("node/demo/node-1", EPOCH, version, APPLIED, "")).status()).isEqualTo(200);
    }
}
