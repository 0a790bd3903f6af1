package io.microseg.enforce;

import io.microseg.controlplane.AgentStatus;
import io.microseg.controlplane.Codec;
import io.microseg.controlplane.WatchConnection;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends the agent's {@link AgentStatus} ({@code PUT /v1/nodes/{cluster}/{node}/status} or
 * {@code PUT /v1/hosts/{name}/status}, {@link Codec#status}) to the server it follows, one report at a time.
 * A report is best effort: a failure changes nothing in force and the next report (after the next apply or
 * interval) says it all again. Answers are logged only when they change (a server without the status
 * endpoint answers 404 to every report: one line, not one per report).
 */
final class StatusReporter implements AutoCloseable {
    private final HttpClient http;
    private final String path;
    private final WatchConnection.TokenSource token;
    private final AgentLog log;
    private final Duration timeout;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger accepted = new AtomicInteger();
    private String lastAnswer = "none yet"; // guarded by this

    /**
     * @param path    the status path of this agent
     * @param timeout how long a report may take (connect and answer)
     */
    StatusReporter(Vertx vertx, String path, WatchConnection.TokenSource token, AgentLog log, Duration timeout) {
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeout.toMillis()));
        this.path = path;
        this.token = token;
        this.log = log;
        this.timeout = timeout;
    }

    /**
     * Sends a report unless one is still on its way (then returns false: the caller tries again later
     * with what is current then). Reads the token file on the calling thread.
     */
    boolean trySend(WatchConnection.Server server, AgentStatus status) {
        if (!busy.compareAndSet(false, true)) return false;
        String bearer;
        try {
            bearer = token.token();
        } catch (IOException e) {
            answer("no token", "status report not sent: " + e.getMessage());
            busy.set(false);
            return true;
        }
        RequestOptions req = new RequestOptions().setMethod(HttpMethod.PUT).setHost(server.host()).setPort(server.port())
                .setSsl(server.ssl()).setURI(path).setTimeout(timeout.toMillis()).putHeader("Content-Type", "application/json");
        if (bearer != null) req.putHeader("Authorization", "Bearer " + bearer);
        Buffer body = Buffer.buffer(Codec.bytes(Codec.status(status)));
        http.request(req).compose(r -> r.send(body)).compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b)))
                .onComplete(ar -> {
                    try {
                        if (ar.failed()) {
                            answer("unreachable", "status report to " + server + " failed: " + ar.cause().getMessage());
                        } else {
                            answered(server, ar.result());
                        }
                    } finally {
                        busy.set(false);
                    }
                });
        return true;
    }

    private record Answer(int status, Buffer body) {}

    private void answered(WatchConnection.Server server, Answer a) {
        if (a.status() / 100 == 2) {
            accepted.incrementAndGet();
            answer("accepted", "status reports are accepted by " + server);
        } else if (a.status() == 404) {
            answer("404", "status report: " + server + " answers 404 (a server without status reports); reports go on,"
                    + " this is logged again when the answer changes");
        } else {
            String text = a.body().toString(StandardCharsets.UTF_8).trim();
            answer("HTTP " + a.status(), "status report to " + server + " refused: HTTP " + a.status()
                    + (text.isEmpty() ? "" : ": " + (text.length() > 300 ? text.substring(0, 300) + "..." : text)));
        }
    }

    /** Logs the message when this kind of answer differs from the last one. */
    private synchronized void answer(String kind, String message) {
        if (kind.equals(lastAnswer)) return;
        boolean first = lastAnswer.equals("none yet");
        lastAnswer = kind;
        if (first && kind.equals("accepted")) return; // the normal case says nothing
        log.line("microseg enforce: " + message);
    }

    /** Reports the server accepted so far. */
    int accepted() {
        return accepted.get();
    }

    @Override
    public void close() {
        http.close();
    }
}
