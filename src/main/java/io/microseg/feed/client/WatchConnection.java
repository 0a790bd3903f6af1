package io.microseg.feed.client;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The client side of one agent's watch stream ({@code GET /v1/nodes/{cluster}/{node}/watch}, NDJSON):
 * reads it line by line, remembers the last version seen, and keeps it open.
 *
 * <ul>
 *   <li><b>Heartbeat.</b> The server sends a bookmark every {@code server.bookmarkInterval} when it has
 *       nothing else to say. When nothing at all (no byte of an event, no bookmark) has arrived for
 *       {@link Options#missedBookmarks} (3) intervals, the server is declared lost: the connection is
 *       closed and {@link Listener#onServerLost} says {@link Loss#HEARTBEAT_TIMEOUT}. The same limit applies
 *       to connecting and to waiting for the response headers.</li>
 *   <li><b>Reconnecting.</b> After any loss (timeout, a closed or failed connection, an HTTP error) it
 *       reconnects with {@code ?since=<last version>&epoch=<its epoch>} after a backoff that doubles from
 *       {@link Options#minBackoff} up to {@link Options#maxBackoff}, with jitter (half to all of it), and is
 *       reset once a line arrives. The server then sends the missed deltas, or a snapshot with
 *       {@code replace=true} when it cannot (it restarted: another epoch; or the version is too old).</li>
 *   <li><b>Versions.</b> {@link #lastVersion()} is the version of the last snapshot, or the highest version of
 *       a later delta or bookmark: what to resume from.</li>
 * </ul>
 *
 * <p>All callbacks run on one Vert.x event loop, in order, and must not block (hand long work to another
 * thread). The agent keeps enforcing what it holds while the server is lost. Usage:
 *
 * <pre>{@code
 * WatchConnection c = WatchConnection.open(vertx,
 *         WatchConnection.Options.of(URI.create("http://10.0.0.1:8080/v1/nodes/prod/node-1/watch"), Duration.ofSeconds(10))
 *                 .withToken(token),
 *         new WatchConnection.Listener() {
 *             public void onEvent(WatchConnection.Event e) { ... e.type(), e.version(), e.json() ... }
 *             public void onServerLost(WatchConnection.Lost lost) { log.warn("feed lost: {}", lost); }
 *         });
 * ...
 * c.close();
 * }</pre>
 */
public final class WatchConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WatchConnection.class);

    /** Why a connection ended. */
    public enum Loss {
        /** Nothing arrived for {@code missedBookmarks} bookmark intervals: the server or the path is dead. */
        HEARTBEAT_TIMEOUT,
        /** The server ended the stream or the connection closed or failed. */
        CLOSED,
        /** The connection could not be made. */
        CONNECT_FAILED,
        /** The server answered with a status other than 200 (401, 403, 404, 503 while starting, ...). */
        HTTP_ERROR
    }

    /**
     * One line of the stream.
     *
     * @param type    {@code snapshot}, {@code delta} or {@code bookmark}
     * @param version the event's version
     * @param json    the whole event, as docs/protocol.md ("The watch stream (NDJSON)") describes it
     */
    public record Event(String type, long version, JsonObject json) {
        public boolean isSnapshot() {
            return "snapshot".equals(type);
        }

        public boolean isDelta() {
            return "delta".equals(type);
        }

        public boolean isBookmark() {
            return "bookmark".equals(type);
        }

        /** A snapshot that replaces everything the agent holds (after a restart or too long away). */
        public boolean replaces() {
            return isSnapshot() && json.getBoolean("replace", false);
        }
    }

    /**
     * A connection ended.
     *
     * @param reason      why
     * @param detail      what happened, for logs
     * @param lastVersion the version the next connection resumes from (-1: none yet, a fresh snapshot)
     * @param retryIn     how long until the next attempt
     */
    public record Lost(Loss reason, String detail, long lastVersion, Duration retryIn) {}

    /** What the connection reports. Every method runs on the connection's event loop and must not block. */
    public interface Listener {
        /** An event, in stream order; bookmarks included. */
        void onEvent(Event event);

        /** A response with status 200 arrived; {@code since} is the version asked for, or -1. */
        default void onConnected(long since) {}

        /** The server is lost (each time a connection ends or an attempt fails); a reconnect follows. */
        default void onServerLost(Lost lost) {}
    }

    /**
     * Where and how to watch.
     *
     * @param host             the server's host
     * @param port             its port
     * @param ssl              HTTPS
     * @param path             the watch path, e.g. {@code /v1/nodes/prod/node-1/watch}
     * @param token            the agent's bearer token, or null
     * @param bookmarkInterval the server's {@code server.bookmarkInterval}
     * @param missedBookmarks  how many intervals of silence declare the server dead (3)
     * @param minBackoff       first delay before reconnecting
     * @param maxBackoff       longest delay before reconnecting
     */
    public record Options(String host, int port, boolean ssl, String path, String token, Duration bookmarkInterval,
                          int missedBookmarks, Duration minBackoff, Duration maxBackoff) {
        public Options {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(path, "path");
            if (bookmarkInterval.isNegative() || bookmarkInterval.isZero()) throw new IllegalArgumentException("bookmarkInterval must be positive");
            if (missedBookmarks < 1) throw new IllegalArgumentException("missedBookmarks must be at least 1");
            if (minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) throw new IllegalArgumentException("expected 0 <= minBackoff <= maxBackoff");
        }

        /** A watch URL ({@code http[s]://host:port/v1/.../watch}) and the server's bookmark interval; 3 intervals, backoff 0.5 s to 30 s. */
        public static Options of(URI watchUrl, Duration bookmarkInterval) {
            boolean ssl = "https".equalsIgnoreCase(watchUrl.getScheme());
            int port = watchUrl.getPort() >= 0 ? watchUrl.getPort() : ssl ? 443 : 80;
            return new Options(watchUrl.getHost(), port, ssl, watchUrl.getRawPath(), null, bookmarkInterval, 3,
                    Duration.ofMillis(500), Duration.ofSeconds(30));
        }

        public Options withToken(String t) {
            return new Options(host, port, ssl, path, t, bookmarkInterval, missedBookmarks, minBackoff, maxBackoff);
        }

        public Options withBackoff(Duration min, Duration max) {
            return new Options(host, port, ssl, path, token, bookmarkInterval, missedBookmarks, min, max);
        }

        public Options withMissedBookmarks(int n) {
            return new Options(host, port, ssl, path, token, bookmarkInterval, n, minBackoff, maxBackoff);
        }

        /** Silence that declares the server dead. */
        public Duration deadAfter() {
            return bookmarkInterval.multipliedBy(missedBookmarks);
        }
    }

    private final Vertx vertx;
    private final HttpClient http;
    private final boolean ownsClient;
    private final Options options;
    private final Listener listener;
    private final Context context;
    private final long deadAfterNanos;

    // on the context only
    private long attempt;
    private boolean inAttempt;
    private boolean closed;
    private io.vertx.core.http.HttpClientRequest request;
    private HttpClientResponse response;
    private long backoffMillis;
    private long watchdog = -1;
    private long retryTimer = -1;

    private volatile long lastVersion = -1;
    /** The epoch of the server instance that {@link #lastVersion} is a version of (from snapshots and bookmarks), or null. */
    private volatile String lastEpoch;
    private volatile long lastHeard;
    private volatile boolean connected;
    private volatile int connects;
    private volatile int losses;

    private WatchConnection(Vertx vertx, HttpClient http, boolean ownsClient, Options options, Listener listener) {
        this.vertx = vertx;
        this.http = http;
        this.ownsClient = ownsClient;
        this.options = options;
        this.listener = listener;
        this.context = vertx.getOrCreateContext();
        this.deadAfterNanos = options.deadAfter().toNanos();
        this.backoffMillis = options.minBackoff().toMillis();
    }

    /**
     * Opens a watch on a shared client (many watches on one client: give its pool room for all of them,
     * {@code PoolOptions.setHttp1MaxSize}, since each watch holds one HTTP/1.1 connection).
     */
    public static WatchConnection open(Vertx vertx, HttpClient http, Options options, Listener listener) {
        WatchConnection c = new WatchConnection(vertx, http, false, options, listener);
        c.context.runOnContext(v -> c.begin());
        return c;
    }

    /** Opens a watch on a client of its own, closed with it. */
    public static WatchConnection open(Vertx vertx, Options options, Listener listener) {
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setSsl(options.ssl()).setTcpKeepAlive(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.deadAfter().toMillis())));
        WatchConnection c = new WatchConnection(vertx, http, true, options, listener);
        c.context.runOnContext(v -> c.begin());
        return c;
    }

    /** The version to resume from: the last snapshot's, or a later delta's or bookmark's; -1 before the first event. */
    public long lastVersion() {
        return lastVersion;
    }

    /** Whether a stream is open (status 200 received, not lost since). */
    public boolean connected() {
        return connected;
    }

    /** Streams opened so far (1 + reconnects that succeeded). */
    public int connects() {
        return connects;
    }

    /** Connections lost or attempts failed so far. */
    public int losses() {
        return losses;
    }

    /** Stops watching: closes the connection, cancels timers; no callback follows. */
    @Override
    public void close() {
        context.runOnContext(v -> {
            if (closed) return;
            closed = true;
            connected = false;
            inAttempt = false;
            if (watchdog >= 0) vertx.cancelTimer(watchdog);
            if (retryTimer >= 0) vertx.cancelTimer(retryTimer);
            drop();
            if (ownsClient) http.close();
        });
    }

    private void begin() {
        long period = Math.max(10, options.bookmarkInterval().toMillis() / 4);
        watchdog = vertx.setPeriodic(period, id -> check());
        connect();
    }

    /** The watchdog: a stream (or an attempt) silent for too long is dead. */
    private void check() {
        if (!inAttempt || closed) return;
        long silent = System.nanoTime() - lastHeard;
        if (silent > deadAfterNanos) {
            lost(attempt, Loss.HEARTBEAT_TIMEOUT, "nothing received for " + silent / 1_000_000 + " ms (more than "
                    + options.missedBookmarks() + " bookmark intervals of " + options.bookmarkInterval().toMillis() + " ms)");
        }
    }

    private void connect() {
        retryTimer = -1;
        if (closed) return;
        long me = ++attempt;
        inAttempt = true;
        lastHeard = System.nanoTime();
        long since = lastVersion;
        String epoch = lastEpoch;
        String uri = options.path() + (since < 0 ? "" : (options.path().contains("?") ? "&" : "?") + "since=" + since
                + (epoch == null ? "" : "&epoch=" + java.net.URLEncoder.encode(epoch, java.nio.charset.StandardCharsets.UTF_8)));
        RequestOptions req = new RequestOptions().setMethod(HttpMethod.GET).setHost(options.host()).setPort(options.port())
                .setSsl(options.ssl()).setURI(uri).setConnectTimeout(options.deadAfter().toMillis())
                .putHeader("Accept", "application/x-ndjson");
        if (options.token() != null) req.putHeader("Authorization", "Bearer " + options.token());
        http.request(req).compose(r -> {
            if (me == attempt) request = r;
            return r.send();
        }).onComplete(ar -> {
            if (me != attempt || !inAttempt) { // given up on already (timeout, close)
                if (ar.succeeded()) ar.result().request().reset();
                return;
            }
            if (ar.failed()) {
                lost(me, Loss.CONNECT_FAILED, String.valueOf(ar.cause().getMessage()));
                return;
            }
            HttpClientResponse resp = ar.result();
            response = resp;
            if (resp.statusCode() != 200) {
                lost(me, Loss.HTTP_ERROR, "HTTP " + resp.statusCode() + " " + resp.statusMessage());
                return;
            }
            lastHeard = System.nanoTime();
            connected = true;
            connects++;
            RecordParser lines = RecordParser.newDelimited("\n", line -> line(me, line));
            resp.handler(buf -> {
                if (me != attempt) return;
                lastHeard = System.nanoTime();
                lines.handle(buf);
            });
            resp.endHandler(v -> lost(me, Loss.CLOSED, "the server ended the stream"));
            resp.exceptionHandler(e -> lost(me, Loss.CLOSED, String.valueOf(e.getMessage())));
            try {
                listener.onConnected(since);
            } catch (RuntimeException e) {
                LOG.error("the watch listener failed in onConnected", e);
            }
        });
    }

    private void line(long me, Buffer line) {
        if (me != attempt || !inAttempt || line.length() == 0) return;
        Event event;
        try {
            JsonObject json = line.toJsonObject();
            event = new Event(json.getString("type", ""), json.getLong("version", -1L), json);
        } catch (RuntimeException e) {
            lost(me, Loss.CLOSED, "not a JSON line: " + e.getMessage());
            return;
        }
        backoffMillis = options.minBackoff().toMillis(); // the server is alive and serving
        if (event.isSnapshot()) {
            lastVersion = event.version();
            lastEpoch = event.json().getValue("epoch") instanceof String e ? e : null;
        } else if (event.version() > lastVersion) {
            lastVersion = event.version();
        }
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.error("the watch listener failed on a {} event at version {}", event.type(), event.version(), e);
        }
    }

    private void lost(long me, Loss reason, String detail) {
        if (me != attempt || !inAttempt || closed) return;
        inAttempt = false;
        connected = false;
        losses++;
        drop();
        long base = backoffMillis;
        long delay = base <= 0 ? 0 : base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        backoffMillis = Math.min(options.maxBackoff().toMillis(), Math.max(1, base * 2));
        try {
            listener.onServerLost(new Lost(reason, detail, lastVersion, Duration.ofMillis(delay)));
        } catch (RuntimeException e) {
            LOG.error("the watch listener failed in onServerLost", e);
        }
        if (closed) return;
        if (delay == 0) context.runOnContext(v -> connect());
        else retryTimer = vertx.setTimer(delay, id -> connect());
    }

    /** Closes the current connection, if any. */
    private void drop() {
        io.vertx.core.http.HttpClientRequest q = request;
        request = null;
        response = null;
        if (q != null) {
            try {
                q.connection().close(); // HTTP/1.1: the watch's own connection
            } catch (RuntimeException e) {
                q.reset();
            }
        }
    }
}
