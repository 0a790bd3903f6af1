package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.microseg.config.KubernetesAuth;
import io.microseg.config.MicrosegConfig;
import io.microseg.config.MicrosegConfigReader;
import io.microseg.testing.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Agents and operators authenticated by Kubernetes, through the real server over HTTP, against fabric8's
 * mock API server answering TokenReview and SubjectAccessReview the way the API server does: each answer
 * is computed from the posted review (the token looked up in this test's table of issued tokens, the
 * audiences intersected, RBAC decided on the posted user, groups and resource attributes). The server
 * reaches the mock through a kubeconfig file named in {@code server.auth.kubernetes}, as it would a cluster.
 */
class KubernetesAuthenticationTest {
    // The mock server logs every request at INFO through java.util.logging; keep the reference.
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AGENT_SA = "system:serviceaccount:microseg:microseg-agent";
    private static final String SERVER_TOKEN = "token-of-the-microseg-server-service-account";
    private static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
    private static final String ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

    /** A token the mock API server issued: whose, for which audiences, bound to which node, valid until when. */
    private record Issued(String user, List<String> groups, List<String> audiences, String node, Instant expires) {}

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final Map<String, Issued> issued = new ConcurrentHashMap<>();
    private final AtomicInteger tokenReviews = new AtomicInteger();
    private final AtomicInteger accessReviews = new AtomicInteger();
    private final List<String> reviewerCredentials = new CopyOnWriteArrayList<>();
    private KubernetesMockServer api;
    private TestServer server;

    private String agentOfNode1;
    private String agentOfNode2;
    private String expired;
    private String otherAudience;
    private String agentWithoutNode;
    private String deployer;
    private String operatorBob;

    @BeforeEach
    void startTheApiServer() {
        api = new KubernetesMockServer(false);
        api.init();
        api.expect().post().withPath(TOKEN_REVIEWS).andReply(200, this::tokenReview).always();
        api.expect().post().withPath(ACCESS_REVIEWS).andReply(200, this::accessReview).always();
        Instant hour = clock.instant().plus(Duration.ofHours(1));
        agentOfNode1 = issue(new Issued(AGENT_SA, List.of("system:serviceaccounts"), List.of("microseg"), "node-1", hour));
        agentOfNode2 = issue(new Issued(AGENT_SA, List.of("system:serviceaccounts"), List.of("microseg"), "node-2", hour));
        expired = issue(new Issued(AGENT_SA, List.of("system:serviceaccounts"), List.of("microseg"), "node-1",
                clock.instant().minus(Duration.ofMinutes(5))));
        otherAudience = issue(new Issued(AGENT_SA, List.of("system:serviceaccounts"), List.of("https://kubernetes.default.svc"), "node-1", hour));
        agentWithoutNode = issue(new Issued(AGENT_SA, List.of("system:serviceaccounts"), List.of("microseg"), null, hour));
        deployer = issue(new Issued("system:serviceaccount:ci:deployer", List.of("system:serviceaccounts"), List.of("microseg"), "node-1", hour));
        operatorBob = issue(new Issued("bob@example.com", List.of("microseg-operators", "system:authenticated"), List.of("microseg"), null, hour));
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        api.destroy();
    }

    // ---- the mock API server's answers, computed from the posted reviews ----

    /** A JWT-shaped token with an {@code exp} claim, as the API server issues (the signature is not checked here). */
    private String issue(Issued token) {
        String claims = "{\"sub\":\"" + token.user() + "\",\"exp\":" + token.expires().getEpochSecond() + ",\"n\":" + issued.size() + "}";
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String jwt = b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
        issued.put(jwt, token);
        return jwt;
    }

    private Object tokenReview(RecordedRequest request) {
        tokenReviews.incrementAndGet();
        reviewerCredentials.add(String.valueOf(request.getHeader("Authorization")));
        JsonNode spec = read(request).path("spec");
        Issued token = issued.get(spec.path("token").asText());
        ObjectNode review = JSON.createObjectNode().put("apiVersion", "authentication.k8s.io/v1").put("kind", "TokenReview");
        review.set("spec", spec);
        ObjectNode status = review.putObject("status");
        List<String> wanted = JSON.convertValue(spec.path("audiences"), JSON.getTypeFactory().constructCollectionType(List.class, String.class));
        if (token == null) {
            status.put("authenticated", false).put("error", "invalid bearer token");
        } else if (!clock.instant().isBefore(token.expires())) {
            status.put("authenticated", false).put("error", "[invalid bearer token, service account token has expired]");
        } else if (wanted.stream().noneMatch(token.audiences()::contains)) {
            status.put("authenticated", false).put("error", "[invalid bearer token, token audiences " + token.audiences()
                    + " is invalid for the target audiences " + wanted + "]");
        } else {
            status.put("authenticated", true);
            ArrayNode audiences = status.putArray("audiences");
            wanted.stream().filter(token.audiences()::contains).forEach(audiences::add);
            ObjectNode user = status.putObject("user").put("username", token.user()).put("uid", "uid-" + token.user());
            token.groups().forEach(user.putArray("groups")::add);
            ObjectNode extra = user.putObject("extra");
            extra.putArray("authentication.kubernetes.io/pod-name").add("agent-pod");
            if (token.node() != null) extra.putArray("authentication.kubernetes.io/node-name").add(token.node());
        }
        return review.toString();
    }

