package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.config.MicrosegConfig;
import io.microseg.testing.Await;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.microseg.server.TestServer.NODE_1;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that stops reading is cut off, and the others are not held up by it. node-1 carries a few
 * thousand production pods here, so its snapshot (megabytes) alone fills the socket of a client that
 * never reads.
 */
class SlowConsumerTest {
    private static final String WATCH = "/v1/nodes/demo/node-1/watch";
    private static final int PODS = 1500;

    @TempDir
    Path dir;

    @Test
    void aClientThatStopsReadingIsDisconnectedWhileAnotherKeepsReceivingDeltasPromptly() throws Exception {
        MicrosegConfig.Server settings = TestServer.settings()
                .withSlowConsumer(new MicrosegConfig.SlowConsumer(1_000_000, Duration.ofSeconds(10)));
        try (TestServer t = new TestServer(dir, settings)) {
            manyPodsOnNode1(t, "production");
            t.start();
            try (TestServer.Stream fast = t.watch(WATCH, NODE_1)) {
                JsonNode snapshot = fast.next(Duration.ofSeconds(30), false);
                assertThat(snapshot.get("rules").size()).isGreaterThan(4 * PODS);
                Socket stuck = neverReading(t);
                Await.until("both streams open", () -> t.server.metrics().connected.get() == 2);
                Await.until("the server waiting for the stuck client to read", () -> t.server.metrics().waitingForRoom.get() == 1);
                long stuckSince = System.nanoTime();

                List<Long> latencies = new ArrayList<>();
                List<Integer> connectedAtDelta = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    long before = t.server.feed().version();
                    relabelWebProd(t, i % 2 == 0 ? "development" : "production");
                    Await.until("the change compiled", Duration.ofSeconds(10), () -> t.server.feed().version() > before);
                    long compiled = System.nanoTime();
                    JsonNode delta = fast.next(Duration.ofSeconds(10), false);
                    assertThat(delta.get("type").asText()).isEqualTo("delta");
                    assertThat(delta.get("version").asLong()).isGreaterThan(before);
                    latencies.add(Math.max(0, System.nanoTime() - compiled) / 1_000_000);
                    connectedAtDelta.add(t.server.metrics().connected.get());
                }
                long stuckFor = (System.nanoTime() - stuckSince) / 1_000_000;
                System.out.println("fast client: delta received " + latencies + " ms after the feed had it; stuck client open "
                        + stuckFor + " ms meanwhile");
                assertThat(latencies).allMatch(ms -> ms < 1_000);
                assertThat(connectedAtDelta).as("deltas went out while the stuck client was connected").startsWith(2, 2);

                Await.until("the stuck client counted as a slow consumer", Duration.ofSeconds(20),
                        () -> t.server.metrics().slowConsumers.count() == 1);
                Await.until("only the fast client connected", () -> t.server.metrics().connected.get() == 1);
                assertThat(t.server.metrics().waitingForRoom.get()).isZero();
                assertThat(closedByServer(stuck)).isTrue();
                stuck.close();
                assertThat(t.get("/metrics", null).body()).contains("microseg_feed_slow_consumer_disconnects_total 1.0");

                // the fast client goes on receiving
                relabelWebProd(t, "development");
                assertThat(fast.next(Duration.ofSeconds(10), false).get("type").asText()).isEqualTo("delta");
            }
        }
    }

    @Test
    void aStreamWhoseWaitingChangesExceedTheBoundIsClosedBeforeTheGracePeriod() throws Exception {
        MicrosegConfig.Server settings = TestServer.settings()
                .withSlowConsumer(new MicrosegConfig.SlowConsumer(1_000, Duration.ofMinutes(5)));
        try (TestServer t = new TestServer(dir, settings)) {
            manyPodsOnNode1(t, "production");
            t.start();
            try (Socket stuck = neverReading(t)) {
                Await.until("the stream open", () -> t.server.metrics().connected.get() == 1);
                // The snapshot (megabytes) fills the socket: from then on the server holds what it cannot write.
                Await.until("the server waiting for the client to read", () -> t.server.metrics().waitingForRoom.get() == 1);
                assertThat(t.server.metrics().slowConsumers.count()).isZero();
                manyPodsOnNode1(t, "development"); // thousands of rules removed: more than the bound waits
                Await.until("closed for the bound, long before the grace period", Duration.ofSeconds(15),
                        () -> t.server.metrics().slowConsumers.count() == 1);
                // the connection gauge drops when the close completes, just after the disconnect is counted
                Await.until("no stream connected", () -> t.server.metrics().connected.get() == 0);
                assertThat(closedByServer(stuck)).isTrue();
            }
        }
    }

    /** A raw HTTP/1.1 client with a tiny receive buffer that sends its request and never reads. */
    private static Socket neverReading(TestServer t) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(1024);
        s.connect(new InetSocketAddress("127.0.0.1", t.port), 5_000);
        s.getOutputStream().write(("GET " + WATCH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + NODE_1
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    /** Reads what is left until the end of the stream or a reset: true when the server closed the connection. */
    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[64 * 1024];
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (in.read(buf) < 0) return true;
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private static void manyPodsOnNode1(TestServer t, String environment) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < PODS; i++) {
            yaml.append("""
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: batch-%d
                      namespace: web
                      labels: {app: batch, environment: %s}
                    spec:
                      nodeName: node-1
                      containers: [{name: batch, image: busybox}]
                    status:
                      phase: Running
                      podIP: 10.244.%d.%d
                      podIPs: [{ip: 10.244.%d.%d}]
                    ---
                    """.formatted(i, environment, 100 + i / 250, i % 250 + 1, 100 + i / 250, i % 250 + 1));
        }
        TestFiles.write(t.inventory.resolve("batch.yaml"), yaml.toString());
    }

    private static void relabelWebProd(TestServer t, String to) {
        String from = to.equals("development") ? "production" : "development";
        TestFiles.edit(t.inventory.resolve("web.yaml"), "  name: web-prod-0\n  namespace: web\n  labels:\n    app: web\n    environment: " + from,
                "  name: web-prod-0\n  namespace: web\n  labels:\n    app: web\n    environment: " + to);
    }
}
