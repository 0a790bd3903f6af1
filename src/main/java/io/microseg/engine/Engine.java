package io.microseg.engine;

import io.microseg.compile.RuleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * The live compiler. Sources {@link #submit} changes from any thread without blocking; one engine
 * thread owns the Drools session, applies whatever has queued up as one batch, fires the rules once,
 * and hands the resulting {@link ChangeSet} to subscribers, in version order. Subscribers run on the
 * engine thread and must not block it: they hand the change set on (the feed queues it per client).
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    /** Bounds one batch, so that a flood of changes still yields change sets at a steady pace. */
    private static final int MAX_BATCH = 10_000;

    private sealed interface Task {}

    private record Apply(Change change) implements Task {}

    private record Barrier(CompletableFuture<Long> done) implements Task {}

    private record Read(CompletableFuture<Snapshot> result) implements Task {}

    private record Stop() implements Task {}

    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final List<Consumer<ChangeSet>> subscribers = new CopyOnWriteArrayList<>();
    private final SourceState state = new SourceState();
    private final IncrementalCompiler compiler;
    private final Thread thread;
    private volatile long version;

    public Engine(RuleBase rules) {
        this(rules, 0);
    }

    /**
     * An engine whose versions continue after {@code startVersion}. A server gives a value that grows
     * across restarts (such as the start time in microseconds), so that an agent's remembered version
     * is never mistaken for one of a later run: it is then behind, never ahead, and gets a snapshot.
     */
    public Engine(RuleBase rules, long startVersion) {
        this.version = startVersion;
        this.compiler = new IncrementalCompiler(rules);
        this.thread = new Thread(this::run, "microseg-engine");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Queues a change; never blocks. */
    public void submit(Change change) {
        queue.add(new Apply(change));
    }

    /** Receives every change set from now on, in version order, on the engine thread. */
    public void subscribe(Consumer<ChangeSet> subscriber) {
        subscribers.add(subscriber);
    }

    /** Completes, with the version reached, once every change submitted before this call is applied. */
    public CompletableFuture<Long> sync() {
        CompletableFuture<Long> done = new CompletableFuture<>();
        queue.add(new Barrier(done));
        return done;
    }

    /** The compiled state after every change submitted before this call. Do not call from a subscriber. */
    public Snapshot snapshot() {
        CompletableFuture<Snapshot> result = new CompletableFuture<>();
        queue.add(new Read(result));
        return result.join();
    }

    public long version() {
        return version;
    }

    private void run() {
        List<Task> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                boolean changed = false;
                for (Task t : batch) {
                    if (t instanceof Apply a) {
                        state.apply(a.change());
                        changed = true;
                    } else {
                        if (changed) recompile();
                        changed = false;
                        if (t instanceof Barrier b) b.done().complete(version);
                        else if (t instanceof Read r) r.result().complete(new Snapshot(version, compiler.compilation(), compiler.placements()));
                        else if (t instanceof Stop) return;
                    }
                }
                if (changed) recompile();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // a bad batch must not stop the engine: the session keeps its last consistent state
                LOG.error("batch of {} changes failed; the rules stay as they were", batch.size(), e);
                batch.stream().filter(t -> t instanceof Barrier).forEach(t -> ((Barrier) t).done().complete(version));
                batch.stream().filter(t -> t instanceof Read).forEach(t -> ((Read) t).result().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    private void recompile() {
        ChangeSet changes = compiler.apply(state.drain(), state::everything, version + 1);
        if (changes.isEmpty()) return;
        version = changes.version();
        for (Consumer<ChangeSet> s : subscribers) {
            try {
                s.accept(changes);
            } catch (RuntimeException e) {
                LOG.error("a change-set subscriber failed at version {}", version, e);
            }
        }
    }

    @Override
    public void close() {
        if (thread.isAlive()) {
            queue.add(new Stop());
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        compiler.close();
    }
}
