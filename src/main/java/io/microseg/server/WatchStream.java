package io.microseg.server;

import io.microseg.controlplane.AddressSet;
import io.microseg.config.MicrosegConfig;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.AgentEvent;
import io.microseg.feed.Deltas;
import io.microseg.feed.FeedStore;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One agent's NDJSON stream, with bounded memory whatever its client does.
 *
 * <p>Events come from the {@link FeedStore} on the engine thread; they are put in an inbox and handed to
 * this connection's event loop with one {@code runOnContext} at a time, so the engine never waits for a
 * client. On the event loop they are queued and written while the response's write queue has room.
 * While it is full, queued deltas are coalesced into one ({@link Deltas#merge}), a newer snapshot
 * replaces everything queued, and bookmarks replace bookmarks: what waits is at most a snapshot, a
 * delta and a bookmark. The stream is closed, and counted as a slow consumer, when what waits exceeds
 * {@code maxPendingChanges} or the write queue has stayed full for the grace period (the client stopped
 * reading); the agent reconnects with {@code since} and catches up, or gets a snapshot. A client that
 * goes away, or a write that fails, closes the stream and its subscription.
 */
final class WatchStream {
    private static final Logger LOG = LoggerFactory.getLogger(WatchStream.class);
    /** Bytes Vert.x and Netty may hold for one stream, beyond what the socket holds, before we stop writing. */
    static final int WRITE_QUEUE_BYTES = 64 * 1024;

    private final Vertx vertx;
    private final Context context;
    private final HttpServerResponse response;
    private final String agent;
    private final FeedPump pump;
    private final ServerMetrics metrics;
    private final MicrosegConfig.SlowConsumer limits;
    private final String epoch;

    private final ConcurrentLinkedQueue<AgentEvent> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    // event loop only
    private final ArrayDeque<AgentEvent> pending = new ArrayDeque<>();
    private long lastVersion = -1;
    /** Bytes handed to the response that the socket has not taken yet. */
    private long inFlight;
    /** Since when the stream has had no room (System.nanoTime), or -1. */
    private long fullSince = -1;
    private long graceTimer = -1;
    private long bookmarkTimer = -1;
    private boolean closed;
    private FeedStore.Subscription subscription;

    WatchStream(Vertx vertx, HttpServerResponse response, String agent, FeedPump pump, ServerMetrics metrics,
                MicrosegConfig.SlowConsumer limits, String epoch) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.response = response;
        this.agent = agent;
        this.pump = pump;
        this.metrics = metrics;
        this.limits = limits;
        this.epoch = epoch;
    }

    /**
     * Sends the headers, subscribes (catch-up, then live) and starts the bookmarks. On the request's event
     * loop. {@code replace}: the agent's cursor is from another server instance, so it gets a replace snapshot.
     */
    void start(FeedStore feed, OptionalLong since, boolean replace, long bookmarkMillis) {
        response.setChunked(true)
                .putHeader("Content-Type", "application/x-ndjson")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no"); // proxies must pass lines on as they come
        response.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
        response.closeHandler(v -> close(null));
        response.exceptionHandler(e -> close("write failed: " + e.getMessage()));
        metrics.connected.incrementAndGet();
        response.writeHead();
        bookmarkTimer = vertx.setPeriodic(bookmarkMillis, id -> bookmark());
        subscription = replace ? feed.subscribeReplacing(agent, this::offer) : feed.subscribe(agent, since, this::offer);
        if (closed) subscription.close(); // the client left while we subscribed
    }

    /** The feed's listener: any thread (the engine's, or the subscriber's for catch-up). Never blocks. */
    private void offer(AgentEvent event) {
        inbox.add(event);
        if (scheduled.compareAndSet(false, true)) context.runOnContext(v -> drain());
    }

    private void drain() {
        scheduled.set(false);
        takeInbox();
        flush();
    }

    private void takeInbox() {
        for (AgentEvent e; (e = inbox.poll()) != null; ) enqueue(e);
    }

    /** A bookmark for the highest version this stream is complete up to. */
    private void bookmark() {
        if (closed) return;
        long delivered = pump.delivered(); // read before the inbox: every event up to it is in there
        takeInbox();
        enqueue(new AgentEvent.Bookmark(Math.max(delivered, lastVersion)));
        flush();
    }

    private void enqueue(AgentEvent e) {
        if (closed) return;
        if (e instanceof AgentEvent.Snapshot) {
            pending.clear(); // a snapshot is the whole state: nothing queued before it matters
            pending.add(e);
        } else if (e instanceof AgentEvent.Delta d) {
            if (pending.peekLast() instanceof AgentEvent.Bookmark) pending.pollLast();
            if (pending.peekLast() instanceof AgentEvent.Delta older) {
                pending.pollLast();
                pending.add(Deltas.merge(older, d));
            } else {
                pending.add(d);
            }
        } else {
            if (pending.peekLast() instanceof AgentEvent.Bookmark) pending.pollLast();
            pending.add(e);
        }
        if (!(e instanceof AgentEvent.Bookmark)) lastVersion = Math.max(lastVersion, e.version());
    }

    /**
     * Writes what is queued while the stream has room. Room is judged on the bytes written that the
     * socket has not taken yet (each write's future completes when it has), not only on Vert.x's
     * {@code writeQueueFull()}, which counts messages waiting in Vert.x and says nothing of one large
     * snapshot sitting in Netty's buffer: so at most {@link #WRITE_QUEUE_BYTES} plus one event is held
     * below us, and everything else waits here, coalesced.
     */
    private void flush() {
        if (closed) return;
        while (!pending.isEmpty() && !full()) {
            AgentEvent e = pending.poll();
            io.vertx.core.buffer.Buffer line = Json.line(e, epoch);
            int bytes = line.length();
            inFlight += bytes;
            response.write(line).onComplete(ar -> {
                inFlight -= bytes;
                if (ar.failed()) close("write failed: " + ar.cause().getMessage());
                else if (fullSince >= 0 && !full()) drained();
            });
            metrics.sent(e);
        }
        if (!pending.isEmpty()) { // what could not be written: bounded
            long waiting = 0;
            for (AgentEvent p : pending) waiting += weight(p);
            if (waiting > limits.maxPendingChanges()) {
                slow(waiting + " changes waiting (more than " + limits.maxPendingChanges() + ")");
                return;
            }
        }
        if (full() && fullSince < 0) {
            fullSince = System.nanoTime();
            metrics.waitingForRoom.incrementAndGet();
            response.drainHandler(v -> {
                if (fullSince >= 0 && !full()) drained();
            });
            graceTimer = vertx.setTimer(limits.grace().toMillis(), id -> {
                graceTimer = -1;
                if (fullSince >= 0) slow("not read for " + limits.grace().toMillis() + " ms");
            });
        }
    }

    private boolean full() {
        return inFlight >= WRITE_QUEUE_BYTES || response.writeQueueFull();
    }

    /** The client read enough: room again. */
    private void drained() {
        fullSince = -1;
        metrics.waitingForRoom.decrementAndGet();
        if (graceTimer >= 0) vertx.cancelTimer(graceTimer);
        graceTimer = -1;
        flush();
    }

    private void slow(String why) {
        if (closed) return;
        LOG.warn("closing the stream of {}: its client does not keep up ({}); it will resume with ?since=", agent, why);
        metrics.slowConsumers.increment();
        close(null);
        response.reset(); // drop what is buffered for it: a graceful end would wait behind it
    }

    /** Closes the stream once: unsubscribes, stops the timers. {@code why} is null when the client left or was too slow. */
    private void close(String why) {
        if (closed) return;
        closed = true;
        if (why != null) LOG.info("stream of {} closed: {}", agent, why);
        if (subscription != null) subscription.close();
        if (bookmarkTimer >= 0) vertx.cancelTimer(bookmarkTimer);
        if (graceTimer >= 0) vertx.cancelTimer(graceTimer);
        if (fullSince >= 0) metrics.waitingForRoom.decrementAndGet();
        fullSince = -1;
        pending.clear();
        inbox.clear();
        metrics.connected.decrementAndGet();
        if (why != null) response.reset();
    }

    /** Rules, rule ids, sets, set ids, set members, workloads and workload ids: what an event makes the agent do. */
    static long weight(AgentEvent e) {
        if (e instanceof AgentEvent.Snapshot s) {
            return s.rules().size() + members(s.sets()) + s.workloads().size();
        } else if (e instanceof AgentEvent.Delta d) {
            long n = d.rulesAdded().size() + d.rulesRemoved().size() + d.setsRemoved().size() + members(d.setsAdded())
                    + d.workloadsAdded().size() + d.workloadsRemoved().size();
            for (SetChange c : d.setMembers()) n += c.added().size() + c.removed().size();
            return n;
        }
        return 0;
    }

    private static long members(java.util.List<AddressSet> sets) {
        long n = 0;
        for (AddressSet s : sets) n += 1 + s.members().size();
        return n;
    }
}
