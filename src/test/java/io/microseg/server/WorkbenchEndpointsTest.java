package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.microseg.server.TestServer.NODE_1;
import static io.microseg.server.TestServer.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;

/** The policy experts' tools on the live server: trace, warnings with cluster safety, DRL reload. */
class WorkbenchEndpointsTest {
    private static final String NODES_RULE = "Provider pods accept the nodes of the cluster on the target port";

    @TempDir
    Path dir;
    Path rules;
    TestServer t;

    @BeforeEach
    void start() {
        rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        t = new TestServer(dir, TestServer.settings(), rules).start();
    }

    @AfterEach
    void stop() {
        t.close();
    }

    /** A NetworkPolicy written into the watched inventory: the trace JSON's hop says which of its rules missed, and how. */
    @Test
    void traceOfANetworkPolicyIsolationListsWhatEachOfItsRulesMissed() {
        TestFiles.write(t.inventory.resolve("np.yaml"), """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: db-from-production, namespace: data}
                spec:
                  podSelector: {matchLabels: {app: db}}
                  ingress:
                    - from: [{namespaceSelector: {}, podSelector: {matchLabels: {environment: production}}}]
                      ports: [{port: mongo}]
                """);
        String url = "/v1/trace?from=pod/demo/web/web-dev-0&to=pod/demo/data/db-0&port=tcp/27017";
        JsonNode denied = io.microseg.testing.Await.value("the isolation in force", io.microseg.testing.Await.DEFAULT, () -> {
            JsonNode d = t.get(url, OPERATOR).json();
            return d.toString().contains("netpol/demo/data/db-from-production/isolation") ? java.util.Optional.of(d) : java.util.Optional.empty();
        });
        assertThat(denied.get("verdict").asText()).isEqualTo("DENY");
        JsonNode hop = null;
        for (JsonNode h : denied.get("hops")) if (h.get("verdict").asText().equals("DENY")) hop = h;
        assertThat(hop).isNotNull();
        assertThat(hop.get("rule").get("policy").asText()).isEqualTo("netpol/demo/data/db-from-production/isolation");
        List<String> why = new ArrayList<>();
        hop.get("why").forEach(w -> why.add(w.asText()));
        assertThat(why).contains("NetworkPolicy data/db-from-production ingress[0]: peer missed: from[0] namespaceSelector {} and"
                + " podSelector environment=production does not select pod/demo/web/web-dev-0 (10.244.2.20): it has labels"
                + " app=web,environment=development");
        assertThat(denied.get("why").toString()).contains("NetworkPolicy data/db-from-production ingress[0]: peer missed");

        // From the production pod, the peer matches and the named port means 27017 on db-0: allowed by the policy.
        JsonNode allowed = t.get("/v1/trace?from=pod/demo/web/web-prod-0&to=pod/demo/data/db-0&port=tcp/27017", OPERATOR).json();
        assertThat(allowed.toString()).doesNotContain("db-from-production ingress[0]");
        JsonNode otherPort = t.get("/v1/trace?from=pod/demo/web/web-prod-0&to=pod/demo/data/db-0&port=tcp/27018", OPERATOR).json();
        assertThat(otherPort.toString()).contains("NetworkPolicy data/db-from-production ingress[0]: port missed: it allows TCP mongo"
                + " (27017 on pod/demo/data/db-0), the flow is TCP 27018");
    }

    @Test
    void traceAnswersAllowAndDenyWithTheDecidingRule() {
        JsonNode allowed = t.get("/v1/trace?from=host/backup-prod&to=node/demo/node-1&port=tcp/30017", OPERATOR).json();
        assertThat(allowed.get("verdict").asText()).isEqualTo("ALLOW");
        assertThat(allowed.get("text").asText()).contains("Consumers reach the node port on every node of the service's cluster")
                .contains("rules/services.drl:");

        JsonNode denied = t.get("/v1/trace?from=pod/demo/web/web-prod-0&to=pod/demo/data/db-0&port=tcp/27017", OPERATOR).json();
        assertThat(denied.get("verdict").asText()).isEqualTo("DENY");
        assertThat(denied.get("text").asText()).contains("the policy opens the service, not the pod");

        assertThat(t.get("/v1/trace?from=pod/demo/web/nope&to=node/demo/node-1&port=tcp/30017", OPERATOR).status()).isEqualTo(400);

        JsonNode unmanaged = t.get("/v1/trace?from=203.0.113.9&to=db.data&port=tcp/30017&via=node/demo/node-2", OPERATOR).json();
        assertThat(unmanaged.get("verdict").asText()).isEqualTo("DENY");
        assertThat(unmanaged.get("text").asText()).contains("2. entry node accepts the original source on node/demo/node-2:"
                + " INGRESS from outside 203.0.113.9 TCP 30017 at 10.0.0.12: DENY");
        JsonNode viaIp = t.get("/v1/trace?from=host/backup-prod&to=db.data&port=tcp/30017&via=10.0.0.12", OPERATOR).json();
        assertThat(viaIp.get("verdict").asText()).isEqualTo("ALLOW");
        assertThat(viaIp.get("text").asText()).contains("entry node accepts the original source on node/demo/node-2");
        TestServer.Response wrongNode = t.get("/v1/trace?from=host/backup-prod&to=node/demo/node-1&port=tcp/30017&via=node-2", OPERATOR);
        assertThat(wrongNode.status()).isEqualTo(400);
        assertThat(wrongNode.body()).contains("--via").contains("node/demo/node-1");
        assertThat(t.get("/v1/trace?from=host/backup-prod&to=node/demo/node-1&port=tcp/30017", NODE_1).status()).isEqualTo(403);
    }

