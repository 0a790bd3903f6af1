package io.microseg.engine;

import io.microseg.compile.RuleBase;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.AgendaEventListener;
import org.kie.api.event.rule.BeforeMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

    private record Reload(RuleBase rules, CompletableFuture<Long> done) implements Task {}

    private record ReadInputs(CompletableFuture<Inputs> result) implements Task {}

    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    /** Why the engine thread died (an Error: out of memory, a subscriber's assertion); null while it lives. */
    private volatile Throwable died;
    private final List<Consumer<ChangeSet>> subscribers = new CopyOnWriteArrayList<>();
    private final List<Consumer<Duration>> batchTimers = new CopyOnWriteArrayList<>();
    /** When the engine thread took the first task of the batch it is working on (System.nanoTime). */
    private long batchStart;
    private final SourceState state = new SourceState();
    /** Whether the engine thread is working on a batch (not waiting for one). */
    private volatile boolean working;
    /** When the engine last made progress (System.nanoTime): took a batch, or began or finished a rule's consequence. */
    private volatile long progressAt;
    /** The rule whose consequence is running; null outside consequences. */
    private volatile String firing;
    private final AgendaEventListener progress = new DefaultAgendaEventListener() {
        @Override
        public void beforeMatchFired(BeforeMatchFiredEvent event) {
            firing = event.getMatch().getRule().getName();
            progressAt = System.nanoTime();
        }

        @Override
        public void afterMatchFired(AfterMatchFiredEvent event) {
            firing = null;
            progressAt = System.nanoTime();
        }
    };
    private IncrementalCompiler compiler;
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
        this.compiler = new IncrementalCompiler(rules, progress);
        this.thread = new Thread(this::run, "microseg-engine");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Queues a change; never blocks. */
    public void submit(Change change) {
        enqueue(new Apply(change));
    }

    /** Receives every change set from now on, in version order, on the engine thread. */
    public void subscribe(Consumer<ChangeSet> subscriber) {
        subscribers.add(subscriber);
    }

    /**
     * Receives, on the engine thread, how long each compile took: from the moment the engine took the
     * batch of changes off its queue until the change set was ready (before subscribers get it).
     */
    public void timeBatches(Consumer<Duration> timer) {
        batchTimers.add(timer);
    }

    /** Whether the engine thread is alive: started and neither stopped nor died. */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Completes, with the version reached, once every change submitted before this call is applied. */
    public CompletableFuture<Long> sync() {
        CompletableFuture<Long> done = new CompletableFuture<>();
        enqueue(new Barrier(done));
        return done;
    }

    /** The compiled state after every change submitted before this call. Do not call from a subscriber. */
    public Snapshot snapshot() {
        CompletableFuture<Snapshot> result = new CompletableFuture<>();
        enqueue(new Read(result));
        return result.join();
    }

    /** The inventory and workspaces after every change submitted before this call (for trace and analyses). */
    public Inputs inputs() {
        CompletableFuture<Inputs> result = new CompletableFuture<>();
        enqueue(new ReadInputs(result));
        return result.join();
    }

    /**
     * Replaces the rule base (a DRL edit that built): the current state is compiled with the new
     * rules in a new session, and the difference goes to subscribers as one ordinary change set.
     * Completes with the version that carries it.
     */
    public CompletableFuture<Long> replaceRules(RuleBase rules) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        enqueue(new Reload(rules, done));
        return done;
    }

    public long version() {
        return version;
    }

    /**
     * What the engine thread is doing: {@code running} is how long it has worked since it last made
     * progress (took its batch, began or finished a rule's consequence), {@code rule} the rule whose
     * consequence runs now, null when none does (the engine is then evaluating conditions, projecting
     * facts or assembling the change set).
     */
    public record Busy(Duration running, String rule) {}

    /** What the engine thread is working on now; empty while it waits for changes. Safe from any thread. */
    public Optional<Busy> busy() {
        if (!working) return Optional.empty();
        long since = progressAt;
        String rule = firing;
        return Optional.of(new Busy(Duration.ofNanos(Math.max(0, System.nanoTime() - since)), rule));
    }

    /** Where the engine thread is now, for a report of a stall. */
    StackTraceElement[] stackTrace() {
        return thread.getStackTrace();
    }

    private void run() {
        List<Task> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
                batchStart = System.nanoTime();
                progressAt = batchStart;
                working = true;
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
                        else if (t instanceof Reload r) r.done().complete(reload(r.rules()));
                        else if (t instanceof Read r) r.result().complete(Snapshot.of(version, compiler.compilation(), compiler.placements().values()));
                        else if (t instanceof ReadInputs r) r.result().complete(new Inputs(version, state.objects(), state.inventory(), state.workspaces()));
                        else if (t instanceof Stop) return;
                    }
                }
                if (changed) recompile();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Error e) {
                // Nothing can be trusted after an Error; fail every waiter rather than leave it hanging.
                died = e;
                LOG.error("the engine thread died at version {}; every pending and later request fails", version, e);
                batch.forEach(t -> fail(t, e));
                failQueued();
                throw e;
            } catch (RuntimeException e) {
                // a bad batch must not stop the engine: the session keeps its last consistent state
                LOG.error("batch of {} changes failed; the rules stay as they were", batch.size(), e);
                batch.stream().filter(t -> t instanceof Barrier).forEach(t -> ((Barrier) t).done().complete(version));
                batch.stream().filter(t -> t instanceof Read).forEach(t -> ((Read) t).result().completeExceptionally(e));
                batch.stream().filter(t -> t instanceof Reload).forEach(t -> ((Reload) t).done().completeExceptionally(e));
                batch.stream().filter(t -> t instanceof ReadInputs).forEach(t -> ((ReadInputs) t).result().completeExceptionally(e));
            } finally {
                batch.clear();
                working = false;
                firing = null;
            }
        }
    }

    private void enqueue(Task task) {
        queue.add(task);
        if (died != null) failQueued(); // the thread is gone: nothing else will answer
    }

    private void failQueued() {
        for (Task t; (t = queue.poll()) != null; ) fail(t, died);
    }

    private static void fail(Task task, Throwable why) {
        IllegalStateException e = new IllegalStateException("the engine thread died: " + why, why);
        if (task instanceof Barrier b) b.done().completeExceptionally(e);
        else if (task instanceof Read r) r.result().completeExceptionally(e);
        else if (task instanceof Reload r) r.done().completeExceptionally(e);
        else if (task instanceof ReadInputs r) r.result().completeExceptionally(e);
    }

    private long reload(RuleBase rules) {
        IncrementalCompiler next = new IncrementalCompiler(rules, progress);
        next.apply(state.everything(), state::everything, version);
        ChangeSet diff = CompilationDiff.between(compiler.compilation(), next.compilation(), version + 1);
        IncrementalCompiler old = compiler;
        compiler = next;
        old.close();
        publish(diff);
        return version;
    }

    private void recompile() {
        ChangeSet changes = compiler.apply(state.drain(), state::everything, version + 1);
        Duration took = Duration.ofNanos(System.nanoTime() - batchStart);
        for (Consumer<Duration> t : batchTimers) {
            try {
                t.accept(took);
            } catch (RuntimeException e) {
                LOG.error("a batch timer failed", e);
            }
        }
        publish(changes);
    }

    private void publish(ChangeSet changes) {
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
