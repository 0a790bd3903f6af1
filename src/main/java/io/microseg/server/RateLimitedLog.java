package io.microseg.server;

import org.slf4j.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Warnings that a client can trigger at will (malformed requests, internal errors), written at most once
 * per interval for each kind, with the number left out since the last line: a flood of bad requests costs
 * a few log lines, never one line (or stack trace) per request. Kinds are fixed strings of the code, so
 * their number is bounded.
 */
final class RateLimitedLog {
    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final AtomicLong written = new AtomicLong();

    private static final class Window {
        long lastWritten;
        boolean any;
        long suppressed;
    }

    RateLimitedLog(Logger log, Duration interval) {
        this(log, interval, System::nanoTime);
    }

    RateLimitedLog(Logger log, Duration interval, LongSupplier nanoTime) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Logs {@code kind: message} unless a line of this kind was written less than an interval ago. */
    void warn(String kind, String message, Throwable cause) {
        Window w = windows.computeIfAbsent(kind, k -> new Window());
        long suppressed;
        synchronized (w) {
            long now = nanoTime.getAsLong();
            if (w.any && now - w.lastWritten < intervalNanos) {
                w.suppressed++;
                return;
            }
            w.any = true;
            w.lastWritten = now;
            suppressed = w.suppressed;
            w.suppressed = 0;
        }
        written.incrementAndGet();
        String more = suppressed == 0 ? "" : " (and " + suppressed + " more like it not logged since the last such line)";
        if (cause == null) log.warn("{}: {}{}", kind, message, more);
        else log.warn("{}: {}{}", kind, message, more, cause);
    }

    /** Lines written so far. */
    long written() {
        return written.get();
    }
}
