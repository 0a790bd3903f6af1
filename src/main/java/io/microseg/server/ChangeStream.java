package io.microseg.server;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * {@code GET /v1/events} (operators): the workbench's change stream, as Server-Sent Events
 * ({@code text/event-stream}), so that pages follow the rules without being reloaded:
 * <pre>
 * retry: 2000
 *
 * event: version
 * data: {"version":V,"epoch":"E"}          at once, then each time the compiled state moves to a new version
 *
 * : keepalive                              every bookmarkInterval, so that neither the server nor a proxy sees it idle
 * </pre>
 * An event says only that the state changed and to which version; pages then read what they show from
 * the other endpoints. A client that does not keep up loses nothing that matters: only the latest version
 * is worth sending, so an event is skipped while the connection's write queue is full, and the next one
 * carries the newer version. Like the agents' watch streams, the connection is exempt from the idle timer.
 */
final class ChangeStream {
    private record Stream(HttpServerResponse response, Context context) {}

    private final Vertx vertx;
    private final LongSupplier version;
    private final String epoch;
    private final long keepaliveMillis;
    private final Consumer<RoutingContext> watching;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();

    /**
     * @param version   the compiled state's version now
     * @param watching  marks the request's connection as a long-lived stream (the connection guard)
     */
    ChangeStream(Vertx vertx, LongSupplier version, String epoch, long keepaliveMillis, Consumer<RoutingContext> watching) {
        this.vertx = vertx;
        this.version = version;
        this.epoch = epoch;
        this.keepaliveMillis = keepaliveMillis;
        this.watching = watching;
    }

    void mount(Router router, Handler<RoutingContext> operatorsOnly) {
        router.get("/v1/events").handler(operatorsOnly).handler(this::open);
    }

    /** The compiled state moved to {@code v}: every stream is told, on its own event loop. Any thread. */
    void changed(long v) {
        for (Stream s : streams) s.context().runOnContext(x -> send(s, v));
    }

    /** Streams open now. */
    int open() {
        return streams.size();
    }

    private void open(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        response.setChunked(true).putHeader("Content-Type", "text/event-stream; charset=utf-8").putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        watching.accept(ctx);
        Stream s = new Stream(response, vertx.getOrCreateContext());
        streams.add(s);
        long timer = vertx.setPeriodic(keepaliveMillis, id -> {
            if (!response.ended() && !response.closed() && !response.writeQueueFull()) response.write(": keepalive\n\n");
        });
        response.closeHandler(v -> {
            streams.remove(s);
            vertx.cancelTimer(timer);
        });
        response.write("retry: 2000\n\n");
        send(s, version.getAsLong());
    }

    private void send(Stream s, long v) {
        HttpServerResponse r = s.response();
        if (r.ended() || r.closed()) return;
        if (r.writeQueueFull()) {
            r.drainHandler(d -> send(s, version.getAsLong()));
            return;
        }
        r.write("event: version\ndata: {\"version\":" + v + ",\"epoch\":\"" + epoch + "\"}\n\n");
    }
}
