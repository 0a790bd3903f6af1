package io.microseg.server;

import io.microseg.engine.ChangeSet;
import io.microseg.engine.Snapshot;
import io.microseg.feed.FeedStore;

import java.util.ArrayList;
import java.util.List;

/**
 * Carries the engine's change sets into the {@link FeedStore} without losing or repeating one: it
 * subscribes before the engine starts and holds change sets back until the store is initialized from a
 * snapshot, then passes on those after the snapshot's version. Runs on the engine thread.
 *
 * <p>{@link #delivered()} is the last version the store has passed to its listeners: when it reads V,
 * every event of version V or less is already in the hands of the watch streams, so a stream may
 * send a bookmark for V after what it has queued.
 */
final class FeedPump {
    private final FeedStore feed;
    private final ServerMetrics metrics;
    private final List<ChangeSet> early = new ArrayList<>();
    private boolean initialized;
    private volatile long delivered = -1;

    FeedPump(FeedStore feed, ServerMetrics metrics) {
        this.feed = feed;
        this.metrics = metrics;
    }

    /** The engine subscriber: subscribe it before the engine starts. */
    void accept(ChangeSet changes) {
        synchronized (this) {
            if (!initialized) {
                early.add(changes);
                return;
            }
        }
        forward(changes);
    }

    /** Initializes the store from a snapshot taken after the subscription, then passes on what came after it. */
    void initialize(Snapshot snapshot) {
        synchronized (this) {
            feed.initialize(snapshot);
            metrics.rules.set(snapshot.compilation().ruleCount());
            metrics.sets.set(feed.setsInUse());
            metrics.version.set(snapshot.version());
            delivered = snapshot.version();
            for (ChangeSet c : early) {
                if (c.version() > snapshot.version()) forward(c);
            }
            early.clear();
            initialized = true;
        }
    }

    boolean initialized() {
        return delivered >= 0;
    }

    long delivered() {
        return delivered;
    }

    private void forward(ChangeSet changes) {
        feed.accept(changes);
        metrics.rules.addAndGet(changes.rulesAdded().size() - changes.rulesRemoved().size());
        metrics.sets.set(feed.setsInUse());
        metrics.version.set(changes.version());
        delivered = changes.version();
    }
}
