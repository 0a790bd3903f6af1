package io.microseg.enforce.netns;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Where each pod of the agent's view is, kept between applies, on top of a {@link NetnsResolver}.
 *
 * <p>A pod is resolved again when it appears, when its addresses change, when the namespace it resolved to
 * is gone ({@link NetnsResolver#stillThere}: the inode at its path changed or vanished), and, while it is
 * pending, when its retry comes: the first after {@link Backoff#initial}, each next one twice as late, at
 * most {@link Backoff#max}. All pods needing a resolution at one apply are resolved with one call (one scan).
 * A pod that left the view is forgotten.
 */
public final class PodNetns {
    /** The delays between retries of a pending pod. */
    public record Backoff(Duration initial, Duration max) {
        public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

        public Backoff {
            if (initial.isNegative() || initial.isZero()) throw new IllegalArgumentException("retry backoff: expected a positive first delay, found " + initial);
            if (max.compareTo(initial) < 0) throw new IllegalArgumentException("retry backoff: expected a longest delay of at least " + initial + ", found " + max);
        }
    }

    private record Resolved(List<String> addresses, NetnsRef ref) {}

    private record Waiting(List<String> addresses, String reason, long due, Duration delay) {}

    private final NetnsResolver resolver;
    private final Backoff backoff;
    private final LongSupplier nanos;
    private final PrintStream log;
    private final Map<String, Resolved> resolved = new HashMap<>();
    private final Map<String, Waiting> waiting = new HashMap<>();

    public PodNetns(NetnsResolver resolver, Backoff backoff, LongSupplier nanos, PrintStream log) {
        this.resolver = resolver;
        this.backoff = backoff;
        this.nanos = nanos;
        this.log = log;
    }

    /** The resolver underneath. */
    public NetnsResolver resolver() {
        return resolver;
    }

    /** Where each of these pods (id to addresses) is now, resolving those that need it; one entry per pod. */
    public synchronized Map<String, NetnsResolver.Resolution> lookup(Map<String, List<String>> pods) {
        resolved.keySet().retainAll(pods.keySet());
        waiting.keySet().retainAll(pods.keySet());
        long now = nanos.getAsLong();
        Map<String, NetnsResolver.Resolution> out = new TreeMap<>();
        Map<String, List<String>> need = new TreeMap<>();
        for (var e : pods.entrySet()) {
            String pod = e.getKey();
            List<String> addresses = List.copyOf(e.getValue());
            Resolved r = resolved.get(pod);
            Waiting w = waiting.get(pod);
            if (r != null && r.addresses().equals(addresses) && resolver.stillThere(r.ref())) {
                out.put(pod, new NetnsResolver.Resolution.Found(r.ref()));
            } else if (w != null && w.addresses().equals(addresses) && now - w.due() < 0) {
                out.put(pod, new NetnsResolver.Resolution.Pending(w.reason()));
            } else {
                need.put(pod, addresses);
            }
        }
        if (need.isEmpty()) return out;
        Map<String, NetnsResolver.Resolution> found = resolver.resolve(need);
        for (var e : need.entrySet()) {
            String pod = e.getKey();
            NetnsResolver.Resolution res = found.getOrDefault(pod, new NetnsResolver.Resolution.Pending("the resolver gave no answer"));
            out.put(pod, res);
            Resolved before = resolved.remove(pod);
            Waiting w = waiting.remove(pod);
            if (res instanceof NetnsResolver.Resolution.Found f) {
                resolved.put(pod, new Resolved(e.getValue(), f.ref()));
                if (before == null || !before.ref().equals(f.ref())) {
                    log.println("microseg enforce: " + pod + ": network namespace " + describe(f.ref()));
                }
            } else if (res instanceof NetnsResolver.Resolution.Pending p) {
                boolean again = w != null && w.addresses().equals(e.getValue());
                Duration delay = again ? min(w.delay().multipliedBy(2), backoff.max()) : backoff.initial();
                waiting.put(pod, new Waiting(e.getValue(), p.reason(), now + delay.toNanos(), delay));
                if (!again || !w.reason().equals(p.reason())) {
                    log.println("microseg enforce: " + pod + ": network namespace not found (" + p.reason() + "); its rules wait, retried with backoff up to "
                            + backoff.max().toSeconds() + " s");
                }
            }
        }
        return out;
    }

    /** Whether a pending pod's retry has come, or a resolved pod's namespace is gone: the view should be applied again. */
    public synchronized boolean retryDue() {
        long now = nanos.getAsLong();
        for (Waiting w : waiting.values()) if (now - w.due() >= 0) return true;
        for (Resolved r : resolved.values()) if (!resolver.stillThere(r.ref())) return true;
        return false;
    }

    private static String describe(NetnsRef ref) {
        return ref instanceof NetnsRef.Own ? "is the agent's own" : ref.label();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
