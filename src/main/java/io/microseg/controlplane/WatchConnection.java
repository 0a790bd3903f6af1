package io.microseg.controlplane;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The client side of one agent's watch stream ({@code GET /v1/nodes/{cluster}/{node}/watch}, NDJSON),
 * shared by the agent ({@code enforce.AgentRuntime}) and the feed benchmark: reads it line by line,
 * decodes each line with {@link Codec}, remembers where to resume, and keeps it open, moving between the
 * server's replicas when one is lost.
 *
 * <ul>
 *   <li><b>Heartbeat.</b> The server sends a bookmark every {@code server.bookmarkInterval} when it has
 *       nothing else to say. When nothing at all (no byte of an event, no bookmark) has arrived for
 *       {@link Options#missedBookmarks} (3) intervals, the server is declared lost: the connection is
 *       closed and {@link Listener#onServerLost} says {@link Loss#HEARTBEAT_TIMEOUT}. The same limit applies
 *       to connecting and to waiting for the response headers.</li>
 *   <li><b>Whole lines only.</b> An event is handed on only once its line is complete and decodes; a
 *       connection that ends in the middle of a line loses that line, and a line that does not decode ends
 *       the connection ({@link Loss#CLOSED}) without being handed on, so a listener never sees part of a
 *       snapshot.</li>
 *   <li><b>Several servers.</b> {@link Options#servers} are tried round robin: after a loss that says the
 *       server is gone or failing (heartbeat timeout, closed, connect failed, HTTP 5xx, a malformed line) the
 *       next attempt goes to the next server; after an answer that is about the agent (401, 403, 404, a
 *       token file that cannot be read) it stays where it is. Each server answers a cursor of another
 *       server's epoch with a snapshot that has {@code replace=true}.</li>
 *   <li><b>Reconnecting.</b> After any loss it reconnects with {@code ?since=<last version>&epoch=<its epoch>}
 *       after a backoff that doubles from {@link Options#minBackoff} up to {@link Options#maxBackoff}, with
 *       jitter (half to all of it), and is reset once a line arrives.</li>
 *   <li><b>Token.</b> {@link Options#token} is asked again before every attempt, so a rotated token file is
 *       picked up at the next (re)connect; when it fails, the attempt is a loss ({@link Loss#NO_TOKEN}).</li>
 *   <li><b>Versions.</b> {@link #lastVersion()} is the version of the last snapshot, or the highest version of
 *       a later delta or bookmark: what to resume from.</li>
 * </ul>
 *
 * <p>All callbacks run on one Vert.x event loop, in order, and must not block (hand long work to another
 * thread). Usage:
 *
 * <pre>{@code
 * WatchConnection c = WatchConnection.open(vertx,
 *         WatchConnection.Options.of(URI.create("http://10.0.0.1:8080/v1/nodes/prod/node-1/watch"), Duration.ofSeconds(10))
 *                 .withToken(token),
 *         new WatchConnection.Listener() {
 *             public void onEvent(WatchConnection.Event e) { ... e.event(), e.epoch() ... }
 *             public void onServerLost(WatchConnection.Lost lost) { log.warn("feed lost: {}", lost); }
 *         });
 * ...
 * c.close();
 * }</pre>
 */
public final class WatchConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WatchConnection.class);
    /** How much of an error answer's body is kept for the log. */
    private static final int ERROR_BODY_BYTES = 1024;

    /** Why a connection ended. */
    public enum Loss {
        /** Nothing arrived for {@code missedBookmarks} bookmark intervals: the server or the path is dead. */
        HEARTBEAT_TIMEOUT,
        /** The server ended the stream, the connection closed or failed, or a line did not decode. */
        CLOSED,
        /** The connection could not be made. */
        CONNECT_FAILED,
        /** The server answered with a status other than 200 (401, 403, 404, 503 while starting, ...). */
        HTTP_ERROR,
        /** The token could not be read (a missing or empty token file): no request was made. */
        NO_TOKEN
    }

    /** One server replica: where to connect. */
    public record Server(String host, int port, boolean ssl) {
        public Server {
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) throw new IllegalArgumentException("port: expected 1..65535, found " + port);
        }

        /** {@code http[s]://host[:port]} (a path, if any, is ignored); a missing port is 80 or 443. */
        public static Server of(URI uri) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("expected an http:// or https:// URL, found \"" + uri + "\"");
            }
            if (uri.getHost() == null) throw new IllegalArgumentException("expected a URL with a host, found \"" + uri + "\"");
            boolean ssl = scheme.equals("https");
            return new Server(uri.getHost(), uri.getPort() >= 0 ? uri.getPort() : ssl ? 443 : 80, ssl);
        }

        /** The server's base URL, for logs. */
        @Override
        public String toString() {
            return (ssl ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * One line of the stream, decoded.
     *
     * @param event the event
     * @param epoch the epoch it carried (snapshots and bookmarks), or null
     */
    public record Event(AgentEvent event, String epoch) {
        public long version() {
            return event.version();
        }

        public boolean isSnapshot() {
            return event instanceof AgentEvent.Snapshot;
        }

        public boolean isDelta() {
            return event instanceof AgentEvent.Delta;
        }

        public boolean isBookmark() {
            return event instanceof AgentEvent.Bookmark;
        }

        /** A snapshot that replaces everything the agent holds (another server instance, or too long away). */
        public boolean replaces() {
            return event instanceof AgentEvent.Snapshot s && s.replace();
        }
    }

    /**
     * A connection ended, or an attempt failed.
     *
     * @param reason      why
     * @param detail      what happened, for logs (an error answer's body included)
     * @param server      the server lost
     * @param httpStatus  the status of an {@link Loss#HTTP_ERROR}, else 0
     * @param lastVersion the version the next connection resumes from (-1: none yet, a fresh snapshot)
     * @param next        the server the next attempt goes to
     * @param retryIn     how long until the next attempt
     */
    public record Lost(Loss reason, String detail, Server server, int httpStatus, long lastVersion, Server next, Duration retryIn) {
        /** The server refused this agent's credentials (401) or its access (403). */
        public boolean refused() {
            return httpStatus == 401 || httpStatus == 403;
        }
    }

    /** What the connection reports. Every method runs on the connection's event loop and must not block. */
    public interface Listener {
        /** An event, in stream order; bookmarks included. */
        void onEvent(Event event);

        /** A response with status 200 arrived; {@code since} is the version asked for, or -1. */
        default void onConnected(long since) {}

        /** The server is lost (each time a connection ends or an attempt fails); a reconnect follows. */
        default void onServerLost(Lost lost) {}
    }

    /** The bearer token, asked before every attempt; null for none. Runs on the event loop: it must be quick. */
    @FunctionalInterface
    public interface TokenSource {
        String token() throws IOException;
    }

    /**
     * Where and how to watch.
     *
     * @param servers          the server's replicas, tried round robin; at least one
     * @param path             the watch path, e.g. {@code /v1/nodes/prod/node-1/watch}
     * @param token            the agent's bearer token, asked at every attempt
     * @param bookmarkInterval the server's {@code server.bookmarkInterval}
     * @param missedBookmarks  how many intervals of silence declare the server dead (3)
     * @param minBackoff       first delay before reconnecting
     * @param maxBackoff       longest delay before reconnecting
     */
    public record Options(List<Server> servers, String path, TokenSource token, Duration bookmarkInterval,
                          int missedBookmarks, Duration minBackoff, Duration maxBackoff) {
        public Options {
            servers = List.copyOf(servers);
            if (servers.isEmpty()) throw new IllegalArgumentException("servers: expected at least one");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(token, "token");
            if (bookmarkInterval.isNegative() || bookmarkInterval.isZero()) throw new IllegalArgumentException("bookmarkInterval must be positive");
            if (missedBookmarks < 1) throw new IllegalArgumentException("missedBookmarks must be at least 1");
            if (minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) throw new IllegalArgumentException("expected 0 <= minBackoff <= maxBackoff");
        }

        /** A watch URL ({@code http[s]://host:port/v1/.../watch}) and the server's bookmark interval; 3 intervals, backoff 0.5 s to 30 s. */
        public static Options of(URI watchUrl, Duration bookmarkInterval) {
            return of(List.of(watchUrl), watchUrl.getRawPath(), bookmarkInterval);
        }

        /** Several replicas ({@code http[s]://host:port}) serving the same watch path. */
        public static Options of(List<URI> servers, String path, Duration bookmarkInterval) {
            return new Options(servers.stream().map(Server::of).toList(), path, () -> null, bookmarkInterval, 3,
                    Duration.ofMillis(500), Duration.ofSeconds(30));
        }

        /** A fixed token. */
        public Options withToken(String t) {
            return withToken(() -> t);
        }

        /** A token asked before every attempt (a file that rotates). */
        public Options withToken(TokenSource t) {
            return new Options(servers, path, t, bookmarkInterval, missedBookmarks, minBackoff, maxBackoff);
        }

        public Options withBackoff(Duration min, Duration max) {
            return new Options(servers, path, token, bookmarkInterval, missedBookmarks, min, max);
        }

        public Options withMissedBookmarks(int n) {
            return new Options(servers, path, token, bookmarkInterval, n, minBackoff, maxBackoff);
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
    private HttpClientRequest request;
    private long backoffMillis;
    private long watchdog = -1;
    private long retryTimer = -1;

    private volatile int serverIndex;
    private volatile long lastVersion = -1;
    /** The epoch of the server instance that {@link #lastVersion} is a version of (from snapshots), or null. */
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
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setTcpKeepAlive(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.deadAfter().toMillis())));
        WatchConnection c = new WatchConnection(vertx, http, true, options, listener);
        c.context.runOnContext(v -> c.begin());
        return c;
    }

    /** The version to resume from: the last snapshot's, or a later delta's or bookmark's; -1 before the first event. */
    public long lastVersion() {
        return lastVersion;
    }

    /** The server of the current (or next) attempt: the one the agent follows. */
    public Server server() {
        return options.servers().get(serverIndex);
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
            lost(attempt, Loss.HEARTBEAT_TIMEOUT, 0, "nothing received for " + silent / 1_000_000 + " ms (more than "
                    + options.missedBookmarks() + " bookmark intervals of " + options.bookmarkInterval().toMillis() + " ms)");
        }
    }

    private void connect() {
        retryTimer = -1;
        if (closed) return;
        long me = ++attempt;
        inAttempt = true;
        lastHeard = System.nanoTime();
        String token;
        try {
            token = options.token().token();
        } catch (IOException | RuntimeException e) {
            lost(me, Loss.NO_TOKEN, 0, String.valueOf(e.getMessage()));
            return;
        }
        Server server = server();
        long since = lastVersion;
        String epoch = lastEpoch;
        String uri = options.path() + (since < 0 ? "" : (options.path().contains("?") ? "&" : "?") + "since=" + since
                + (epoch == null ? "" : "&epoch=" + URLEncoder.encode(epoch, StandardCharsets.UTF_8)));
        RequestOptions req = new RequestOptions().setMethod(HttpMethod.GET).setHost(server.host()).setPort(server.port())
                .setSsl(server.ssl()).setURI(uri).setConnectTimeout(options.deadAfter().toMillis())
                .putHeader("Accept", "application/x-ndjson");
        if (token != null) req.putHeader("Authorization", "Bearer " + token);
        http.request(req).compose(r -> {
            if (me == attempt) request = r;
            return r.send();
        }).onComplete(ar -> {
            if (me != attempt || !inAttempt) { // given up on already (timeout, close)
                if (ar.succeeded()) ar.result().request().reset();
                return;
            }
            if (ar.failed()) {
                lost(me, Loss.CONNECT_FAILED, 0, String.valueOf(ar.cause().getMessage()));
                return;
            }
            HttpClientResponse resp = ar.result();
            if (resp.statusCode() != 200) {
                refused(me, resp);
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
            resp.endHandler(v -> lost(me, Loss.CLOSED, 0, "the server ended the stream"));
            resp.exceptionHandler(e -> lost(me, Loss.CLOSED, 0, String.valueOf(e.getMessage())));
            try {
                listener.onConnected(since);
            } catch (RuntimeException e) {
                LOG.error("the watch listener failed in onConnected", e);
            }
        });
    }

    /** An answer other than 200: reads the start of its body (the server's JSON error says why) for the report. */
    private void refused(long me, HttpClientResponse resp) {
        int status = resp.statusCode();
        String head = "HTTP " + status + " " + resp.statusMessage();
        Buffer body = Buffer.buffer();
        resp.handler(b -> {
            lastHeard = System.nanoTime();
            int room = ERROR_BODY_BYTES - body.length();
            if (room > 0) body.appendBuffer(b, 0, Math.min(room, b.length()));
        });
        resp.endHandler(v -> lost(me, Loss.HTTP_ERROR, status, body.length() == 0 ? head : head + ": " + body.toString(StandardCharsets.UTF_8).trim()));
        resp.exceptionHandler(e -> lost(me, Loss.HTTP_ERROR, status, head));
    }

    private void line(long me, Buffer line) {
        if (me != attempt || !inAttempt || line.length() == 0) return;
        Codec.Decoded decoded;
        try {
            decoded = Codec.decodeEvent(line.toString(StandardCharsets.UTF_8));
        } catch (Codec.WireFormatException e) {
            lost(me, Loss.CLOSED, 0, "a line that is not a watch event (" + e.getMessage() + ")");
            return;
        }
        Event event = new Event(decoded.event(), decoded.epoch());
        backoffMillis = options.minBackoff().toMillis(); // the server is alive and serving
        if (event.isSnapshot()) {
            lastVersion = event.version();
            lastEpoch = event.epoch();
        } else if (event.version() > lastVersion) {
            lastVersion = event.version();
        }
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.error("the watch listener failed on an event at version {}", event.version(), e);
        }
    }

    private void lost(long me, Loss reason, int status, String detail) {
        if (me != attempt || !inAttempt || closed) return;
        inAttempt = false;
        connected = false;
        losses++;
        drop();
        Server was = server();
        if (movesOn(reason, status)) serverIndex = (serverIndex + 1) % options.servers().size();
        long base = backoffMillis;
        long delay = base <= 0 ? 0 : base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        backoffMillis = Math.min(options.maxBackoff().toMillis(), Math.max(1, base * 2));
        try {
            listener.onServerLost(new Lost(reason, detail, was, status, lastVersion, server(), Duration.ofMillis(delay)));
        } catch (RuntimeException e) {
            LOG.error("the watch listener failed in onServerLost", e);
        }
        if (closed) return;
        if (delay == 0) context.runOnContext(v -> connect());
        else retryTimer = vertx.setTimer(delay, id -> connect());
    }

    /** Whether a loss says the server is gone or failing (try the next one), not that it refused this agent. */
    private static boolean movesOn(Loss reason, int status) {
        return switch (reason) {
            case HEARTBEAT_TIMEOUT, CLOSED, CONNECT_FAILED -> true;
            case HTTP_ERROR -> status >= 500;
            case NO_TOKEN -> false;
        };
    }

    /** Closes the current connection, if any. */
    private void drop() {
        HttpClientRequest q = request;
        request = null;
        if (q != null) {
            try {
                q.connection().close(); // HTTP/1.1: the watch's own connection
            } catch (RuntimeException e) {
                q.reset();
            }
        }
    }
}
