package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.testing.Await;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;

import static io.microseg.server.TestServer.BACKUP;
import static io.microseg.server.TestServer.NODE_1;
import static io.microseg.server.TestServer.NODE_2;
import static io.microseg.server.TestServer.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;

/** The real server over real HTTP, on a real engine watching a copy of the demo folders. */
class MicrosegServerTest {
    private static final String NODE_1_RULES = "/v1/nodes/demo/node-1/rules";
    private static final String NODE_1_WATCH = "/v1/nodes/demo/node-1/watch";

    @TempDir
    Path dir;
    TestServer t;

    @BeforeEach
    void start() {
        t = new TestServer(dir, TestServer.settings()).start();
    }

    @AfterEach
    void stop() {
        t.close();
    }

    @Test
    void aNodesRulesAreThoseOfItselfAndItsPodsWithExactlyTheSetsTheyUse() {
        TestServer.Response r = t.get(NODE_1_RULES, NODE_1);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.raw().headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode json = r.json();
        assertThat(json.get("version").asLong()).isEqualTo(t.server.feed().version()).isPositive();

        List<JsonNode> rules = list(json.get("rules"));
        assertThat(rules).extracting(x -> x.get("workload").asText()).containsOnly(
                "node/demo/node-1", "pod/demo/data/db-0", "pod/demo/web/web-prod-0")
                .contains("node/demo/node-1", "pod/demo/data/db-0", "pod/demo/web/web-prod-0");
        // the seed's rule 3 on the node, and rule 1 on its production pod, in the compile JSON's shape
        assertThat(rules).anySatisfy(x -> {
            assertThat(x.get("workload").asText()).isEqualTo("node/demo/node-1");
            assertThat(x.get("peerSet").asText()).isEqualTo("backends:demo/data/db:tcp/27017");
            assertThat(x.get("ports").asText()).isEqualTo("27017");
            assertThat(x.fieldNames()).toIterable().containsExactly("id", "workload", "direction", "action", "protocol",
                    "ports", "peerSet", "rule", "policy", "rank", "priority");
        });
        assertThat(rules).anySatisfy(x -> assertThat(x.get("workload").asText() + " " + x.get("peerSet").asText())
                .isEqualTo("pod/demo/web/web-prod-0 nodes:demo"));

        Set<String> used = new HashSet<>();
        rules.forEach(x -> {
            if (!x.get("peerSet").isNull()) used.add(x.get("peerSet").asText());
        });
        assertThat(list(json.get("sets"))).extracting(s -> s.get("id").asText()).containsExactlyInAnyOrderElementsOf(used);
        assertThat(list(json.get("sets"))).filteredOn(s -> s.get("id").asText().equals("nodes:demo"))
                .singleElement().satisfies(s -> assertThat(list(s.get("members"))).extracting(JsonNode::asText)
                        .containsExactly("10.0.0.11", "10.0.0.12"));

        // a host's agent: its own rules
        TestServer.Response host = t.get("/v1/hosts/backup-prod/rules", BACKUP);
        assertThat(host.status()).isEqualTo(200);
        assertThat(list(host.json().get("rules"))).isNotEmpty().allMatch(x -> x.get("workload").asText().equals("host/backup-prod"));

        assertThat(t.get("/v1/nodes/demo/node-9/rules", OPERATOR).status()).isEqualTo(404);
        assertThat(t.get("/v1/nodes/demo/node-9/rules", OPERATOR).json().get("error").asText()).contains("node/demo/node-9");
    }

