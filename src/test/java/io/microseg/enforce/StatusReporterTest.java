package io.microseg.enforce;

import io.microseg.controlplane.AgentStatus;
import io.microseg.controlplane.WatchConnection;
import io.microseg.testing.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A report that gets no answer must not hold back the next ones: against a real socket server whose
 * first connection reads the report and stays silent, the reporter abandons it at its deadline and the
 * next report, on a new connection, is answered and counted.
 */
class StatusReporterTest {
    private final Vertx vertx = Vertx.vertx();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private ServerSocket server;

    @AfterEach
    void close() throws IOException {
        vertx.close();
        if (server != null) server.close();
        for (Socket s : accepted) s.close();
    }

    @Test
    void aReportWithoutAnswerIsAbandonedAtItsDeadlineAndTheNextGoesOnANewConnection() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket s = server.accept();
                    accepted.add(s);
                    boolean silent = accepted.size() == 1;
                    Thread t = new Thread(() -> serve(s, silent));
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();

        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        AgentLog log = new AgentLog(new PrintStream(logged, true, StandardCharsets.UTF_8));
        StatusReporter reporter = new StatusReporter(vertx, "/v1/hosts/h1/status", () -> "t", log, Duration.ofMillis(1500));
        WatchConnection.Server to = new WatchConnection.Server("127.0.0.1", server.getLocalPort(), false);
        AgentStatus status = new AgentStatus("host/h1", "e1", 7, List.of(), List.of(), null);
        try {
            assertThat(reporter.trySend(to, status)).isTrue();
            Await.until("the first report reached the silent connection", () -> accepted.size() == 1);
            assertThat(reporter.trySend(to, status)).as("one report at a time").isFalse();
            Await.until("the unanswered report is abandoned", () -> reporter.abandoned() == 1);
            Await.until("the next report is sent and answered", Duration.ofSeconds(10), () -> {
                reporter.trySend(to, status);
                return reporter.accepted() == 1;
            });
        } finally {
            reporter.close();
        }
        assertThat(accepted).as("the abandoned report's connection is not reused").hasSizeGreaterThanOrEqualTo(2);
        assertThat(reporter.abandoned()).isEqualTo(1);
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("no answer within 1500 ms; abandoned");
    }

    /** Reads requests; answers each with 200 unless silent. */
    private static void serve(Socket s, boolean silent) {
        try (s; InputStream in = s.getInputStream()) {
            byte[] buf = new byte[8192];
            StringBuilder pending = new StringBuilder();
            int n;
            while ((n = in.read(buf)) > 0) {
                pending.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                int head;
                while ((head = pending.indexOf("\r\n\r\n")) >= 0) {
                    String headers = pending.substring(0, head).toLowerCase();
                    int at = headers.indexOf("content-length:");
                    int length = at < 0 ? 0 : Integer.parseInt(headers.substring(at + 15, headers.indexOf('\n', at) < 0
                            ? headers.length() : headers.indexOf('\n', at)).trim());
                    if (pending.length() < head + 4 + length) break;
                    pending.delete(0, head + 4 + length);
                    if (!silent) {
                        s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                    }
                }
            }
        } catch (IOException | RuntimeException closed) {
            // the client went away
        }
    }
}
