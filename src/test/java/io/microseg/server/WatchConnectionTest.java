package io.microseg.server;

import io.microseg.config.MicrosegConfig;
import io.microseg.controlplane.WatchConnection;
import io.microseg.testing.TestFiles;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.microseg.server.TestServer.NODE_1;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link WatchConnection} over real sockets: kept alive by bookmarks, tripped by silence, resumed after a restart. */
class WatchConnectionTest {
    private static final String WATCH = "/v1/nodes/demo/node-1/watch";
    private static final Duration INTERVAL = Duration.ofMillis(300);

    @TempDir
    Path dir;
    final Vertx vertx = Vertx.vertx();
    final Recorder recorder = new Recorder();

    @AfterEach
    void closeVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** What a connection reported, with arrival times. */
    static final class Recorder implements WatchConnection.Listener {
        final BlockingQueue<WatchConnection.Event> events = new LinkedBlockingQueue<>();
        final BlockingQueue<WatchConnection.Lost> losses = new LinkedBlockingQueue<>();
        final List<Long> connectedSince = new CopyOnWriteArrayList<>();
        volatile long lastEventAt;

        @Override
        public void onEvent(WatchConnection.Event event) {
            lastEventAt = System.nanoTime();
            events.add(event);
        }

        @Override
        public void onConnected(long since) {
            connectedSince.add(since);
        }

        @Override
        public void onServerLost(WatchConnection.Lost lost) {
            losses.add(lost);
        }