    @Test
    void aWatchGetsASnapshotThenADeltaWhenADemoFileChanges() {
        try (TestServer.Stream s = t.watch(NODE_1_WATCH, NODE_1)) {
            assertThat(s.response.statusCode()).isEqualTo(200);
            assertThat(s.response.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
            JsonNode snapshot = s.next();
            assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
            assertThat(snapshot.get("replace").asBoolean()).isFalse();
            long v0 = snapshot.get("version").asLong();
            List<String> egress = list(snapshot.get("rules")).stream()
                    .filter(r -> r.get("workload").asText().equals("pod/demo/web/web-prod-0") && r.get("direction").asText().equals("EGRESS")
                            && !r.get("rank").asText().equals("CATCHALL"))
                    .map(r -> r.get("id").asText()).toList();
            assertThat(egress).hasSize(2);

            relabelWebProd("development");

            JsonNode delta = s.next();
            assertThat(delta.get("type").asText()).isEqualTo("delta");
            assertThat(delta.get("version").asLong()).isGreaterThan(v0);
            assertThat(list(delta.get("rulesRemoved"))).extracting(JsonNode::asText).containsAll(egress);
            assertThat(delta.fieldNames()).toIterable().containsExactly("type", "version", "rulesAdded", "rulesRemoved",
                    "setsAdded", "setsRemoved", "setMembers", "workloadsAdded", "workloadsRemoved");
        }
    }

    @Test
    void resumingWithSinceGetsOnlyTheLaterDeltas() {
        long v1;
        long v2;
        try (TestServer.Stream s = t.watch(NODE_1_WATCH, NODE_1)) {
            s.next();
            relabelWebProd("development");
            v1 = s.next().get("version").asLong();
            relabelWebProd("production");
            JsonNode second = s.next();
            v2 = second.get("version").asLong();
            assertThat(list(second.get("rulesAdded"))).hasSize(2);
        }
        try (TestServer.Stream s = t.watch(NODE_1_WATCH + "?since=" + v1 + "&epoch=" + t.server.epoch(), NODE_1)) {
            JsonNode first = s.next(Duration.ofSeconds(5), true);
            assertThat(first.get("type").asText()).isEqualTo("delta");
            assertThat(first.get("version").asLong()).isEqualTo(v2);
            assertThat(list(first.get("rulesAdded"))).hasSize(2);
            // nothing else but bookmarks, which say the stream is current
            JsonNode bookmark = s.next(Duration.ofSeconds(5), true);
            assertThat(bookmark.get("type").asText()).isEqualTo("bookmark");
            assertThat(bookmark.get("version").asLong()).isGreaterThanOrEqualTo(v2);
        }
        try (TestServer.Stream s = t.watch(NODE_1_WATCH + "?since=" + v2 + "&epoch=" + t.server.epoch(), NODE_1)) {
            assertThat(s.next(Duration.ofSeconds(5), true).get("type").asText()).isEqualTo("bookmark");
        }
    }

    @Test
    void aSinceTooOldOrFromTheFutureGetsAReplacingSnapshot() {
        long now = t.server.feed().version();
        for (String since : List.of("1", Long.toString(now + 1_000_000))) {
            try (TestServer.Stream s = t.watch(NODE_1_WATCH + "?since=" + since + "&epoch=" + t.server.epoch(), NODE_1)) {
                JsonNode first = s.next();
                assertThat(first.get("type").asText()).as("since=" + since).isEqualTo("snapshot");
                assertThat(first.get("replace").asBoolean()).isTrue();
                assertThat(first.get("version").asLong()).isEqualTo(now);
                assertThat(list(first.get("rules"))).isNotEmpty();
            }
        }
        assertThat(t.get(NODE_1_WATCH + "?since=yesterday", NODE_1).status()).isEqualTo(400);
    }

    @Test
    void aCursorFromAnotherEpochOrWithoutOneGetsAReplacingSnapshotNeverAResume() {
        long now = t.server.feed().version();
        assertThat(t.server.epoch()).matches("[0-9a-f]{16}");
        try (TestServer.Stream s = t.watch(NODE_1_WATCH, NODE_1)) {
            JsonNode snapshot = s.next();
            assertThat(snapshot.get("epoch").asText()).isEqualTo(t.server.epoch());
            assertThat(s.nextBookmark().get("epoch").asText()).isEqualTo(t.server.epoch());
        }
        assertThat(t.get(NODE_1_RULES, NODE_1).json().get("epoch").asText()).isEqualTo(t.server.epoch());
        // the current version itself, which this instance would resume from with nothing to send
        for (String cursor : List.of("?since=" + now + "&epoch=0123456789abcdef", "?since=" + now)) {
            try (TestServer.Stream s = t.watch(NODE_1_WATCH + cursor, NODE_1)) {
                JsonNode first = s.next(Duration.ofSeconds(5), true);
                assertThat(first.get("type").asText()).as(cursor).isEqualTo("snapshot");
                assertThat(first.get("replace").asBoolean()).as(cursor).isTrue();
                assertThat(list(first.get("rules"))).isNotEmpty();
            }
        }
        try (TestServer.Stream s = t.watch(NODE_1_WATCH + "?since=" + now + "&epoch=" + t.server.epoch(), NODE_1)) {
            assertThat(s.next(Duration.ofSeconds(5), true).get("type").asText()).as("same epoch: resumed").isEqualTo("bookmark");
        }
    }

    @Test
    void aTraceHeldOnItsWorkerDelaysNeitherWatchStreamsNorHealthz() throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        t.server.beforeOperatorRead = () -> {
            entered.countDown();
            try {
                release.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (TestServer.Stream s = t.watch(NODE_1_WATCH, NODE_1)) {
            s.next();
            var trace = t.http.sendAsync(java.net.http.HttpRequest.newBuilder(t.uri("/v1/trace?from=host/backup-prod&to=node/demo/node-1&port=tcp/30017"))
                    .header("Authorization", "Bearer " + OPERATOR).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            try {
                assertThat(entered.await(20, java.util.concurrent.TimeUnit.SECONDS)).as("the trace reached its worker").isTrue();
                // while the trace is held: a change reaches the stream, bookmarks go on, probes answer
                relabelWebProd("development");
                JsonNode delta = s.next(Duration.ofSeconds(15), false);
                assertThat(delta.get("type").asText()).isEqualTo("delta");
                assertThat(s.nextBookmark().get("type").asText()).isEqualTo("bookmark");
                assertThat(t.get("/healthz", null).status()).isEqualTo(200);
                assertThat(trace.isDone()).as("the trace is still held").isFalse();
            } finally {
                release.countDown();
            }
            var answer = trace.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        }
    }

    @Test
    void bookmarksArriveAsHeartbeatsWithTheCurrentVersion() {
        try (TestServer.Stream s = t.watch(NODE_1_WATCH, NODE_1)) {
            long v = s.next().get("version").asLong();
            long start = System.nanoTime();
            JsonNode b1 = s.nextBookmark();
            JsonNode b2 = s.nextBookmark();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(b1.get("version").asLong()).isEqualTo(v);
            assertThat(b2.get("version").asLong()).isEqualTo(v);
            // a change elsewhere (a new host) moves the version on without a delta for node-1: the bookmark says so
            TestFiles.write(t.inventory.resolve("lab.yaml"), """
                    apiVersion: microseg.io/v1
                    kind: Host
                    metadata: {name: lab-1, labels: {environment: development}}
                    spec: {ips: [192.168.10.7]}
                    """);
            Await.until("the change compiled", () -> t.server.feed().version() > v);
            long after = t.server.feed().version();
            Await.until("a bookmark at the new version", Duration.ofSeconds(5),
                    () -> s.nextBookmark().get("version").asLong() == after);
        }
    }

    @Test
    void agentsNeedTheirOwnTokenAndOperatorsReadEverything() {
        // no token, an unknown token: 401, saying how to authenticate
        TestServer.Response none = t.get(NODE_1_RULES, null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.raw().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(h -> assertThat(h).startsWith("Bearer"));
        assertThat(none.json().get("error").asText()).contains("Bearer");
        assertThat(t.get(NODE_1_RULES, "not-a-token").status()).isEqualTo(401);
        assertThat(t.get(NODE_1_WATCH, null).status()).isEqualTo(401);
        // another node's token: 403, for its rules and its stream
        assertThat(t.get(NODE_1_RULES, NODE_2).status()).isEqualTo(403);
        assertThat(t.get(NODE_1_WATCH, NODE_2).status()).isEqualTo(403);
        assertThat(t.get("/v1/hosts/backup-prod/rules", NODE_1).status()).isEqualTo(403);
        // an operator reads any agent's rules
        assertThat(t.get(NODE_1_RULES, OPERATOR).status()).isEqualTo(200);
        assertThat(t.get("/v1/nodes/demo/node-2/rules", OPERATOR).status()).isEqualTo(200);
        // operator endpoints: 401 without a token, 403 for agents, 200 for operators
        for (String path : List.of("/v1/workloads/pod%2Fdemo%2Fdata%2Fdb-0/rules", "/v1/warnings")) {
            assertThat(t.get(path, null).status()).as(path).isEqualTo(401);
            assertThat(t.get(path, NODE_1).status()).as(path).isEqualTo(403);
            assertThat(t.get(path, OPERATOR).status()).as(path).isEqualTo(200);
        }
        String anyRule = list(t.get(NODE_1_RULES, NODE_1).json().get("rules")).get(0).get("id").asText();
        assertThat(t.get("/v1/rules/" + anyRule + "/explain", NODE_1).status()).isEqualTo(403);
        assertThat(t.get("/v1/rules/" + anyRule + "/explain", OPERATOR).status()).isEqualTo(200);
        // the platform's endpoints are open
        for (String path : List.of("/healthz", "/readyz", "/metrics")) assertThat(t.get(path, null).status()).as(path).isEqualTo(200);
    }

    @Test
    void aWorkloadsRulesComeWithTheSetsTheyUseAndUnknownIdsAre404() {
        TestServer.Response r = t.get("/v1/workloads/pod%2Fdemo%2Fdata%2Fdb-0/rules", OPERATOR);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode json = r.json();
        assertThat(json.get("workload").asText()).isEqualTo("pod/demo/data/db-0");
        assertThat(json.get("agent").asText()).isEqualTo("node/demo/node-1");
        List<JsonNode> rules = list(json.get("rules"));
        assertThat(rules).isNotEmpty().allMatch(x -> x.get("workload").asText().equals("pod/demo/data/db-0"));
        // the seed's rule 4: ingress from all nodes and from the consumers on the target port
        assertThat(rules).filteredOn(x -> x.get("direction").asText().equals("INGRESS") && x.get("ports").asText().equals("27017"))
                .extracting(x -> x.get("peerSet").asText()).hasSize(2).contains("nodes:demo");
        Set<String> used = new HashSet<>();
        rules.forEach(x -> {
            if (!x.get("peerSet").isNull()) used.add(x.get("peerSet").asText());
        });
        assertThat(list(json.get("sets"))).extracting(s -> s.get("id").asText()).containsExactlyInAnyOrderElementsOf(used);

        TestServer.Response unknown = t.get("/v1/workloads/pod%2Fdemo%2Fdata%2Fnope/rules", OPERATOR);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.raw().headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(unknown.json().get("error").asText()).contains("pod/demo/data/nope");
        assertThat(t.get("/v1/nothing-here", OPERATOR).status()).isEqualTo(404);
    }

    @Test
    void aRuleIsExplainedByItsDrlRulePolicyAndMatchedFacts() {
        JsonNode ingress = list(t.get("/v1/workloads/pod%2Fdemo%2Fdata%2Fdb-0/rules", OPERATOR).json().get("rules")).stream()
                .filter(x -> x.get("direction").asText().equals("INGRESS") && x.get("peerSet").asText().equals("nodes:demo"))
                .findFirst().orElseThrow();
        TestServer.Response r = t.get("/v1/rules/" + ingress.get("id").asText() + "/explain", OPERATOR);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode json = r.json();
        assertThat(json.get("rule")).isEqualTo(ingress);
        assertThat(json.get("policy").asText()).isEqualTo("demo/production-to-db");
        assertThat(json.get("workspace").asText()).isEqualTo("demo");
        assertThat(json.get("peerSet").get("id").asText()).isEqualTo("nodes:demo");
        List<JsonNode> why = list(json.get("justifications"));
        assertThat(why).isNotEmpty().allSatisfy(j -> {
            assertThat(j.get("drlRule").asText()).isNotBlank();
            assertThat(j.get("location").asText()).matches("rules/[\\w-]+\\.drl:\\d+");
            assertThat(j.get("source").asText()).contains("rule \"" + j.get("drlRule").asText() + "\"");
            assertThat(list(j.get("matched"))).isNotEmpty();
        });
        assertThat(why).anySatisfy(j -> assertThat(list(j.get("matched"))).extracting(JsonNode::asText)
                .anyMatch(m -> m.contains("db")));

        TestServer.Response unknown = t.get("/v1/rules/0000deadbeef/explain", OPERATOR);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").asText()).contains("0000deadbeef");
    }

    @Test
    void warningsAreListedForOperators() {
        TestFiles.write(t.policies.resolve("external.yaml"), """
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: ext}
                spec:
                  scope: "*"
                  policies:
                    - id: to-nothing
                      consumer: "*"
                      provider: "orchestrator_system/service_type = ExternalName"
                      ports: ["TCP 443"]
                      action: ALLOW
                """);
        TestFiles.write(t.inventory.resolve("external.yaml"), """
                apiVersion: v1
                kind: Service
                metadata: {name: api, namespace: web}
                spec: {type: ExternalName, externalName: api.example.com}
                """);
        Await.until("the warning", Duration.ofSeconds(10), () -> list(t.get("/v1/warnings", OPERATOR).json().get("warnings")).stream()
                .anyMatch(w -> w.get("policy").asText().equals("ext/to-nothing") && w.get("message").asText().contains("ExternalName")));
    }

    @Test
    void anAddressTwoLivePodsClaimIsAnInventoryWarningThatGoesWhenOneOfThemFinishes() {
        String stale = """
                apiVersion: v1
                kind: Pod
                metadata: {name: stale-0, namespace: web}
                spec: {nodeName: node-2}
                status: {phase: %s, podIP: 10.244.1.10}
                """;
        TestFiles.write(t.inventory.resolve("stale.yaml"), stale.formatted("Running"));
        Await.until("the duplicate warning", Duration.ofSeconds(10), () -> list(t.get("/v1/warnings", OPERATOR).json().get("warnings"))
                .stream().anyMatch(w -> w.get("policy").asText().equals("inventory") && w.get("message").asText()
                        .equals("address 10.244.1.10 is claimed by two workloads, pod/demo/data/db-0 and pod/demo/web/stale-0: "
                                + "rules that name either admit both")));
        TestFiles.write(t.inventory.resolve("stale.yaml"), stale.formatted("Succeeded"));
        Await.until("no duplicate once the pod finished", Duration.ofSeconds(10), () -> list(t.get("/v1/warnings", OPERATOR).json()
                .get("warnings")).stream().noneMatch(w -> w.get("policy").asText().equals("inventory")));
    }

    @Test
    void metricsNameRulesSetsEnforcersCompileLatencyEventsAndSlowConsumers() {
        try (TestServer.Stream s = t.watch(NODE_1_WATCH, NODE_1)) {
            s.next();
            relabelWebProd("development");
            s.next();
            String metrics = t.get("/metrics", null).body();
            assertThat(metrics)
                    .containsPattern("(?m)^microseg_rules(\\{\\})? [1-9]")
                    .containsPattern("(?m)^microseg_sets(\\{\\})? [1-9]")
                    .containsPattern("(?m)^microseg_enforcers_connected(\\{\\})? 1\\.0")
                    .containsPattern("(?m)^microseg_compile_batch_seconds_count(\\{\\})? [1-9]")
                    .containsPattern("(?m)^microseg_feed_events_sent_total\\{type=\"snapshot\"\\} [1-9]")
                    .containsPattern("(?m)^microseg_feed_events_sent_total\\{type=\"delta\"\\} [1-9]")
                    .containsPattern("(?m)^microseg_feed_slow_consumer_disconnects_total(\\{\\})? 0\\.0")
                    .contains("vertx_http_server_");
        }
        Await.until("the stream counted out", () -> t.get("/metrics", null).body().contains("microseg_enforcers_connected 0.0"));
    }

    @Test
    void readyOnlyOnceTheFirstCompileIsDone(@TempDir Path other) {
        try (TestServer fresh = new TestServer(other, TestServer.settings())) {
            assertThat(fresh.get("/readyz", null).status()).isEqualTo(503);
            assertThat(fresh.get("/healthz", null).status()).as("the engine is not started yet").isEqualTo(503);
            assertThat(fresh.get(NODE_1_RULES, NODE_1).status()).isEqualTo(503);
            fresh.start();
            TestServer.Response ready = fresh.get("/readyz", null);
            assertThat(ready.status()).isEqualTo(200);
            assertThat(ready.json().get("version").asLong()).isEqualTo(fresh.server.feed().version());
            assertThat(fresh.get("/healthz", null).status()).isEqualTo(200);
        }
    }

    private void relabelWebProd(String to) {
        String from = to.equals("development") ? "production" : "development";
        TestFiles.edit(t.inventory.resolve("web.yaml"), "  name: web-prod-0\n  namespace: web\n  labels:\n    app: web\n    environment: " + from,
                "  name: web-prod-0\n  namespace: web\n  labels:\n    app: web\n    environment: " + to);
    }

    static List<JsonNode> list(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }
}
