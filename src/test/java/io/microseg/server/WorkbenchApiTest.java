package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.config.MicrosegConfig;
import io.microseg.testing.Await;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.microseg.server.TestServer.NODE_1;
import static io.microseg.server.TestServer.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;

/** The web workbench's endpoints on a real server over real HTTP: sign-in, the gate's cross-site checks, files, search, check, matrix, events. */
class WorkbenchApiTest {
    @TempDir
    Path dir;
    TestServer t;

    @AfterEach
    void stop() {
        if (t != null) t.close();
    }

    private TestServer start(MicrosegConfig.Server settings, boolean rulesFolder) {
        Path rules = rulesFolder ? TestFiles.copy(Path.of("rules"), dir.resolve("rules")) : null;
        t = new TestServer(dir, settings, rules).start();
        return t;
    }

    private HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return t.http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> signIn(String token) {
        return send(HttpRequest.newBuilder(t.uri("/v1/session")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + token + "\"}")));
    }

    /** The cookie pair ({@code microseg_session=...}) of a sign-in answer. */
    private static String cookie(HttpResponse<String> r) {
        String set = r.headers().firstValue("Set-Cookie").orElseThrow();
        return set.substring(0, set.indexOf(';'));
    }

    private HttpResponse<String> withCookie(String method, String path, String cookie, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(t.uri(path)).header("Cookie", cookie);
        // as the workbench's pages send it: a header no cross-site form can set
        if (body == null) b.header("X-Microseg-Request", "1").method(method, HttpRequest.BodyPublishers.noBody());
        else b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        return send(b);
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return TestServer.JSON.readTree(r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anOperatorSignsInForAnHttpOnlyStrictCookieThatReadsButCannotDeployAndEndsOnSignOut() {
        start(TestServer.settings(), true);
        HttpResponse<String> in = signIn(OPERATOR);
        assertThat(in.statusCode()).isEqualTo(200);
        assertThat(json(in).get("principal").asText()).isEqualTo("alice");
        String set = in.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(set).startsWith("microseg_session=").containsIgnoringCase("HttpOnly").contains("SameSite=Strict").contains("Path=/")
                .contains("Max-Age=28800").doesNotContain(OPERATOR);
        String c = cookie(in);

        assertThat(withCookie("GET", "/v1/warnings", c, null).statusCode()).isEqualTo(200);
        JsonNode me = json(withCookie("GET", "/v1/session", c, null));
        assertThat(me.get("authentication").asBoolean()).isTrue();
        assertThat(me.get("principal").asText()).isEqualTo("alice");
        // a session reads and previews; deploying rules needs the operator's bearer token
        HttpResponse<String> reload = withCookie("POST", "/v1/rules/reload", c, "{}");
        assertThat(reload.statusCode()).isEqualTo(403);
        assertThat(reload.body()).contains("needs an operator's bearer token");
        assertThat(t.post("/v1/rules/reload", OPERATOR, "{}").status()).isEqualTo(200);

        assertThat(t.get("/v1/warnings", null).status()).isEqualTo(401);
        assertThat(withCookie("GET", "/v1/warnings", "microseg_session=forged", null).statusCode()).isEqualTo(401);

        HttpResponse<String> out = withCookie("DELETE", "/v1/session", c, null);
        assertThat(out.statusCode()).isEqualTo(200);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        HttpResponse<String> after = withCookie("GET", "/v1/warnings", c, null);
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(after.body()).contains("sign in again");
    }

    @Test
    void agentsAndUnknownTokensOpenNoSessionAndASessionEndsAfterItsLifetime() {
        start(TestServer.settings().withWorkbench(new MicrosegConfig.Workbench(Duration.ofSeconds(1), 10, true)), false);
        HttpResponse<String> agent = signIn(NODE_1);
        assertThat(agent.statusCode()).isEqualTo(403);
        assertThat(agent.body()).contains("agents' tokens cannot open the workbench");
        assertThat(agent.headers().firstValue("Set-Cookie")).isEmpty();
        HttpResponse<String> unknown = signIn("not-a-token");
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(unknown.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(send(HttpRequest.newBuilder(t.uri("/v1/session")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"token\":1}"))).statusCode()).isEqualTo(400);

        HttpResponse<String> in = signIn(OPERATOR);
        assertThat(in.headers().firstValue("Set-Cookie").orElseThrow()).contains("Secure").contains("Max-Age=1");
        String c = cookie(in);
        assertThat(withCookie("GET", "/v1/agents", c, null).statusCode()).isEqualTo(200);
        Await.until("the session ends", Duration.ofSeconds(5), () -> withCookie("GET", "/v1/agents", c, null).statusCode() == 401);
    }

    @Test
    void pagesOfOtherSitesAreRefusedByOriginOrFetchMetadataWhileTheServersOwnPassAndTheStaticFilesHoldNoData() {
        start(TestServer.settings(), false);
        String c = cookie(signIn(OPERATOR));
        String host = "127.0.0.1:" + t.port;
        HttpResponse<String> forged = send(HttpRequest.newBuilder(t.uri("/v1/preview")).header("Cookie", c)
                .header("Origin", "http://evil.example").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"workspaces\":{\"a.yaml\":\"x\"}}")));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("cross-site request refused");
        assertThat(send(HttpRequest.newBuilder(t.uri("/v1/warnings")).header("Cookie", c).header("Origin", "http://" + host)).statusCode())
                .isEqualTo(200);
        assertThat(send(HttpRequest.newBuilder(t.uri("/v1/warnings")).header("Cookie", c).header("Sec-Fetch-Site", "cross-site")).statusCode())
                .isEqualTo(403);
        assertThat(send(HttpRequest.newBuilder(t.uri("/v1/warnings")).header("Cookie", c).header("Sec-Fetch-Site", "same-origin")).statusCode())
                .isEqualTo(200);

        HttpResponse<String> index = send(HttpRequest.newBuilder(t.uri("/")));
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(index.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("frame-ancestors 'none'")
                .contains("script-src 'self'");
        assertThat(index.body()).contains("/ui/app.js").doesNotContain("web-prod-0");
        HttpResponse<String> app = send(HttpRequest.newBuilder(t.uri("/ui/pages/workload.js")));
        assertThat(app.statusCode()).isEqualTo(200);
        assertThat(app.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(send(HttpRequest.newBuilder(t.uri("/ui/..%2f..%2fpom.xml"))).statusCode()).isEqualTo(404);
        assertThat(send(HttpRequest.newBuilder(t.uri("/ui/nothing.js"))).statusCode()).isEqualTo(404);
    }

    @Test
    void withoutAuthenticationTheWorkbenchOpensDirectlyOnLoopbackNamesOnly() {
        start(TestServer.settings().withAuth(MicrosegConfig.Auth.INSECURE), false);
        JsonNode me = t.get("/v1/session", null).json();
        assertThat(me.get("authentication").asBoolean()).isFalse();
        assertThat(signIn("anything").statusCode()).isEqualTo(409);
        for (String path : List.of("/", "/ui/app.js", "/v1/warnings", "/v1/events")) {
            try (RawHttp raw = new RawHttp(t.port)) {
                RawHttp.Response r = raw.exchange("GET " + path + " HTTP/1.1\r\nHost: rebind.attacker.example:" + t.port + "\r\n\r\n");
                assertThat(r.status()).as(path).isEqualTo(403);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        assertThat(t.get("/v1/warnings", null).status()).isEqualTo(200);
    }

    @Test
    void workloadsAreFoundByIdLabelOrAddressAndAWorkloadsPageDataHasLabelsOrderedRulesAndWarnings() {
        start(TestServer.settings(), false);
        assertThat(ids(t.get("/v1/workloads?q=environment%3Dproduction", OPERATOR).json()))
                .containsExactly("host/backup-prod", "pod/demo/web/web-prod-0");
        assertThat(ids(t.get("/v1/workloads?q=app%3Dweb", OPERATOR).json()))
                .containsExactly("pod/demo/web/web-dev-0", "pod/demo/web/web-prod-0");
        assertThat(ids(t.get("/v1/workloads?q=10.244.1.20", OPERATOR).json())).containsExactly("pod/demo/web/web-prod-0");
        assertThat(ids(t.get("/v1/workloads?q=db-", OPERATOR).json())).containsExactly("pod/demo/data/db-0", "pod/demo/data/db-1");
        JsonNode limited = t.get("/v1/workloads?limit=2", OPERATOR).json();
        assertThat(limited.get("workloads")).hasSize(2);
        assertThat(limited.get("truncated").asBoolean()).isTrue();
        assertThat(t.get("/v1/workloads?limit=0", OPERATOR).status()).isEqualTo(400);
        assertThat(t.get("/v1/workloads", null).status()).isEqualTo(401);
        assertThat(t.get("/v1/workloads", NODE_1).status()).isEqualTo(403);

        JsonNode w = t.get("/v1/workloads/" + enc("pod/demo/web/web-prod-0") + "/rules", OPERATOR).json();
        assertThat(w.get("labels").get("orchestrator_environment").asText()).isEqualTo("production");
        assertThat(w.get("ips").get(0).asText()).isEqualTo("10.244.1.20");
        List<String> egress = new ArrayList<>();
        w.get("rules").forEach(r -> {
            if (r.get("direction").asText().equals("EGRESS")) egress.add(r.get("rank").asText() + " " + r.get("action").asText());
        });
        // evaluation order: the policy's ALLOWs, the catch-all DENY last
        assertThat(egress.get(egress.size() - 1)).isEqualTo("CATCHALL DENY");
        assertThat(egress.get(0)).isEqualTo("DEFAULT ALLOW");
        JsonNode node = t.get("/v1/workloads/" + enc("node/demo/node-1") + "/rules", OPERATOR).json();
        assertThat(node.get("warnings").toString()).contains("cuts the kubelet");
    }

    @Test
    void filesListTheDrlInForceAndThePolicyFilesAndOnlyListedNamesAreRead() {
        start(TestServer.settings(), true);
        JsonNode files = t.get("/v1/files", OPERATOR).json();
        assertThat(files.get("rulesKnown").asBoolean()).isTrue();
        assertThat(files.get("rules").toString()).contains("rules/services.drl");
        String policy = files.get("policies").get(0).get("name").asText();
        assertThat(policy).endsWith("policies/demo.yaml");
        JsonNode drl = t.get("/v1/files/content?name=rules/services.drl", OPERATOR).json();
        assertThat(drl.get("kind").asText()).isEqualTo("rules");
        assertThat(drl.get("text").asText()).isEqualTo(TestFiles.read(dir.resolve("rules/services.drl")));
        assertThat(t.get("/v1/files/content?name=" + enc(policy), OPERATOR).json().get("text").asText()).contains("production-to-db");
        assertThat(t.get("/v1/files/content?name=" + enc(dir.resolve("rules/../../etc/passwd").toString()), OPERATOR).status()).isEqualTo(404);
        assertThat(t.get("/v1/files/content?name=pom.xml", OPERATOR).status()).isEqualTo(404);
        assertThat(t.get("/v1/files/content", OPERATOR).status()).isEqualTo(400);
        assertThat(t.get("/v1/files", NODE_1).status()).isEqualTo(403);
    }

    @Test
    void checkAnswersProblemsAtFileLineAndColumnForDrlAndPolicies() {
        start(TestServer.settings(), true);
        String drl = TestFiles.read(dir.resolve("rules/services.drl"));
        JsonNode fine = t.post("/v1/check", OPERATOR, body("rules", "rules/services.drl", drl)).json();
        assertThat(fine.get("ok").asBoolean()).isTrue();
        assertThat(fine.get("problems")).isEmpty();

        int line = TestFiles.lineOf(dir.resolve("rules/services.drl"), "then");
        String[] lines = drl.split("\n", -1);
        lines[line - 1] = lines[line - 1].replace("then", "then\n        this is not java;");
        JsonNode broken = t.post("/v1/check", OPERATOR, body("rules", "rules/services.drl", String.join("\n", lines))).json();
        assertThat(broken.get("ok").asBoolean()).isFalse();
        JsonNode p = broken.get("problems").get(0);
        assertThat(p.get("file").asText()).isEqualTo("rules/services.drl");
        assertThat(p.get("line").asInt()).isBetween(line, line + 3);
        assertThat(p.get("message").asText()).isNotBlank();

        JsonNode policy = t.post("/v1/check", OPERATOR, body("workspaces", "demo.yaml",
                "apiVersion: microseg.io/v1\nkind: Workspace\nmetadata:\n  name: demo\nspec:\n  scope: \"*\"\n  policies:\n    - id: p\n      consumer: \"app = \"\n")).json();
        assertThat(policy.get("ok").asBoolean()).isFalse();
        assertThat(policy.get("problems").get(0).get("file").asText()).isEqualTo("demo.yaml");
        assertThat(policy.get("problems").get(0).get("line").asInt()).isPositive();

        assertThat(t.post("/v1/check", OPERATOR, "{}").status()).isEqualTo(400);
        assertThat(t.post("/v1/check", OPERATOR, "{\"rules\":{\"../x.drl\":\"\"}}").status()).isEqualTo(400);
        assertThat(t.post("/v1/check", NODE_1, body("rules", "rules/services.drl", drl)).status()).isEqualTo(403);
    }

    @Test
    void theMatrixIsGroupedByClassAndRefusesBadPortsAndQueries() {
        start(TestServer.settings(), false);
        JsonNode m = t.get("/v1/matrix?from=" + enc("orchestrator_app = web") + "&to=" + enc("orchestrator_system/service_name = db")
                + "&port=tcp/27017", OPERATOR).json();
        assertThat(m.get("ports").get(0).asText()).isEqualTo("tcp/27017");
        List<String> rows = new ArrayList<>();
        m.get("rows").forEach(r -> rows.add(m.get("from").get(r.get("from").asInt()).get("name").asText() + " -> "
                + m.get("to").get(r.get("to").asInt()).get("name").asText() + " " + r.get("verdicts").get(0).asText()));
        assertThat(rows).contains("pod/demo/web/web-prod-0 -> service/demo/data/db ALLOW", "pod/demo/web/web-dev-0 -> service/demo/data/db DENY");
        assertThat(m.get("traced").asLong()).isPositive();
        assertThat(t.get("/v1/matrix?port=tcp/99999", OPERATOR).status()).isEqualTo(400);
        assertThat(t.get("/v1/matrix", OPERATOR).status()).isEqualTo(400);
        assertThat(t.get("/v1/matrix?port=tcp/80&from=" + enc("app = = x"), OPERATOR).status()).isEqualTo(400);
    }

    @Test
    void traceCarriesItsHopsWithTheDecidingRuleAndWhyNoAllowDecided() {
        start(TestServer.settings(), false);
        JsonNode d = t.get("/v1/trace?from=pod/demo/web/web-dev-0&to=db.data&port=tcp/27017", OPERATOR).json();
        assertThat(d.get("verdict").asText()).isEqualTo("DENY");
        JsonNode first = d.get("hops").get(0);
        assertThat(first.get("verdict").asText()).isEqualTo("DENY");
        assertThat(first.get("rule").get("id").asText()).isNotBlank();
        assertThat(first.get("rule").get("drl").get(0).get("location").asText()).startsWith("rules/");
        assertThat(first.get("why")).isNotEmpty();
        assertThat(d.get("why")).isNotEmpty();
        String rule = first.get("rule").get("id").asText();
        assertThat(t.get("/v1/rules/" + rule + "/explain", OPERATOR).status()).isEqualTo(200);
    }

    @Test
    void theEventStreamSendsTheVersionAtOnceAndAgainWhenAPodIsRelabelled() throws Exception {
        start(TestServer.settings(), false);
        String c = cookie(signIn(OPERATOR));
        HttpResponse<InputStream> r = t.http.send(HttpRequest.newBuilder(t.uri("/v1/events")).header("Cookie", c).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        LinkedBlockingQueue<Long> versions = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("data: ")) versions.add(TestServer.JSON.readTree(line.substring(6)).get("version").asLong());
                }
            } catch (IOException e) {
                // closed
            }
        });
        reader.setDaemon(true);
        reader.start();
        Long first = versions.poll(10, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        TestFiles.edit(t.inventory.resolve("web.yaml"), "environment: development", "environment: production");
        Long next = versions.poll(15, TimeUnit.SECONDS);
        assertThat(next).isNotNull().isGreaterThan(first);
        r.body().close();
        assertThat(t.get("/v1/events", null).status()).isEqualTo(401);
        assertThat(t.get("/v1/events", NODE_1).status()).isEqualTo(403);
    }

    private static String body(String field, String name, String text) {
        return "{\"" + field + "\":{\"" + name + "\":" + TestServer.JSON.valueToTree(text) + "}}";
    }

    private static List<String> ids(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        answer.get("workloads").forEach(w -> ids.add(w.get("id").asText()));
        return ids;
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