    /** RBAC as bound in this test: group microseg-operators may get rules.microseg.io, no one else may. */
    private Object accessReview(RecordedRequest request) {
        accessReviews.incrementAndGet();
        reviewerCredentials.add(String.valueOf(request.getHeader("Authorization")));
        JsonNode spec = read(request).path("spec");
        JsonNode resource = spec.path("resourceAttributes");
        boolean operatorGroup = false;
        for (JsonNode g : spec.path("groups")) operatorGroup |= g.asText().equals("microseg-operators");
        boolean allowed = operatorGroup && resource.path("group").asText().equals("microseg.io")
                && resource.path("resource").asText().equals("rules") && resource.path("verb").asText().equals("get")
                && spec.path("uid").asText().equals("uid-" + spec.path("user").asText());
        ObjectNode review = JSON.createObjectNode().put("apiVersion", "authorization.k8s.io/v1").put("kind", "SubjectAccessReview");
        review.set("spec", spec);
        ObjectNode status = review.putObject("status").put("allowed", allowed);
        if (allowed) status.put("reason", "RBAC: allowed by ClusterRoleBinding \"microseg-operators\"");
        return review.toString();
    }

    private static JsonNode read(RecordedRequest request) {
        try {
            return JSON.readTree(request.getUtf8Body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- the server ----

    /** The server with static tokens and {@code server.auth.kubernetes} as this YAML says, read by the real config reader. */
    private TestServer serve(String kubernetesYaml) {
        return serve(kubernetesYaml, api.getPort());
    }

    /** As above, with the API server at this loopback port. */
    private TestServer serve(String kubernetesYaml, int apiPort) {
        Path kubeconfig = dir.resolve("kubeconfig");
        try {
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: mock, cluster: {server: "http://127.0.0.1:%d"}}]
                    users: [{name: microseg-server, user: {token: %s}}]
                    contexts: [{name: mock, context: {cluster: mock, user: microseg-server}}]
                    current-context: mock
                    """.formatted(apiPort, SERVER_TOKEN));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String yaml = """
                server:
                  auth:
                    kubernetes:
                      cluster: demo
                      kubeconfig: %s
                %s""".formatted(kubeconfig, kubernetesYaml.indent(6));
        KubernetesAuth kubernetes = MicrosegConfigReader.parse("microseg.yaml", yaml, dir).server().auth().kubernetes();
        MicrosegConfig.Auth statics = TestServer.settings().auth();
        MicrosegConfig.Server settings = TestServer.settings()
                .withAuth(new MicrosegConfig.Auth(false, statics.agents(), statics.operators(), kubernetes));
        server = new TestServer(dir.resolve("demo"), settings, null, clock, "00000000000000aa").start();
        return server;
    }

    // ---- the tests ----

    @Test
    void anAgentsNodeBoundTokenReadsItsOwnNodesRulesAndWatchAndNoOtherNodes() {
        TestServer s = serve("");
        TestServer.Response own = s.get("/v1/nodes/demo/node-1/rules", agentOfNode1);
        assertThat(own.status()).as(own.body()).isEqualTo(200);
        assertThat(own.json().get("rules").size()).isPositive();
        try (TestServer.Stream watch = s.watch("/v1/nodes/demo/node-1/watch", agentOfNode1)) {
            assertThat(watch.response.statusCode()).isEqualTo(200);
            assertThat(watch.next().get("type").asText()).isEqualTo("snapshot");
        }
        TestServer.Response other = s.get("/v1/nodes/demo/node-2/rules", agentOfNode1);
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.json().get("error").asText()).contains("node/demo/node-1 may read its own rules only");
        assertThat(s.get("/v1/nodes/demo/node-2/watch", agentOfNode1).status()).isEqualTo(403);
        assertThat(s.get("/v1/warnings", agentOfNode1).status()).isEqualTo(403);
        assertThat(s.get("/v1/nodes/demo/node-2/rules", agentOfNode2).status()).isEqualTo(200);
        // the reviews carried the server's own credentials from the kubeconfig, and the configured audience
        assertThat(reviewerCredentials).isNotEmpty().allMatch(("Bearer " + SERVER_TOKEN)::equals);
        // static tokens work as before, next to Kubernetes tokens, without a review
        int reviews = tokenReviews.get();
        assertThat(s.get("/v1/nodes/demo/node-1/rules", TestServer.NODE_1).status()).isEqualTo(200);
        assertThat(s.get("/v1/warnings", TestServer.OPERATOR).status()).isEqualTo(200);
        assertThat(tokenReviews.get()).isEqualTo(reviews);
    }

    @Test
    void expiredWrongAudienceUnboundAndUnknownTokensGet401() {
        TestServer s = serve("");
        TestServer.Response old = s.get("/v1/nodes/demo/node-1/rules", expired);
        assertThat(old.status()).isEqualTo(401);
        assertThat(old.json().get("error").asText()).contains("has expired");
        assertThat(old.raw().headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"microseg\"");
        TestServer.Response audience = s.get("/v1/nodes/demo/node-1/rules", otherAudience);
        assertThat(audience.status()).isEqualTo(401);
        assertThat(audience.json().get("error").asText()).contains("invalid for the target audiences [microseg]");
        TestServer.Response unbound = s.get("/v1/nodes/demo/node-1/rules", agentWithoutNode);
        assertThat(unbound.status()).isEqualTo(401);
        assertThat(unbound.json().get("error").asText()).contains("not bound to one node");
        String forged = issue(new Issued(AGENT_SA, List.of(), List.of("microseg"), "node-1", Instant.MAX));
        issued.remove(forged); // never issued: the API server does not know it
        assertThat(s.get("/v1/nodes/demo/node-1/rules", forged).status()).isEqualTo(401);
        // not a JWT: not worth a review
        int reviews = tokenReviews.get();
        assertThat(s.get("/v1/nodes/demo/node-1/rules", "not-a-service-account-token").status()).isEqualTo(401);
        assertThat(tokenReviews.get()).isEqualTo(reviews);
    }

    @Test
    void anotherServiceAccountIsForbiddenUnlessRbacMakesItAnOperator() {
        TestServer s = serve("");
        TestServer.Response ci = s.get("/v1/warnings", deployer);
        assertThat(ci.status()).isEqualTo(403);
        assertThat(ci.json().get("error").asText()).contains("system:serviceaccount:ci:deployer is neither an agent nor allowed to get rules.microseg.io");
        assertThat(s.get("/v1/nodes/demo/node-1/rules", deployer).status()).isEqualTo(403);
        TestServer.Response bob = s.get("/v1/warnings", operatorBob);
        assertThat(bob.status()).as(bob.body()).isEqualTo(200);
        assertThat(bob.json().has("warnings")).isTrue();
        assertThat(s.get("/v1/nodes/demo/node-2/rules", operatorBob).status()).isEqualTo(200);
        assertThat(accessReviews.get()).isEqualTo(2); // deployer once, bob once: both answers cached
    }

    @Test
    void withOperatorAccessOffNoSubjectAccessReviewIsAskedAndOtherUsersAreForbidden() {
        TestServer s = serve("operatorAccess: {enabled: false}\n");
        TestServer.Response bob = s.get("/v1/warnings", operatorBob);
        assertThat(bob.status()).isEqualTo(403);
        assertThat(bob.json().get("error").asText()).contains("not recognised through Kubernetes RBAC");
        assertThat(accessReviews.get()).isZero();
        assertThat(s.get("/v1/nodes/demo/node-1/rules", agentOfNode1).status()).isEqualTo(200);
    }

    @Test
    void answersAreCachedUntilTheirTtlOrTheTokensExpiryWhicheverIsFirst() {
        TestServer s = serve("cacheTTL: 30s\ndeniedCacheTTL: 5s\n");
        assertThat(s.get("/v1/nodes/demo/node-1/rules", agentOfNode1).status()).isEqualTo(200);
        assertThat(s.get("/v1/nodes/demo/node-1/rules", agentOfNode1).status()).isEqualTo(200);
        assertThat(tokenReviews.get()).as("the second request is answered from the cache").isEqualTo(1);
        clock.advance(Duration.ofSeconds(31));
        assertThat(s.get("/v1/nodes/demo/node-1/rules", agentOfNode1).status()).isEqualTo(200);
        assertThat(tokenReviews.get()).as("after the TTL the token is reviewed again").isEqualTo(2);

        // a token that expires before the TTL is over: refused once expired, though its answer was cached
        String shortLived = issue(new Issued(AGENT_SA, List.of(), List.of("microseg"), "node-1", clock.instant().plusSeconds(10)));
        assertThat(s.get("/v1/nodes/demo/node-1/rules", shortLived).status()).isEqualTo(200);
        assertThat(s.get("/v1/nodes/demo/node-1/rules", shortLived).status()).isEqualTo(200);
        assertThat(tokenReviews.get()).isEqualTo(3);
        clock.advance(Duration.ofSeconds(11));
        TestServer.Response late = s.get("/v1/nodes/demo/node-1/rules", shortLived);
        assertThat(late.status()).isEqualTo(401);
        assertThat(late.json().get("error").asText()).contains("has expired");
        assertThat(tokenReviews.get()).isEqualTo(4);

        // refusals are kept for the shorter TTL
        assertThat(s.get("/v1/nodes/demo/node-1/rules", otherAudience).status()).isEqualTo(401);
        assertThat(s.get("/v1/nodes/demo/node-1/rules", otherAudience).status()).isEqualTo(401);
        assertThat(tokenReviews.get()).isEqualTo(5);
        clock.advance(Duration.ofSeconds(6));
        assertThat(s.get("/v1/nodes/demo/node-1/rules", otherAudience).status()).isEqualTo(401);
        assertThat(tokenReviews.get()).isEqualTo(6);
    }

    @Test
    void aFullCacheForgetsTheLeastRecentlyUsedAnswer() {
        TestServer s = serve("cacheSize: 1\n");
        assertThat(s.get("/v1/nodes/demo/node-1/rules", agentOfNode1).status()).isEqualTo(200);
        assertThat(s.get("/v1/nodes/demo/node-2/rules", agentOfNode2).status()).isEqualTo(200);
        assertThat(s.get("/v1/nodes/demo/node-1/rules", agentOfNode1).status()).isEqualTo(200);
        assertThat(tokenReviews.get()).isEqualTo(3);
    }

    @Test
    void withTheApiServerDownTokensAreRefusedWith503AndALogLineNeverLetIn() {
        TestServer s = serve("timeout: 2s\n");
        long logged = s.server.errorLog().written();
        api.destroy();
        for (String token : List.of(agentOfNode1, operatorBob, deployer)) {
            TestServer.Response r = s.get("/v1/nodes/demo/node-1/rules", token);
            assertThat(r.status()).as(r.body()).isEqualTo(503);
            assertThat(r.json().get("error").asText()).contains("the token could not be verified");
            assertThat(r.json().has("rules")).isFalse();
        }
        assertThat(s.get("/v1/warnings", operatorBob).status()).isEqualTo(503);
        try (TestServer.Stream watch = s.watch("/v1/nodes/demo/node-1/watch", agentOfNode1)) {
            assertThat(watch.response.statusCode()).isEqualTo(503);
        }
        // the failures were not cached: each request asked again, and was logged at a bounded rate
        assertThat(s.server.errorLog().written() - logged).isEqualTo(1);
        // static tokens do not depend on the API server
        assertThat(s.get("/v1/nodes/demo/node-1/rules", TestServer.NODE_1).status()).isEqualTo(200);
        assertThat(s.get("/healthz", null).status()).isEqualTo(200);
    }

    @Test
    void anApiServerThatAcceptsButNeverAnswersGets503AfterTheTimeoutWhileTheEventLoopServesOthers() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) held.add(silent.accept());
                } catch (IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            TestServer s = serve("timeout: 3s\n", silent.getLocalPort());
            var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> s.get("/v1/nodes/demo/node-1/rules", agentOfNode1));
            // while the review waits on the silent API server, the event loop answers everyone else
            io.microseg.testing.Await.until("the review reaches the API server", () -> !held.isEmpty());
            assertThat(s.get("/healthz", null).status()).isEqualTo(200);
            assertThat(s.get("/v1/nodes/demo/node-2/rules", TestServer.NODE_2).status()).isEqualTo(200);
            assertThat(pending).as("the review is still waiting for the API server").isNotDone();
            TestServer.Response r = pending.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.status()).as(r.body()).isEqualTo(503);
            assertThat(r.json().get("error").asText()).contains("the token could not be verified");
            for (java.net.Socket socket : held) socket.close();
        }
    }
}
