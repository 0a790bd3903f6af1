package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.config.MicrosegConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.microseg.server.TestServer.NODE_1;
import static io.microseg.server.TestServer.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limits of {@code server.http} and the request gate, against a real server over raw sockets: what
 * an unauthenticated client can do to it (slowloris, silent connections, made-up methods, malformed
 * requests, ambiguous framing) and what a web page can make a browser do to a demo server (DNS
 * rebinding, cross-site simple POST).
 */
class HttpLimitsTest {
    private static final String NODE_1_WATCH = "/v1/nodes/demo/node-1/watch";

    @TempDir
    Path dir;

    static MicrosegConfig.Server limits(Duration header, Duration idle, int max, int maxUnauthenticated) {
        return TestServer.settings().withHttp(new MicrosegConfig.Http(header, idle, max, maxUnauthenticated, 4, Duration.ofSeconds(10)));
    }

    private static String get(String path, int port) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n";
    }

    @Test
    void aSlowlorisConnectionIsClosedAfterTheHeaderTimeout() throws Exception {
        try (TestServer t = new TestServer(dir, limits(Duration.ofSeconds(1), Duration.ofSeconds(60), 100, 50)).start();
             RawHttp raw = new RawHttp(t.port)) {
            // one header byte every 100 ms: the head would take 20 s to complete
            String head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + "a".repeat(150) + "\r\n\r\n";
            AtomicBoolean stop = new AtomicBoolean();
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < head.length() && !stop.get(); i++) {
                        raw.send(head.substring(i, i + 1));
                        Thread.sleep(100);
                    }
                } catch (Exception e) {
                    // closed by the server
                }
            });
            trickle.setDaemon(true);
            trickle.start();
            try {
                assertThat(raw.closedByServerWithin(Duration.ofSeconds(8))).as("closed before its head was complete").isTrue();
            } finally {
                stop.set(true);
            }
            assertThat(t.get("/metrics", null).body()).contains("microseg_http_connections_closed_total{reason=\"header_timeout\"} 1.0");
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeoutWhileAWatchStreamIsNot() throws Exception {
        // bookmarks every 300 ms; idle connections closed after 1 s
        try (TestServer t = new TestServer(dir, limits(Duration.ofSeconds(1), Duration.ofSeconds(1), 100, 50)).start();
             TestServer.Stream watch = t.watch(NODE_1_WATCH, NODE_1);
             RawHttp raw = new RawHttp(t.port)) {
            assertThat(watch.next().get("type").asText()).isEqualTo("snapshot");
            RawHttp.Response r = raw.exchange(get("/healthz", t.port));
            assertThat(r.status()).isEqualTo(200);
            assertThat(raw.closedByServerWithin(Duration.ofSeconds(8))).as("the idle keep-alive connection is closed").isTrue();

            // the watch, silent on the client's side for several idle timeouts, still streams
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < until) watch.nextBookmark();
            assertThat(watch.ended).isFalse();
            assertThat(t.server.metrics().connected.get()).isEqualTo(1);
            assertThat(t.get("/metrics", null).body()).contains("microseg_http_connections_closed_total{reason=\"idle_timeout\"} ");
        }
    }

    @Test
    void silentConnectionsBeyondTheCapAreClosedAndHealthzAndAgentsStillGetIn() throws Exception {
        try (TestServer t = new TestServer(dir, limits(Duration.ofSeconds(60), Duration.ofSeconds(60), 200, 50)).start();
             TestServer.Stream before = t.watch(NODE_1_WATCH, NODE_1)) {
            assertThat(before.next().get("type").asText()).isEqualTo("snapshot");
            List<RawHttp> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) silent.add(new RawHttp(t.port));
                int closed = 0;
                for (RawHttp s : silent) if (s.closedByServerWithin(Duration.ofMillis(20))) closed++;
                Thread.sleep(200);
                for (RawHttp s : silent) if (!s.socket.isClosed() && s.closedByServerWithin(Duration.ofMillis(5))) closed++;
                assertThat(closed).as("silent connections beyond the unauthenticated cap are closed").isGreaterThanOrEqualTo(250);
                assertThat(t.server.connections().unauthenticated()).isLessThanOrEqualTo(50);

                // with the pool full of silent connections, a probe and an agent still get in
                assertThat(t.get("/healthz", null).status()).isEqualTo(200);
                try (TestServer.Stream after = t.watch("/v1/nodes/demo/node-2/watch", TestServer.NODE_2)) {
                    assertThat(after.next().get("type").asText()).isEqualTo("snapshot");
                    assertThat(t.server.metrics().connected.get()).isEqualTo(2);
                }
                // the stream opened before the flood was not touched
                assertThat(before.nextBookmark().get("type").asText()).isEqualTo("bookmark");
                assertThat(t.server.connections().open()).isLessThanOrEqualTo(200);
            } finally {
                for (RawHttp s : silent) s.close();
            }
        }
    }

    @Test
    void madeUpMethodsShareOneMetricLabelAndAddNoSeries() throws Exception {
        try (TestServer t = new TestServer(dir, TestServer.settings()).start(); RawHttp raw = new RawHttp(t.port)) {
            Random random = new Random(12);
            for (int i = 0; i < 10; i++) raw.exchange(randomMethod(random) + " /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            series(t); // the scrape's own request adds its series once
            long seriesBefore = series(t);
            long logLinesBefore = t.server.errorLog().written();
            for (int i = 0; i < 2_000; i++) {
                RawHttp.Response r = raw.exchange(randomMethod(random) + " /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                assertThat(r.status()).isEqualTo(501);
            }
            String metrics = t.get("/metrics", null).body();
            assertThat(series(t)).as("series after 2,000 made-up methods").isEqualTo(seriesBefore);
            assertThat(metrics).contains("method=\"other\"").doesNotContainPattern("method=\"M[A-Z]{8}\"");
            assertThat(t.server.errorLog().written() - logLinesBefore).as("log lines for 2,000 refusals").isLessThanOrEqualTo(1);
        }
    }

    private static String randomMethod(Random random) {
        StringBuilder b = new StringBuilder("M");
        for (int i = 0; i < 8; i++) b.append((char) ('A' + random.nextInt(26)));
        return b.toString();
    }

    /** Sample lines in the Prometheus scrape: one per series. */
    private static long series(TestServer t) {
        return t.get("/metrics", null).body().lines().filter(l -> !l.startsWith("#") && !l.isBlank()).count();
    }

    @Test
    void malformedRequestsGetAJson400AndALogLineAtABoundedRateWithoutStackTraces() throws Exception {
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (TestServer t = new TestServer(dir, TestServer.settings()).start()) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            long before = t.server.errorLog().written();
            try {
                for (int i = 0; i < 100; i++) {
                    for (String request : List.of(
                            "GET /v1/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + OPERATOR + "\r\n\r\n",
                            "GET /healthz%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                            "GET /v1/trace?from=%zz&to=a&port=tcp/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + OPERATOR + "\r\n\r\n",
                            "GET /a b c HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                            "\u0001\u0002 not http\r\n\r\n")) {
                        try (RawHttp raw = new RawHttp(t.port)) {
                            RawHttp.Response r = raw.exchange(request);
                            assertThat(r.status()).as(request).isEqualTo(400);
                            assertThat(r.headers().get("content-type")).isEqualTo("application/json");
                            JsonNode body = TestServer.JSON.readTree(r.body());
                            assertThat(body.get("status").asInt()).isEqualTo(400);
                            assertThat(body.get("error").asText()).isNotBlank();
                        }
                    }
                }
            } finally {
                System.setErr(stderr);
            }
            String log = captured.toString(StandardCharsets.UTF_8);
            System.err.print(log);
            assertThat(log).doesNotContain("\tat ").doesNotContain("Unhandled exception");
            assertThat(t.server.errorLog().written() - before).as("log lines for 500 malformed requests").isBetween(1L, 2L);
            assertThat(log.lines().filter(l -> l.contains("malformed request")).count()).isBetween(1L, 2L);
        }
    }

    @Test
    void requestsFramedTwoWaysOrWithTwoAuthorizationHeadersAreRefusedBeforeRouting() throws Exception {
        try (TestServer t = new TestServer(dir, TestServer.settings()).start()) {
            // Content-Length and Transfer-Encoding: a proxy reading the length would see a second, smuggled request
            try (RawHttp raw = new RawHttp(t.port)) {
                String smuggled = "GET /v1/warnings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + OPERATOR + "\r\n\r\n";
                RawHttp.Response r = raw.exchange("POST /v1/rules/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Authorization: Bearer " + OPERATOR + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled);
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.body()).contains("Transfer-Encoding");
                assertThat(raw.closedByServerWithin(Duration.ofSeconds(5))).as("nothing after it is read as a request").isTrue();
            }
            // two Authorization headers: an agent's first, an operator's second (or the other way round)
            for (String[] order : List.of(new String[]{NODE_1, OPERATOR}, new String[]{OPERATOR, NODE_1})) {
                try (RawHttp raw = new RawHttp(t.port)) {
                    RawHttp.Response r = raw.exchange("GET /v1/warnings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + order[0]
                            + "\r\nAuthorization: Bearer " + order[1] + "\r\n\r\n");
                    assertThat(r.status()).isEqualTo(400);
                    assertThat(r.body()).contains("at most one Authorization header");
                }
            }
            // one header is served as before
            assertThat(t.get("/v1/warnings", OPERATOR).status()).isEqualTo(200);
        }
    }

    @Test
    void withoutAuthenticationOnlyLoopbackHostNamesAreServed() throws Exception {
        MicrosegConfig.Server open = TestServer.settings().withAuth(MicrosegConfig.Auth.INSECURE);
        try (TestServer t = new TestServer(dir, open).start()) {
            for (String host : List.of("localhost:" + t.port, "127.0.0.1:" + t.port, "[::1]:" + t.port, "localhost", "127.0.0.1")) {
                try (RawHttp raw = new RawHttp(t.port)) {
                    RawHttp.Response r = raw.exchange("GET /v1/nodes/demo/node-1/rules HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
                    assertThat(r.status()).as(host).isEqualTo(200);
                }
            }
            for (String host : List.of("rebind.attacker.example", "rebind.attacker.example:" + t.port, "127.0.0.1.attacker.example",
                    "localhost.attacker.example:" + t.port, "[::1].attacker.example", "0x7f000001")) {
                try (RawHttp raw = new RawHttp(t.port)) {
                    RawHttp.Response r = raw.exchange("GET /v1/nodes/demo/node-1/rules HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
                    assertThat(r.status()).as(host).isEqualTo(403);
                    assertThat(r.body()).contains("loopback names only").doesNotContain("rules\":[");
                }
            }
        }
        // with tokens, agents reach the server under any name (a Service's, a node's address)
        try (TestServer t = new TestServer(dir.resolve("auth"), TestServer.settings()).start(); RawHttp raw = new RawHttp(t.port)) {
            RawHttp.Response r = raw.exchange("GET /v1/nodes/demo/node-1/rules HTTP/1.1\r\nHost: microseg.microseg-system.svc:8080\r\n"
                    + "Authorization: Bearer " + NODE_1 + "\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
        }
    }

    @Test
    void stateChangingRequestsNeedJsonOrTheMicrosegHeaderSoAPageCannotForgeThem() throws Exception {
        MicrosegConfig.Server open = TestServer.settings().withAuth(MicrosegConfig.Auth.INSECURE);
        try (TestServer t = new TestServer(dir, open).start()) {
            // what a cross-site form or fetch without preflight can send
            for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "")) {
                try (RawHttp raw = new RawHttp(t.port)) {
                    String header = type.isEmpty() ? "" : "Content-Type: " + type + "\r\n";
                    RawHttp.Response r = raw.exchange("POST /v1/rules/reload HTTP/1.1\r\nHost: 127.0.0.1:" + t.port + "\r\n" + header
                            + "Content-Length: 2\r\n\r\n{}");
                    assertThat(r.status()).as(type).isEqualTo(415);
                }
            }
            // JSON, or the custom header, reaches the endpoint (409: this server runs its packaged rules)
            for (String header : List.of("Content-Type: application/json", "Content-Type: application/json; charset=utf-8", "X-Microseg-Request: 1")) {
                try (RawHttp raw = new RawHttp(t.port)) {
                    RawHttp.Response r = raw.exchange("POST /v1/rules/reload HTTP/1.1\r\nHost: 127.0.0.1:" + t.port + "\r\n" + header
                            + "\r\nContent-Length: 2\r\n\r\n{}");
                    assertThat(r.status()).as(header).isEqualTo(409);
                }
            }
        }
    }

    @Test
    void aSocketThatNeverSendsAnythingIsClosedAfterTheHeaderTimeout() throws Exception {
        try (TestServer t = new TestServer(dir, limits(Duration.ofSeconds(1), Duration.ofSeconds(60), 100, 50)).start();
             Socket s = new Socket(InetAddress.getLoopbackAddress(), t.port)) {
            s.setSoTimeout(8_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void theConnectionCapsStayUnderTheProcesssOpenFileLimit() {
        MicrosegConfig.Http configured = MicrosegConfig.Http.DEFAULT; // 10,000 connections, 1,000 unauthenticated
        assertThat(ConnectionGuard.withinFileLimit(configured, 1_048_576)).isEqualTo(configured);
        assertThat(ConnectionGuard.withinFileLimit(configured, -1)).as("unknown limit").isEqualTo(configured);
        MicrosegConfig.Http capped = ConnectionGuard.withinFileLimit(configured, 4_096);
        assertThat(capped.maxConnections()).isEqualTo(4_096 - ConnectionGuard.RESERVED_FILES);
        assertThat(capped.maxUnauthenticatedConnections()).isEqualTo(1_000);
        MicrosegConfig.Http tiny = ConnectionGuard.withinFileLimit(configured, 1_024);
        assertThat(tiny.maxConnections()).isEqualTo(768);
        assertThat(tiny.maxUnauthenticatedConnections()).isEqualTo(768);
    }
}