        WatchConnection.Event next(Duration timeout, boolean bookmarks) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                WatchConnection.Event e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (e == null) throw new AssertionError("no event within " + timeout.toMillis() + " ms");
                if (bookmarks || !e.isBookmark()) return e;
            }
        }
    }

    private WatchConnection.Options options(int port) {
        return WatchConnection.Options.of(URI.create("http://127.0.0.1:" + port + WATCH), INTERVAL)
                .withToken(NODE_1).withBackoff(Duration.ofMillis(50), Duration.ofMillis(400));
    }

    @Test
    void againstALiveServerBookmarksKeepItOpenAndDeltasArrive() throws Exception {
        try (TestServer t = new TestServer(dir, TestServer.settings()).start();
             WatchConnection c = WatchConnection.open(vertx, options(t.port), recorder)) {
            WatchConnection.Event snapshot = recorder.next(Duration.ofSeconds(10), false);
            assertThat(snapshot.isSnapshot()).isTrue();
            assertThat(snapshot.replaces()).isFalse();
            assertThat(c.lastVersion()).isEqualTo(snapshot.version());

            relabelWebProd(t.inventory, "development");
            WatchConnection.Event delta = recorder.next(Duration.ofSeconds(10), false);
            assertThat(delta.isDelta()).isTrue();
            assertThat(delta.version()).isGreaterThan(snapshot.version());
            assertThat(((io.microseg.controlplane.AgentEvent.Delta) delta.event()).rulesRemoved()).isNotEmpty();

            // ten intervals of nothing but bookmarks: more than three times the limit, and it never trips
            long bookmarks = 0;
            long until = System.nanoTime() + INTERVAL.multipliedBy(10).toNanos();
            while (System.nanoTime() < until) {
                WatchConnection.Event e = recorder.events.poll(INTERVAL.toMillis() * 2, TimeUnit.MILLISECONDS);
                if (e != null && e.isBookmark()) bookmarks++;
            }
            assertThat(bookmarks).isGreaterThanOrEqualTo(6);
            assertThat(recorder.losses).isEmpty();
            assertThat(c.connects()).isEqualTo(1);
            assertThat(c.connected()).isTrue();
            assertThat(c.lastVersion()).isGreaterThanOrEqualTo(delta.version());
        }
    }

    @Test
    void aServerThatGoesSilentIsDeclaredDeadWithinThreeIntervalsAndTheClientReconnectsWithSince() throws Exception {
        try (SilentServer silent = new SilentServer(42);
             WatchConnection c = WatchConnection.open(vertx, options(silent.port()), recorder)) {
            WatchConnection.Event snapshot = recorder.next(Duration.ofSeconds(5), true);
            assertThat(snapshot.version()).isEqualTo(42);
            long heardAt = recorder.lastEventAt;

            WatchConnection.Lost lost = recorder.losses.poll(5, TimeUnit.SECONDS);
            long detectedAfter = (System.nanoTime() - heardAt) / 1_000_000;
            System.out.println("silent server detected after " + detectedAfter + " ms (3 intervals = "
                    + INTERVAL.multipliedBy(3).toMillis() + " ms): " + lost);
            assertThat(lost).isNotNull();
            assertThat(lost.reason()).isEqualTo(WatchConnection.Loss.HEARTBEAT_TIMEOUT);
            assertThat(lost.lastVersion()).isEqualTo(42);
            assertThat(detectedAfter).isBetween(INTERVAL.multipliedBy(3).toMillis(), INTERVAL.multipliedBy(4).toMillis());

            // the reconnect asks to resume from the last version; the silent server answers the same way again
            assertThat(silent.requests.poll(5, TimeUnit.SECONDS)).startsWith("GET " + WATCH + " HTTP/1.1");
            assertThat(silent.requests.poll(5, TimeUnit.SECONDS)).startsWith("GET " + WATCH + "?since=42 HTTP/1.1");
            assertThat(recorder.next(Duration.ofSeconds(5), true).version()).isEqualTo(42);
            assertThat(recorder.losses.poll(5, TimeUnit.SECONDS).reason()).isEqualTo(WatchConnection.Loss.HEARTBEAT_TIMEOUT);
            assertThat(c.connects()).isGreaterThanOrEqualTo(2);
            // the first, dead, connection was closed by the client: the server sees its end
            assertThat(silent.closedByClient(0)).isTrue();
        }
    }

    @Test
    void afterARealServerRestartItResumesWithSinceAndGetsAReplacingSnapshot() throws Exception {
        TestServer first = new TestServer(dir.resolve("first"), TestServer.settings()).start();
        int port = first.port;
        long before;
        try (WatchConnection c = WatchConnection.open(vertx, options(port), recorder)) {
            try {
                WatchConnection.Event snapshot = recorder.next(Duration.ofSeconds(10), false);
                before = snapshot.version();
            } finally {
                first.close();
            }
            WatchConnection.Lost lost = recorder.losses.poll(10, TimeUnit.SECONDS);
            assertThat(lost).isNotNull();
            assertThat(lost.reason()).isEqualTo(WatchConnection.Loss.CLOSED);
            assertThat(lost.lastVersion()).isEqualTo(before);

            MicrosegConfig.Server samePort = TestServer.settings().withListen(new MicrosegConfig.Listen("127.0.0.1", port));
            try (TestServer second = new TestServer(dir.resolve("second"), samePort).start()) {
                WatchConnection.Event replace = recorder.next(Duration.ofSeconds(20), false);
                assertThat(replace.isSnapshot()).isTrue();
                assertThat(replace.replaces()).as("a version of the earlier run gets a replacing snapshot").isTrue();
                assertThat(replace.version()).isGreaterThan(before);
                assertThat(((io.microseg.controlplane.AgentEvent.Snapshot) replace.event()).rules()).isNotEmpty();
                assertThat(recorder.connectedSince).startsWith(-1L).contains(before);
                assertThat(c.lastVersion()).isEqualTo(replace.version());
                assertThat(c.connected()).isTrue();
                assertThat(second.server.metrics().connected.get()).isEqualTo(1);
            }
        }
    }

    @Test
    void afterARestartWhoseClockWentBackTheAgentGetsAReplacingSnapshotNotAResume() throws Exception {
        java.time.Instant start = java.time.Instant.parse("2026-06-01T00:00:00Z");
        TestServer first = new TestServer(dir.resolve("first"), TestServer.settings(), null,
                java.time.Clock.fixed(start, java.time.ZoneOffset.UTC), "00000000000000e1").start();
        int port = first.port;
        long cursor;
        try (WatchConnection c = WatchConnection.open(vertx, options(port), recorder)) {
            try {
                WatchConnection.Event snapshot = recorder.next(Duration.ofSeconds(10), false);
                assertThat(snapshot.epoch()).isEqualTo("00000000000000e1");
                relabelWebProd(first.inventory, "development");
                assertThat(recorder.next(Duration.ofSeconds(10), false).isDelta()).isTrue();
            } finally {
                first.close();
            }
            assertThat(recorder.losses.poll(10, TimeUnit.SECONDS)).isNotNull();
            cursor = c.lastVersion();
            recorder.events.clear();

            // the clock went back: the new instance's first version is exactly the agent's cursor, so the
            // version alone would say "nothing to send" while its rules may differ (its inventory does)
            java.time.Instant earlier = java.time.Instant.EPOCH.plus(cursor - 1, java.time.temporal.ChronoUnit.MICROS);
            MicrosegConfig.Server samePort = TestServer.settings().withListen(new MicrosegConfig.Listen("127.0.0.1", port));
            try (TestServer second = new TestServer(dir.resolve("second"), samePort, null,
                    java.time.Clock.fixed(earlier, java.time.ZoneOffset.UTC), "00000000000000e2").start()) {
                assertThat(second.server.feed().version()).isEqualTo(cursor);
                WatchConnection.Event next = recorder.next(Duration.ofSeconds(20), false);
                assertThat(recorder.connectedSince).contains(cursor);
                assertThat(next.isSnapshot()).as("the first event after the restart: " + next).isTrue();
                assertThat(next.replaces()).isTrue();
                assertThat(next.epoch()).isEqualTo("00000000000000e2");
                assertThat(c.lastVersion()).isEqualTo(next.version());
            }
        }
    }

    private static void relabelWebProd(Path inventory, String to) {
        String from = to.equals("development") ? "production" : "development";
        TestFiles.edit(inventory.resolve("web.yaml"), "  name: web-prod-0\n  namespace: web\n  labels:\n    app: web\n    environment: " + from,
                "  name: web-prod-0\n  namespace: web\n  labels:\n    app: web\n    environment: " + to);
    }

    /**
     * A raw TCP server that answers every request with the headers of an NDJSON stream and one snapshot
     * line, then says nothing more but keeps the socket open: a hung server, or a path that drops packets.
     */
    static final class SilentServer implements AutoCloseable {
        final ServerSocket socket;
        final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final long version;
        private final Thread acceptor;

        SilentServer(long version) throws IOException {
            this.version = version;
            this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.acceptor = new Thread(this::accept, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void accept() {
            try {
                while (!socket.isClosed()) {
                    Socket s = socket.accept();
                    accepted.add(s);
                    InputStream in = s.getInputStream();
                    ByteArrayOutputStream head = new ByteArrayOutputStream();
                    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b < 0) break;
                        head.write(b);
                    }
                    String text = head.toString(StandardCharsets.US_ASCII);
                    requests.add(text.substring(0, Math.max(0, text.indexOf("\r\n"))));
                    String line = "{\"type\":\"snapshot\",\"version\":" + version + ",\"replace\":false,\"rules\":[],\"sets\":[],\"workloads\":[]}\n";
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + Integer.toHexString(line.length()) + "\r\n" + line + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException e) {
                // closed
            }
        }

        /** Whether the client closed the {@code i}th connection (reads its end within 5 s). */
        boolean closedByClient(int i) throws IOException {
            Socket s = accepted.get(i);
            s.setSoTimeout(5_000);
            try {
                return s.getInputStream().read() < 0;
            } catch (java.net.SocketTimeoutException e) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) s.close();
        }
    }
}