    @Test
    void warningsIncludeTheClusterSafetyAnalysis() {
        JsonNode warnings = t.get("/v1/warnings", OPERATOR).json().get("warnings");
        List<String> messages = new ArrayList<>();
        warnings.forEach(w -> messages.add(w.get("policy").asText() + ": " + w.get("message").asText()));
        assertThat(messages).anyMatch(m -> m.startsWith("demo/catch-all: ") && m.contains("10250"));
    }

    @Test
    void aBrokenDrlEditIsRefusedAtItsLineAndARuleRemovedByNameReachesTheAgentsAsADelta() {
        int line = TestFiles.lineOf(rules.resolve("services.drl"), "$g : ServiceGrant(hasNodePort, !preservesClientIp, action == Action.ALLOW)");
        String original = TestFiles.read(rules.resolve("services.drl"));
        assertThat(ruleNames(t.get("/v1/nodes/demo/node-1/rules", NODE_1).json())).as("node-1 has a rule of it first").contains(NODES_RULE);
        try (TestServer.Stream s = t.watch("/v1/nodes/demo/node-1/watch", NODE_1)) {
            long v0 = s.next().get("version").asLong();

            TestFiles.edit(rules.resolve("services.drl"), "$g : ServiceGrant(hasNodePort, !preservesClientIp, action == Action.ALLOW)",
                    "$g : ServiceGrant(hasNodePort, !keepsClientIp, action == Action.ALLOW)");
            TestServer.Response refused = t.post("/v1/rules/reload", OPERATOR);
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            assertThat(refused.json().get("problems").get(0).get("location").asText()).startsWith("rules/services.drl:" + line + ":");
            assertThat(refused.json().get("problems").get(0).get("rule").asText()).isEqualTo(NODES_RULE);

            TestFiles.write(rules.resolve("services.drl"), original.substring(0, original.indexOf("rule \"" + NODES_RULE + "\""))
                    + original.substring(original.indexOf("\nend", original.indexOf("rule \"" + NODES_RULE + "\"")) + 4));
            // a rule set without a rule the running one has is only applied when the rule's removal is asked for
            TestServer.Response drops = t.post("/v1/rules/reload", OPERATOR);
            assertThat(drops.status()).as(drops.body()).isEqualTo(409);
            assertThat(drops.json().get("reason").asText()).isEqualTo("drops_rules");
            assertThat(drops.json().get("dropped").get(0).asText()).isEqualTo(NODES_RULE);
            TestServer.Response applied = t.post("/v1/rules/reload", OPERATOR, "{\"remove\": [\"" + NODES_RULE + "\"]}");
            assertThat(applied.status()).as(applied.body()).isEqualTo(200);
            assertThat(applied.json().get("version").asLong()).isGreaterThan(v0);

            // the broken edit never reached the agent; the good one arrives as an ordinary delta: db-0 stops accepting the nodes
            JsonNode delta = s.next(Duration.ofSeconds(30), false);
            assertThat(delta.get("type").asText()).isEqualTo("delta");
            assertThat(delta.get("rulesAdded")).isEmpty();
            assertThat(delta.get("rulesRemoved")).hasSize(1);
        }
        assertThat(ruleNames(t.get("/v1/nodes/demo/node-1/rules", NODE_1).json())).as("node-1 keeps its other rules")
                .isNotEmpty().doesNotContain(NODES_RULE);
        assertThat(t.post("/v1/rules/reload", NODE_1).status()).isEqualTo(403);
    }

    /** The DRL rule of each compiled rule in a /rules response. */
    private static List<String> ruleNames(JsonNode response) {
        List<String> names = new ArrayList<>();
        response.get("rules").forEach(r -> names.add(r.get("rule").asText()));
        return names;
    }
}
