package io.microseg.source;

import io.microseg.engine.Change;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** A thread-safe recording sink: changes in arrival order, and waiting for the next one that matches. */
final class Recorder implements Consumer<Change> {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<Change> changes = new ArrayList<>();
    /** Index after the last change {@link #next} returned. */
    private int cursor;

    @Override
    public synchronized void accept(Change change) {
        changes.add(change);
        notifyAll();
    }

    synchronized List<Change> all() {
        return List.copyOf(changes);
    }

    /** Where the recording stands now, for {@link #since(int)}. */
    synchronized int mark() {
        return changes.size();
    }

    synchronized List<Change> since(int mark) {
        return List.copyOf(changes.subList(mark, changes.size()));
    }

    /** Skips to the next change (after the last one this returned) of this type that matches; fails after a timeout. */
    synchronized <T extends Change> T next(Class<T> type, Predicate<? super T> matching) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            for (; cursor < changes.size(); cursor++) {
                Change c = changes.get(cursor);
                if (type.isInstance(c) && matching.test(type.cast(c))) {
                    cursor++;
                    return type.cast(c);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching " + type.getSimpleName() + " within " + TIMEOUT + "; recorded:\n  "
                        + String.join("\n  ", changes.stream().map(Object::toString).toList()));
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    <T extends Change> T next(Class<T> type) {
        return next(type, c -> true);
    }

    /** Polls {@code condition} until it holds; fails with {@code message} after {@code timeout}. */
    static void await(BooleanSupplier condition, Duration timeout, Supplier<String> message) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + ": " + message.get());
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
