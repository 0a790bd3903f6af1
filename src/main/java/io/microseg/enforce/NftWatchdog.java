package io.microseg.enforce;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ends the {@link NftSession}s whose transaction has run past its deadline, so that the thread blocked reading the
 * session's answer sees the end of its output. One thread looks at every session a few times per timeout instead
 * of a timer armed per transaction: a transaction costs two field writes, not a wake-up of another thread. A
 * session is ended at most one period after its deadline.
 */
final class NftWatchdog implements AutoCloseable {
    private final Set<NftSession> watched = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "microseg-nft-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** @param timeout the transactions' timeout: the sessions are looked at every tenth of it (10 ms to 1 s) */
    NftWatchdog(Duration timeout) {
        long period = Math.max(10, Math.min(1000, timeout.toMillis() / 10));
        timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    void watch(NftSession s) {
        watched.add(s);
    }

    void forget(NftSession s) {
        watched.remove(s);
    }

    private void check() {
        long now = System.nanoTime();
        for (NftSession s : watched) s.endIfOverdue(now);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
