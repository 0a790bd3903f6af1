package io.microseg.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Tells when the engine is stuck: working for longer than {@code stallAfter} without progress (a
 * consequence that does not return, a condition that does not finish). A large batch is not a stall:
 * rules keep beginning and finishing. While stalled, no change reaches any agent; the agents keep
 * what they have. Each stall is logged once, with the rule whose consequence runs (if one does) and
 * where the engine thread is, and handed to {@code onStall} (a metric); {@link #current()} answers at
 * any time, for {@code /healthz}.
 */
public final class StallWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StallWatch.class);

    /** A stall: how long the engine has gone without progress, and the rule whose consequence runs (null: none). */
    public record Stall(Duration running, String rule) {
        /** In words, for logs and {@code /healthz}. */
        public String where() {
            return rule == null ? "outside any consequence (evaluating conditions or projecting facts)"
                    : "in the consequence of rule \"" + rule + "\"";
        }
    }

    private final Engine engine;
    private final Duration stallAfter;
    private final Consumer<Stall> onStall;
    private final Thread thread;
    private volatile boolean closed;

    public StallWatch(Engine engine, Duration stallAfter, Consumer<Stall> onStall) {
        this.engine = engine;
        this.stallAfter = stallAfter;
        this.onStall = onStall;
        this.thread = new Thread(this::run, "microseg-stall-watch");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public Duration stallAfter() {
        return stallAfter;
    }

    /** The stall going on now, if the engine is stalled. */
    public Optional<Stall> current() {
        return engine.busy().filter(b -> b.running().compareTo(stallAfter) >= 0).map(b -> new Stall(b.running(), b.rule()));
    }

    private void run() {
        // a quarter of the bound: a stall is seen within a quarter of it having begun
        long period = Math.max(10, Math.min(1_000, stallAfter.toMillis() / 4));
        boolean reported = false;
        while (!closed) {
            Optional<Stall> stall = current();
            if (stall.isPresent() && !reported) {
                reported = true;
                Stall s = stall.get();
                LOG.error("the engine has worked {} ms without progress, {} (rules.stallAfter {} ms): no change reaches the agents, "
                        + "which keep their rules; /healthz answers 503 until it moves. Engine thread at:\n\t{}", s.running().toMillis(),
                        s.where(), stallAfter.toMillis(), Arrays.stream(engine.stackTrace()).limit(12).map(String::valueOf)
                                .collect(Collectors.joining("\n\t")));
                try {
                    onStall.accept(s);
                } catch (RuntimeException e) {
                    LOG.error("reporting a stall failed", e);
                }
            } else if (stall.isEmpty() && reported) {
                reported = false;
                LOG.info("the engine moves again");
            }
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
