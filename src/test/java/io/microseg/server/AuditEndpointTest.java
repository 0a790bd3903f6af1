package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.testing.Await;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /v1/audit} over real HTTP: the demo's workspace in audit mode, two agents reporting their
 * audited rules' counters in their status reports, summed per rule, policy and workspace; a counter that
 * goes on adds its growth, a re-created one all it counted; switching the workspace to enforce and back
 * starts again from zero.
 */
class AuditEndpointTest {
    private static final String NODE_1 = "/v1/nodes/demo/node-1/status";
    private static final String NODE_2 = "/v1/nodes/demo/node-2/status";

    @TempDir
    Path dir;
    private TestServer server;

    @AfterEach
    void close() {
        if (server != null) server.close();
    }

    private Path demo() {
        return server.policies.resolve("demo.yaml");
    }

    private static String report(String identity, String counters) {
        return """
                {"identity":"%s","epoch":null,"appliedVersion":-1,"namespaces":[],"pendingPods":[],"lastError":null,
                 "auditCounters":[%s]}
                """.formatted(identity, counters);
    }

    private static String counter(String rule, String instance, long packets, long bytes) {
        return "{\"rule\":\"%s\",\"instance\":\"%s\",\"packets\":%d,\"bytes\":%d}".formatted(rule, instance, packets, bytes);
    }

    private JsonNode audit() {
        TestServer.Response r = server.get("/v1/audit", TestServer.OPERATOR);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private JsonNode policy(JsonNode audit, String policy) {
        for (JsonNode w : audit.get("workspaces")) for (JsonNode p : w.get("policies")) if (p.get("policy").asText().equals(policy)) return p;
        throw new AssertionError(policy + " not listed: " + audit);
    }

    /** The id of the audited catch-all rule of a workload in one direction. */
    private String catchAllOf(JsonNode audit, String workload, String direction) {
        for (JsonNode r : policy(audit, "demo/catch-all").get("rules")) {
            if (r.get("workload").asText().equals(workload) && r.get("direction").asText().equals(direction)) return r.get("id").asText();
        }
        throw new AssertionError("no catch-all of " + workload + " " + direction + ": " + audit);
    }

    private JsonNode rule(JsonNode audit, String id) {
        for (JsonNode r : policy(audit, "demo/catch-all").get("rules")) if (r.get("id").asText().equals(id)) return r;
        throw new AssertionError(id + " not listed: " + audit);
    }

    private void put(String path, String token, String body) {
        TestServer.Response r = server.put(path, token, body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void reportsOfTwoAgentsAreSummedPerRulePolicyAndWorkspace() {
        server = new TestServer(dir, TestServer.settings());
        TestFiles.edit(demo(), "  catchAll:\n", "  enforcement: audit\n  catchAll:\n");
        server.start();

        JsonNode before = audit();
        assertThat(before.get("workspaces")).singleElement().satisfies(w -> {
            assertThat(w.get("workspace").asText()).isEqualTo("demo");
            assertThat(w.get("packets").asLong()).isZero();
        });
        assertThat(policy(before, "demo/catch-all").get("catchAll").asBoolean()).isTrue();
        String node1In = catchAllOf(before, "node/demo/node-1", "INGRESS");
        String node2In = catchAllOf(before, "node/demo/node-2", "INGRESS");
        String podIn = catchAllOf(before, "pod/demo/data/db-0", "INGRESS");

        put(NODE_1, TestServer.NODE_1, report("node/demo/node-1", counter(node1In, "3/10,11", 4, 240) + "," + counter(podIn, "1/7,8", 1, 60)));
        put(NODE_2, TestServer.NODE_2, report("node/demo/node-2", counter(node2In, "5/2,3", 2, 120) + "," + counter(podIn, "9/4,5", 3, 180)));
        JsonNode a = audit();
        assertThat(rule(a, node1In).get("packets").asLong()).isEqualTo(4);
        assertThat(rule(a, podIn).get("packets").asLong()).as("a pod that moved: both agents' counts").isEqualTo(4);
        assertThat(rule(a, podIn).get("agents").asInt()).isEqualTo(2);
        assertThat(policy(a, "demo/catch-all").get("packets").asLong()).isEqualTo(4 + 1 + 2 + 3);
        assertThat(policy(a, "demo/catch-all").get("bytes").asLong()).isEqualTo(240 + 60 + 120 + 180);
        assertThat(a.get("workspaces").get(0).get("packets").asLong()).isEqualTo(10);

        // the same instance went on: its growth counts; node-1 no longer holds the pod's rule: forgotten for node-1
        put(NODE_1, TestServer.NODE_1, report("node/demo/node-1", counter(node1In, "3/10,11", 6, 360)));
        assertThat(rule(audit(), node1In).get("packets").asLong()).isEqualTo(6);
        assertThat(rule(audit(), podIn).get("packets").asLong()).isEqualTo(3);
        // re-created (another table): all it counted adds to the total
        put(NODE_1, TestServer.NODE_1, report("node/demo/node-1", counter(node1In, "4/10,11", 1, 60)));
        assertThat(rule(audit(), node1In).get("packets").asLong()).isEqualTo(7);
        // the same instance, lower: read as started again
        put(NODE_1, TestServer.NODE_1, report("node/demo/node-1", counter(node1In, "4/10,11", 0, 0)));
        assertThat(rule(audit(), node1In).get("packets").asLong()).isEqualTo(7);
        put(NODE_1, TestServer.NODE_1, report("node/demo/node-1", counter(node1In, "4/10,11", 2, 120)));
        assertThat(rule(audit(), node1In).get("packets").asLong()).isEqualTo(9);

        // operators only; a malformed counter names the field
        assertThat(server.get("/v1/audit", TestServer.NODE_1).status()).isEqualTo(403);
        TestServer.Response bad = server.put(NODE_1, TestServer.NODE_1, report("node/demo/node-1", counter(node1In, "4/10,11", -1, 0)));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("auditCounters[0].packets");

        // to enforce: nothing audited any more; back to audit: the same rule ids, counting from zero
        TestFiles.edit(demo(), "  enforcement: audit\n", "  enforcement: enforce\n");
        Await.until("the workspace is enforced", Duration.ofSeconds(10), () -> audit().get("workspaces").isEmpty());
        TestFiles.edit(demo(), "  enforcement: enforce\n", "  enforcement: audit\n");
        Await.until("the workspace is audited again", Duration.ofSeconds(10), () -> !audit().get("workspaces").isEmpty());
        assertThat(rule(audit(), node1In).get("packets").asLong()).isZero();
        assertThat(audit().get("workspaces").get(0).get("packets").asLong()).isZero();
    }
}
