package io.microseg.enforce;

import io.microseg.controlplane.AgentStatus;
import io.microseg.controlplane.Codec;
import io.microseg.controlplane.WatchConnection;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends the agent's {@link AgentStatus} ({@code PUT /v1/nodes/{cluster}/{node}/status} or
 * {@code PUT /v1/hosts/{name}/status}, {@link Codec#status}) to the server it follows, one report at a time.
 * A report is best effort: a failure changes nothing in force and the next report (after the next apply or
 * interval) says it all again. Answers are logged only when they change (a server without the status
 * endpoint answers 404 to every report: one line, not one per report).
 * <p>
 * <b>A report never blocks the next one for longer than its deadline.</b> The HTTP client's own timeouts
 * are not relied on for that: under load, with requests started from the agent's apply thread, a request on
 * a reused keep-alive connection was answered by the server (the answer acknowledged by the agent's kernel)
 * yet never completed, not even when the connection closed, and every later report waited behind it. So
 * requests start on one event-loop context of this class's own, and this class keeps its own deadline: a
 * report unanswered by then is abandoned, the client is closed with its connections, and the next report
 * goes out on a new client.
 */
final class StatusReporter implements AutoCloseable {
    private final Vertx vertx;
    private final Context context;
    private volatile HttpClient http; // replaced (on context) when a report is abandoned
    private volatile boolean closed;
    private final String path;
    private final WatchConnection.TokenSource token;
    private final AgentLog log;
    private final Duration deadline;
    /** The report on its way, null when none; compared by identity, so a late answer of an abandoned one changes nothing. */
    private final AtomicReference<Flight> flight = new AtomicReference<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger abandoned = new AtomicInteger();
    private String lastAnswer = "none yet"; // guarded by this

    private static final class Flight {}

    /**
     * @param path     the status path of this agent
     * @param deadline how long a report may take, connect and answer included; unanswered by then it is abandoned
     */
    StatusReporter(Vertx vertx, String path, WatchConnection.TokenSource token, AgentLog log, Duration deadline) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.path = path;
        this.token = token;
        this.log = log;
        this.deadline = deadline;
        this.http = newClient();
    }

    private HttpClient newClient() {
        return vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) deadline.toMillis()));
    }

    /**
     * Sends a report unless one is still on its way (then returns false: the caller tries again later
     * with what is current then). Reads the token file and encodes the report on the calling thread.
     */
    boolean trySend(WatchConnection.Server server, AgentStatus status) {
        Flight mine = new Flight();
        if (!flight.compareAndSet(null, mine)) return false;
        String bearer;
        try {
            bearer = token.token();
        } catch (IOException e) {
            answer("no token", "status report not sent: " + e.getMessage());
            flight.set(null);
            return true;
        }
        RequestOptions req = new RequestOptions().setMethod(HttpMethod.PUT).setHost(server.host()).setPort(server.port())
                .setSsl(server.ssl()).setURI(path).putHeader("Content-Type", "application/json");
        if (bearer != null) req.putHeader("Authorization", "Bearer " + bearer);
        Buffer body = Buffer.buffer(Codec.bytes(Codec.status(status)));
        context.runOnContext(v -> send(server, req, body, mine));
        return true;
    }

    /** On the context. */
    private void send(WatchConnection.Server server, RequestOptions req, Buffer body, Flight mine) {
        if (closed) return;
        long timer = vertx.setTimer(deadline.toMillis(), id -> abandon(server, mine));
        http.request(req).compose(r -> r.send(body)).compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b)))
                .onComplete(ar -> {
                    vertx.cancelTimer(timer);
                    if (!flight.compareAndSet(mine, null)) return; // abandoned: the next report has said it all again
                    if (ar.failed()) {
                        answer("unreachable", "status report to " + server + " failed: " + ar.cause().getMessage());
                    } else {
                        answered(server, ar.result());
                    }
                });
    }

    /** On the context: the report got no answer in time; its client goes, with whatever state held it. */
    private void abandon(WatchConnection.Server server, Flight mine) {
        if (!flight.compareAndSet(mine, null)) return;
        abandoned.incrementAndGet();
        answer("no answer", "status report to " + server + ": no answer within " + deadline.toMillis() + " ms; abandoned with its"
                + " connection, the next report goes on a new one");
        HttpClient old = http;
        http = newClient();
        old.close();
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

    /** Reports abandoned for want of an answer within the deadline. */
    int abandoned() {
        return abandoned.get();
    }

    /** Stops reporting; a report on its way is dropped. */
    @Override
    public void close() {
        closed = true;
        context.runOnContext(v -> http.close());
    }
}
