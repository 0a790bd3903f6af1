package io.microseg.facts;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Test only: a consequence that runs as long as the test wants. {@link #hold} returns at once while the
 * gate is open; once closed, it blocks until the gate opens again (at most two minutes, so that a failed
 * test cannot hang the engine thread for good). It lives in the facts package because that is what DRL may
 * call: the code check refuses {@code Thread.sleep}, and any class of io.microseg.facts is trusted, reviewed
 * Java. It stands for a consequence that takes long for reasons of its own (a loop over a huge collection).
 */
public final class StallGate {
    private static volatile CountDownLatch closed;

    private StallGate() {}

    public static void close() {
        closed = new CountDownLatch(1);
    }

    public static void open() {
        CountDownLatch c = closed;
        closed = null;
        if (c != null) c.countDown();
    }

    /** Called from the test's DRL. */
    public static void hold(String why) {
        CountDownLatch c = closed;
        if (c == null) return;
        try {
            c.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
