package io.microseg.enforce;

import io.microseg.controlplane.AgentStatus;
import io.microseg.controlplane.WatchConnection;
import io.vertx.core.Vertx;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The agent: follows its watch stream ({@link WatchConnection}, over one or several server replicas),
 * keeps {@link AgentState} from the events and has the {@link Enforcer} put the state's view in force.
 *
 * <ul>
 *   <li><b>One worker thread</b> applies; the event loop only hands decoded events over. Events that arrive
 *       while an apply runs are all taken by the next round, which applies the latest state once
 *       (coalescing). A snapshot is a whole line of the stream, decoded whole, and replaces the state as one
 *       unit: the worker never sees half of it, so no view in between is ever applied.</li>
 *   <li>Besides events that change the state, a bookmark re-applies when the node's own addresses changed
 *       ({@link Enforcer#ownAddressesChanged()}), and the worker's tick re-applies the last view when the
 *       Enforcer says a retry is due ({@link Enforcer#retryDue()}).</li>
 *   <li><b>Fail static.</b> Nothing here removes rules: a lost server, a refused token, a failed apply leave
 *       the last rules in force (logged with their version) while the connection retries.</li>
 *   <li><b>Status.</b> After each apply and every {@link Settings#statusInterval} it reports its
 *       {@link AgentStatus} to the server it follows, one report at a time; a report unanswered within the
 *       status interval (or the heartbeat timeout, if shorter) is abandoned ({@link StatusReporter}).</li>
 * </ul>
 */
public final class AgentRuntime implements AutoCloseable {
    /** How often the worker looks at retries and reports when no event comes. */
    private static final Duration TICK = Duration.ofSeconds(1);
    /** How often the worker checks that nobody else changed the agent's tables ({@link Enforcer#checkDrift()}). */
    static final Duration DRIFT_CHECK = Duration.ofSeconds(60);

    /**
     * How the agent runs.
     *
     * @param servers          the server's replicas ({@code http[s]://host:port}), followed round robin
     * @param identity         {@code node/<cluster>/<node>} or {@code host/<name>}
     * @param token            its bearer token, read at every (re)connect and report
     * @param heartbeatTimeout silence after which a server is lost (three of its bookmark intervals)
     * @param minBackoff       first delay before reconnecting
     * @param maxBackoff       longest delay before reconnecting
     * @param statusInterval   how often it reports its status when nothing is applied
     */
    public record Settings(List<URI> servers, String identity, WatchConnection.TokenSource token, Duration heartbeatTimeout,
                           Duration minBackoff, Duration maxBackoff, Duration statusInterval) {
        public Settings {
            servers = List.copyOf(servers);
            Objects.requireNonNull(token, "token");
            watchPath(identity); // validates
            if (servers.isEmpty()) throw new IllegalArgumentException("servers: expected at least one");
            servers.forEach(WatchConnection.Server::of); // validates
            if (heartbeatTimeout.toMillis() < 30) throw new IllegalArgumentException("heartbeatTimeout: expected at least 30ms, found " + heartbeatTimeout);
            if (statusInterval.isNegative() || statusInterval.isZero()) throw new IllegalArgumentException("statusInterval must be positive");
        }

        public Settings withBackoff(Duration min, Duration max) {
            return new Settings(servers, identity, token, heartbeatTimeout, min, max, statusInterval);
        }
    }

    /**
     * One apply: the view of {@code version} (of the stream of {@code epoch}) and what it left in force.
     */
    public record Applied(String epoch, long version, AgentView view, Enforcer.Outcome outcome) {}

    private final Settings settings;
    private final Enforcer enforcer;
    private final AgentLog log;
    private final Consumer<Applied> afterApply;
    private volatile WatchConnection connection; // set once, right after the worker starts
    private final StatusReporter reporter;
    private final Thread worker;
    private final AgentState state;

    private final Object lock = new Object();
    private final List<WatchConnection.Event> inbox = new ArrayList<>(); // guarded by lock
    private boolean running = true;                                        // guarded by lock

    // read by the event loop's log lines and by status(); written by the worker
    private volatile Applied applied;
    private volatile String applyError;
    private volatile String connectionError;

    private AgentRuntime(Vertx vertx, Settings settings, Enforcer enforcer, AgentLog log, Consumer<Applied> afterApply) {
        this.settings = settings;
        this.enforcer = enforcer;
        this.log = log;
        this.afterApply = afterApply;
        this.state = new AgentState(settings.identity());
        // a report still unanswered when the next is due is abandoned: the next says it all again
        Duration reportDeadline = settings.statusInterval().compareTo(settings.heartbeatTimeout()) < 0
                ? settings.statusInterval() : settings.heartbeatTimeout();
        this.reporter = new StatusReporter(vertx, statusPath(settings.identity()), settings.token(), log, reportDeadline);
        WatchConnection.Options options = WatchConnection.Options.of(settings.servers(), watchPath(settings.identity()),
                        settings.heartbeatTimeout().dividedBy(3))
                .withToken(settings.token()).withBackoff(settings.minBackoff(), settings.maxBackoff());
        this.connection = WatchConnection.open(vertx, options, new Listener());
        this.worker = new Thread(this::work, "microseg-agent-apply");
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Starts following the servers and enforcing.
     *
     * @param afterApply called on the worker after each apply (tests record what was in force)
     */
    public static AgentRuntime start(Vertx vertx, Settings settings, Enforcer enforcer, AgentLog log, Consumer<Applied> afterApply) {
        log.line("microseg enforce: agent " + settings.identity() + " following " + watchPath(settings.identity()) + " on "
                + String.join(", ", settings.servers().stream().map(u -> WatchConnection.Server.of(u).toString()).toList()));
        return new AgentRuntime(vertx, settings, enforcer, log, afterApply);
    }

    /** The stream path of an agent identity. */
    static String watchPath(String identity) {
        return base(identity) + "/watch";
    }

    static String statusPath(String identity) {
        return base(identity) + "/status";
    }

    private static String base(String identity) {
        String[] p = identity == null ? new String[0] : identity.split("/", -1);
        boolean valid = p.length == 3 && p[0].equals("node") || p.length == 2 && p[0].equals("host");
        for (String part : p) valid &= !part.isEmpty() && part.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '?' && c != '#' && c != '%');
        if (!valid) throw new IllegalArgumentException("expected an agent identity node/<cluster>/<node> or host/<name>, found \"" + identity + "\"");
        return p[0].equals("node") ? "/v1/nodes/" + p[1] + "/" + p[2] : "/v1/hosts/" + p[1];
    }

    /** The last apply, or null before the first. */
    public Applied applied() {
        return applied;
    }

    /** The server followed now (or tried next). */
    public WatchConnection.Server server() {
        return connection.server();
    }

    /** What the agent reports, with the audit counters read now. */
    public AgentStatus status() {
        Applied a = applied;
        String error = applyError != null ? applyError : connectionError;
        if (a == null) return new AgentStatus(settings.identity(), null, -1, List.of(), List.of(), error);
        return new AgentStatus(settings.identity(), a.epoch(), a.version(), a.outcome().namespaces(), a.outcome().pendingPods(), error,
                enforcer.auditCounters(a.view()));
    }

    /** Reports the server accepted so far. */
    public int reportsAccepted() {
        return reporter.accepted();
    }

    /** Stops following and applying; the rules in force stay. */
    @Override
    public void close() {
        connection.close();
        synchronized (lock) {
            running = false;
            lock.notifyAll();
        }
        try {
            worker.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reporter.close();
    }

    private String inForce() {
        Applied a = applied;
        return a == null ? "no rules applied yet by this run (a previous run's table, if any, stays)"
                : "the rules of version " + a.version() + " (epoch " + a.epoch() + ") stay in force";
    }

    /** On the connection's event loop: hands events over, logs the connection's fate. */
    private final class Listener implements WatchConnection.Listener {
        @Override
        public void onEvent(WatchConnection.Event event) {
            synchronized (lock) {
                inbox.add(event);
                lock.notifyAll();
            }
        }

        @Override
        public void onConnected(long since) {
            connectionError = null;
            WatchConnection c = connection;
            log.line("microseg enforce: connected to " + (c == null ? "the server" : c.server()) + (since < 0 ? "" : " (resuming after version " + since + ")"));
        }

        @Override
        public void onServerLost(WatchConnection.Lost lost) {
            String retry = "; retrying " + (lost.next().equals(lost.server()) ? "" : "with " + lost.next() + " ") + "in "
                    + lost.retryIn().toMillis() + " ms";
            String message;
            if (lost.refused()) {
                message = "error: " + lost.server() + " refused this agent (" + lost.detail() + "): the token is wrong, expired or"
                        + " belongs to another node or host; " + inForce() + retry;
            } else if (lost.reason() == WatchConnection.Loss.NO_TOKEN) {
                message = "error: no token (" + lost.detail() + "); " + inForce() + retry;
            } else {
                message = "lost " + lost.server() + " (" + lost.reason() + ": " + lost.detail() + "); " + inForce() + retry;
            }
            connectionError = lost.server() + ": " + lost.reason() + ": " + lost.detail();
            log.line("microseg enforce: " + message);
        }
    }

    // ---- the worker ----

    private void work() {
        String epoch = null;                // the epoch of the snapshot the state came from
        boolean reportWanted = false;
        long nextReport = System.nanoTime() + settings.statusInterval().toNanos();
        long tick = Math.min(TICK.toNanos(), settings.statusInterval().toNanos());
        long nextDriftCheck = System.nanoTime() + DRIFT_CHECK.toNanos();
        while (true) {
            List<WatchConnection.Event> batch;
            synchronized (lock) {
                long until = System.nanoTime() + tick;
                while (running && inbox.isEmpty()) {
                    long left = until - System.nanoTime();
                    if (left <= 0) break;
                    try {
                        lock.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (!running) return;
                batch = new ArrayList<>(inbox);
                inbox.clear();
            }
            boolean changed = false;
            boolean bookmark = false;
            boolean replace = false;
            for (WatchConnection.Event e : batch) {
                if (e.isSnapshot()) epoch = e.epoch();
                replace |= e.replaces();
                changed |= state.apply(e.event());
                bookmark |= e.isBookmark();
            }
            boolean drift = false;
            if (applied != null && System.nanoTime() - nextDriftCheck >= 0) {
                drift = enforcer.checkDrift();
                nextDriftCheck = System.nanoTime() + DRIFT_CHECK.toNanos();
            }
            boolean again = !changed && applied != null && (drift || bookmark && enforcer.ownAddressesChanged() || enforcer.retryDue());
            if (state.version() >= 0 && (changed || again)) {
                apply(epoch, replace);
                reportWanted = true;
            }
            if (System.nanoTime() - nextReport >= 0) reportWanted = true;
            if (reportWanted && reporter.trySend(connection.server(), status())) {
                reportWanted = false;
                nextReport = System.nanoTime() + settings.statusInterval().toNanos();
            }
        }
    }

    private void apply(String epoch, boolean replace) {
        long version = state.version();
        AgentView view = state.view();
        Enforcer.Outcome outcome;
        try {
            outcome = enforcer.enforce(view, version, replace);
        } catch (RuntimeException e) {
            applyError = "version " + version + ": the apply failed: " + e;
            log.line("microseg enforce: " + applyError + "; the rules in force stay");
            return;
        }
        applyError = outcome.firstError() == null ? null : "version " + version + ": " + outcome.firstError();
        Applied a = new Applied(epoch, version, view, outcome);
        applied = a;
        try {
            afterApply.accept(a);
        } catch (RuntimeException e) {
            log.line("microseg enforce: the after-apply hook failed: " + e);
        }
    }
}
