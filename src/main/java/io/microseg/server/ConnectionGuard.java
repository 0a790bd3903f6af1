package io.microseg.server;

import io.microseg.config.MicrosegConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connection limits that no client can get around, with or without a token ({@code server.http}):
 * <ul>
 *   <li><b>Header timeout.</b> A new connection must deliver a complete request head within
 *       {@code headerTimeout}, or it is closed (a slowloris client trickling headers is cut off).</li>
 *   <li><b>Idle timeout.</b> Once a response has ended, the next request head must be complete within
 *       {@code idleTimeout}, or the connection is closed. Watch streams are exempt: they are one long
 *       response, kept alive by bookmarks and bounded by the slow-consumer rule.</li>
 *   <li><b>Connection caps.</b> At most {@code maxConnections} connections in all, and at most
 *       {@code maxUnauthenticatedConnections} that have not made an authenticated request. Beyond a cap, the
 *       oldest unauthenticated connection with no request in progress is closed to make room, or else the
 *       new one is: silent connections cannot fill the server, while an agent's or a probe's connection,
 *       which sends its request at once, gets in and, once authenticated, leaves the bounded pool.</li>
 * </ul>
 * Every method runs on the connection's event loop; the counters and the queue are shared between loops.
 * Responses are observed through {@code HttpServerResponse.endHandler}, which no route may replace.
 */
final class ConnectionGuard {
    /** Why a connection was closed, as the {@code reason} label of {@code microseg_http_connections_closed_total}. */
    enum Closed { HEADER_TIMEOUT, IDLE_TIMEOUT, OVER_LIMIT }

    private final Vertx vertx;
    private final MicrosegConfig.Http limits;
    private final ServerMetrics metrics;
    private final Map<HttpConnection, Conn> conns = new ConcurrentHashMap<>();
    /** Unauthenticated connections, oldest first: whom to close first when over a cap. */
    private final ConcurrentLinkedDeque<Conn> unauthenticatedQueue = new ConcurrentLinkedDeque<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger unauthenticated = new AtomicInteger();

    /** One connection's state; its fields are touched on its event loop only, except {@code busy} and {@code closed}. */
    private static final class Conn {
        final HttpConnection connection;
        long timer = -1;
        int inFlight;
        boolean watch;
        boolean authenticated;
        volatile boolean busy;
        final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

        Conn(HttpConnection connection) {
            this.connection = connection;
        }
    }

    /** File descriptors kept for what is not a client connection: the JVM's jars, watched folders, the Kubernetes clients. */
    static final int RESERVED_FILES = 256;

    /**
     * The limits with the connection caps lowered, if need be, under the process's open-file limit less
     * {@link #RESERVED_FILES}: a connection the kernel cannot accept is one nobody can refuse gracefully,
     * and the files the server itself needs must stay available. {@code fileLimit} &lt;= 0: unknown, unchanged.
     */
    static MicrosegConfig.Http withinFileLimit(MicrosegConfig.Http limits, long fileLimit) {
        if (fileLimit <= 0 || limits.maxConnections() <= fileLimit - RESERVED_FILES) return limits;
        int max = (int) Math.max(1, Math.min(Integer.MAX_VALUE, fileLimit - RESERVED_FILES));
        return new MicrosegConfig.Http(limits.headerTimeout(), limits.idleTimeout(), max,
                Math.min(max, limits.maxUnauthenticatedConnections()), limits.workers(), limits.errorLogInterval());
    }

    /** The process's open-file limit, or -1 where the JVM does not say. */
    static long fileLimit() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os
                ? os.getMaxFileDescriptorCount() : -1;
    }

    ConnectionGuard(Vertx vertx, MicrosegConfig.Http limits, ServerMetrics metrics) {
        this.vertx = vertx;
        this.limits = limits;
        this.metrics = metrics;
    }

    /** The server's connection handler: counts the connection, enforces the caps, starts the header timer. */
    void opened(HttpConnection connection) {
        Conn c = new Conn(connection);
        conns.put(connection, c);
        open.incrementAndGet();
        unauthenticated.incrementAndGet();
        unauthenticatedQueue.addLast(c);
        connection.closeHandler(v -> forget(c));
        c.timer = vertx.setTimer(limits.headerTimeout().toMillis(), id -> {
            c.timer = -1;
            if (!c.busy && !c.watch) close(c, Closed.HEADER_TIMEOUT);
        });
        while (open.get() > limits.maxConnections() || unauthenticated.get() > limits.maxUnauthenticatedConnections()) {
            Conn victim = oldestIdle(c);
            close(victim == null ? c : victim, Closed.OVER_LIMIT);
            if (victim == null) return;
        }
    }

    /** A complete request head arrived: the header or idle timer stops until its response has ended. */
    void requestBegan(HttpServerRequest request) {
        Conn c = conns.get(request.connection());
        if (c == null) return;
        cancelTimer(c);
        c.inFlight++;
        c.busy = true;
        request.response().endHandler(v -> {
            c.inFlight--;
            if (c.inFlight > 0 || c.watch || c.closed.get()) return;
            c.busy = false;
            cancelTimer(c);
            c.timer = vertx.setTimer(limits.idleTimeout().toMillis(), id -> {
                c.timer = -1;
                if (!c.busy) close(c, Closed.IDLE_TIMEOUT);
            });
        });
    }

    /** The connection made an authenticated request: it leaves the bounded pool of unauthenticated ones. */
    void authenticated(HttpConnection connection) {
        Conn c = conns.get(connection);
        if (c == null || c.authenticated) return;
        c.authenticated = true;
        if (unauthenticatedQueue.remove(c)) unauthenticated.decrementAndGet();
    }

    /** The connection carries a watch stream: no timer applies to it any more. */
    void watching(HttpConnection connection) {
        Conn c = conns.get(connection);
        if (c == null) return;
        c.watch = true;
        cancelTimer(c);
    }

    /** Open connections. */
    int open() {
        return open.get();
    }

    /** Open connections that have not made an authenticated request. */
    int unauthenticated() {
        return unauthenticated.get();
    }

    /** The oldest unauthenticated connection other than {@code except} with no request in progress, taken out of the queue. */
    private Conn oldestIdle(Conn except) {
        for (Iterator<Conn> it = unauthenticatedQueue.iterator(); it.hasNext(); ) {
            Conn c = it.next();
            if (c == except || c.busy || c.closed.get()) continue;
            return c;
        }
        return null;
    }

    private void close(Conn c, Closed why) {
        if (!forget(c)) return;
        metrics.connectionClosed(why);
        c.connection.close();
    }

    /** Once per connection, whoever closed it; false when it was already forgotten. */
    private boolean forget(Conn c) {
        if (!c.closed.compareAndSet(false, true)) return false;
        cancelTimer(c);
        conns.remove(c.connection);
        open.decrementAndGet();
        if (unauthenticatedQueue.remove(c)) unauthenticated.decrementAndGet();
        return true;
    }

    private void cancelTimer(Conn c) {
        if (c.timer >= 0) vertx.cancelTimer(c.timer);
        c.timer = -1;
    }
}
