package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;
import io.microseg.enforce.netns.NetnsRef;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link NftTransactions} through one long-lived {@link NftSession} ({@code nft -i}) per network namespace,
 * started at the namespace's first transaction and kept while the agent applies there.
 *
 * <ul>
 *   <li>A session that ended or could not tell a transaction's outcome is dropped; that transaction is reported
 *       failed (the agent re-creates the table), and the next one starts a new session.</li>
 *   <li>A session that cannot be started (the namespace cannot be entered, or {@code nft -i} does not answer as
 *       expected) leaves that transaction to a one-shot {@code nft -f -}. When the one-shot works where the session
 *       did not, {@code nft -i} is taken not to work on this host: one-shot transactions from then on, logged once.</li>
 *   <li>After {@code maxTransactions} to twice as many (drawn per session, so that the sessions of a node do not all
 *       reach it at one apply) a session is replaced: the new one is started in the background and takes over at
 *       the next transaction after it answered, and the old one ends.</li>
 *   <li>{@link #retain} ends the sessions of namespaces the agent no longer applies into: a session holds its
 *       namespace alive, and a pod's namespace must go with the pod.</li>
 * </ul>
 *
 * The scripts go through files in a directory only the agent's user can read ({@code 0700}), removed by {@link #close}.
 */
public final class NftSessions implements NftTransactions {
    /** Transactions after which a session is replaced, by default. */
    public static final int MAX_TRANSACTIONS = 500;
    /** How long a transaction may take before its session is taken to hang, by default. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final PrintStream log;
    private final NftTransactions oneShot;
    private final int maxTransactions;
    private final Duration timeout;
    private final Map<NetnsRef, Slot> slots = new ConcurrentHashMap<>();
    private final NftWatchdog watchdog;
    private final AtomicLong ids = new AtomicLong();
    private final ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "microseg-nft-session-start");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean unavailable;
    private volatile boolean closed;

    /**
     * @param runner          runs the one-shot {@code nft -f -} when a session cannot be started
     * @param maxTransactions transactions after which a session is replaced (at least this, fewer than twice as many)
     * @param timeout         how long one transaction may take
     */
    public NftSessions(CommandRunner runner, PrintStream log, int maxTransactions, Duration timeout) throws IOException {
        if (maxTransactions < 1) throw new IllegalArgumentException("maxTransactions: expected at least 1, found " + maxTransactions);
        this.dir = Files.createTempDirectory("microseg-nft-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        this.log = log;
        this.oneShot = NftTransactions.oneShot(runner);
        this.maxTransactions = maxTransactions;
        this.timeout = timeout;
        this.watchdog = new NftWatchdog(timeout);
    }

    public NftSessions(CommandRunner runner, PrintStream log) throws IOException {
        this(runner, log, MAX_TRANSACTIONS, TIMEOUT);
    }

    @Override
    public CommandRunner.Result run(NetnsRef ns, String script) {
        if (unavailable || closed) return oneShot.run(ns, script);
        return slots.computeIfAbsent(ns, Slot::new).run(script);
    }

    @Override
    public void retain(Collection<NetnsRef> keep) {
        Set<NetnsRef> wanted = new HashSet<>(keep);
        for (NetnsRef ns : Set.copyOf(slots.keySet())) {
            if (!wanted.contains(ns)) {
                Slot s = slots.remove(ns);
                if (s != null) s.close();
            }
        }
    }

    /** The pid of the session running in {@code ns}, or -1 (for tests). */
    long pid(NetnsRef ns) {
        Slot s = slots.get(ns);
        return s == null ? -1 : s.pid();
    }

    @Override
    public void close() {
        closed = true;
        slots.values().forEach(Slot::close);
        slots.clear();
        starter.shutdownNow();
        watchdog.close();
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            log.println("microseg enforce: could not remove " + dir + ": " + e.getMessage());
        }
    }

    private static String label(NetnsRef ns) {
        return ns instanceof NetnsRef.Own ? "the agent's own namespace" : "netns " + ns.label();
    }

    private NftSession start(NetnsRef ns) throws IOException {
        return NftSession.start(ns, dir.resolve(ids.incrementAndGet() + ".nft"), dir.resolve("no-home"), timeout, watchdog);
    }

    /** One namespace's session, and its replacement while that starts; one transaction at a time. */
    private final class Slot {
        private final NetnsRef ns;
        private NftSession current;                 // guarded by this
        private CompletableFuture<NftSession> next; // guarded by this
        private int limit;                          // guarded by this

        Slot(NetnsRef ns) {
            this.ns = ns;
        }

        synchronized CommandRunner.Result run(String script) {
            if (next != null && next.isDone()) {
                NftSession replacement = next.getNow(null);
                next = null;
                if (replacement != null) {
                    if (current != null) current.close();
                    current = replacement;
                    limit = drawLimit();
                }
            }
            if (current != null && current.broken()) {
                log.println("microseg enforce: the nft session in " + label(ns) + " (pid " + current.pid() + ") has ended; a new one is started");
                current.close();
                current = null;
            }
            if (current == null) {
                try {
                    current = start(ns);
                    limit = drawLimit();
                } catch (IOException e) {
                    CommandRunner.Result r = oneShot.run(ns, script);
                    if (r.exit() == 0 && !unavailable) {
                        unavailable = true;
                        log.println("microseg enforce: " + e.getMessage() + ", but nft -f works there: one nft process per transaction from now on");
                    }
                    return r;
                }
            }
            CommandRunner.Result r = current.run(script);
            if (current.broken()) {
                log.println("microseg enforce: " + r.output() + ": the next transaction there starts a new nft session");
                current.close();
                current = null;
            } else if (current.transactions() >= limit && next == null && !closed) {
                next = CompletableFuture.supplyAsync(() -> {
                    try {
                        return start(ns);
                    } catch (IOException e) {
                        return null; // the current session goes on; tried again at the next transaction
                    }
                }, starter);
            }
            return r;
        }

        synchronized long pid() {
            return current == null ? -1 : current.pid();
        }

        synchronized void close() {
            if (current != null) current.close();
            current = null;
            if (next != null) next.thenAccept(s -> {
                if (s != null) s.close();
            });
            next = null;
        }

        private int drawLimit() {
            return maxTransactions + ThreadLocalRandom.current().nextInt(maxTransactions);
        }
    }
}
