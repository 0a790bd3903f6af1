package io.microseg.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.microseg.deploy.RefusalReason;
import io.microseg.controlplane.AgentEvent;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's own meters, in Prometheus names:
 * <ul>
 *   <li>{@code microseg_rules}, {@code microseg_sets}: rules compiled, and address sets they use;</li>
 *   <li>{@code microseg_version}: the version the feed has reached;</li>
 *   <li>{@code microseg_enforcers_connected}: open watch streams;</li>
 *   <li>{@code microseg_compile_batch_seconds}: from taking a batch of changes to its change set;</li>
 *   <li>{@code microseg_feed_events_sent_total{type=snapshot|delta|bookmark}}: events written to streams;</li>
 *   <li>{@code microseg_feed_slow_consumer_disconnects_total}: streams closed because their client did not keep up;</li>
 *   <li>{@code microseg_http_connections_closed_total{reason=header_timeout|idle_timeout|over_limit}}: connections
 *       the server closed to stay within {@code server.http};</li>
 *   <li>{@code microseg_rules_reloads_total}: rule sets deployed from the rules folder;</li>
 *   <li>{@code microseg_rule_deploys_refused_total{reason=empty|unsettled|...}}: rule sets not applied, each
 *       distinct refusal once ({@link RefusalReason});</li>
 *   <li>{@code microseg_engine_stalls_total}: times the engine worked longer than {@code rules.stallAfter}
 *       without a rule finishing;</li>
 *   <li>{@code microseg_agents_known}, {@code microseg_agents_expected}, {@code microseg_agents_in_sync},
 *       {@code microseg_agents_out_of_sync}, {@code microseg_agents_never_reported}: the agents {@code GET /v1/agents}
 *       lists on this replica, those the inventory has, and how many are in sync, out of sync, never reported
 *       here (docs/status.md);</li>
 *   <li>{@code microseg_leader}: 1 while this replica leads; {@code microseg_workspace_status_writes_total},
 *       {@code microseg_workspace_status_write_failures_total}: Workspace status written by this replica.</li>
 * </ul>
 * Vert.x adds its own ({@code vertx_http_server_*}) through vertx-micrometer-metrics on the same registry.
 * Their labels take known values only: a {@code method} the API does not know is {@code other}, so that
 * clients cannot create series (and memory) with made-up methods.
 */
public final class ServerMetrics {
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final AtomicLong rules = new AtomicLong();
    final AtomicLong sets = new AtomicLong();
    final AtomicLong version = new AtomicLong();
    final AtomicInteger connected = new AtomicInteger();
    /** Streams whose client has not taken what was written: a client that stops reading shows here first. */
    final AtomicInteger waitingForRoom = new AtomicInteger();
    private final Timer batches;
    private final Counter snapshots;
    private final Counter deltas;
    private final Counter bookmarks;
    final Counter slowConsumers;
    private final Counter reloads;
    private final Counter stalls;
    private final java.util.Map<RefusalReason, Counter> refusals = new java.util.EnumMap<>(RefusalReason.class);

    private final java.util.Map<ConnectionGuard.Closed, Counter> closed = new java.util.EnumMap<>(ConnectionGuard.Closed.class);

    public ServerMetrics() {
        registry.config().meterFilter(io.micrometer.core.instrument.config.MeterFilter.replaceTagValues("method",
                m -> RequestGate.KNOWN_METHODS.contains(m) ? m : "other"));
        Gauge.builder("microseg.rules", rules, AtomicLong::get).description("Concrete rules compiled").register(registry);
        Gauge.builder("microseg.sets", sets, AtomicLong::get).description("Address sets the rules use").register(registry);
        Gauge.builder("microseg.version", version, AtomicLong::get).description("Version of the rules the feed serves").register(registry);
        Gauge.builder("microseg.enforcers.connected", connected, AtomicInteger::get)
                .description("Enforcement agents (watch streams) connected").register(registry);
        Gauge.builder("microseg.feed.streams.waiting", waitingForRoom, AtomicInteger::get)
                .description("Watch streams waiting for their client to read what was written").register(registry);
        batches = Timer.builder("microseg.compile.batch").description("From taking a batch of changes to its change set")
                .publishPercentiles(0.5, 0.99).register(registry);
        snapshots = sent("snapshot");
        deltas = sent("delta");
        bookmarks = sent("bookmark");
        slowConsumers = Counter.builder("microseg.feed.slow.consumer.disconnects")
                .description("Watch streams closed because their client did not keep up").register(registry);
        reloads = Counter.builder("microseg.rules.reloads").description("Rule sets deployed from the rules folder")
                .register(registry);
        for (RefusalReason why : RefusalReason.values()) {
            refusals.put(why, Counter.builder("microseg.rule.deploys.refused")
                    .description("Rule sets not applied (the running rules stayed), each distinct refusal once")
                    .tag("reason", why.label()).register(registry));
        }
        stalls = Counter.builder("microseg.engine.stalls")
                .description("Times the engine worked longer than rules.stallAfter without a rule finishing").register(registry);
        for (ConnectionGuard.Closed why : ConnectionGuard.Closed.values()) {
            closed.put(why, Counter.builder("microseg.http.connections.closed").description("Connections closed to stay within server.http")
                    .tag("reason", why.name().toLowerCase(java.util.Locale.ROOT)).register(registry));
        }
    }

    /** Gauges of the agents' sync state, computed from {@code counts} at each scrape. */
    void agents(java.util.function.Supplier<io.microseg.agents.AgentSync.Counts> counts) {
        Gauge.builder("microseg.agents.known", () -> counts.get().known())
                .description("Agents listed by GET /v1/agents on this replica: reported here, or expected by the inventory").register(registry);
        Gauge.builder("microseg.agents.expected", () -> counts.get().expected())
                .description("Nodes and hosts of the inventory, each of which should run an agent").register(registry);
        Gauge.builder("microseg.agents.in.sync", () -> counts.get().inSync())
                .description("Agents whose last report to this replica says they enforce what it serves").register(registry);
        Gauge.builder("microseg.agents.out.of.sync", () -> counts.get().outOfSync())
                .description("Agents listed on this replica that are not in sync with it").register(registry);
        Gauge.builder("microseg.agents.never.reported", () -> counts.get().neverReported())
                .description("Agents the inventory expects that never reported to this replica").register(registry);
    }

    /** Whether this replica leads, and the Workspace status it wrote. */
    void leadership(java.util.function.BooleanSupplier leading, java.util.function.LongSupplier writes,
                    java.util.function.LongSupplier failures) {
        Gauge.builder("microseg.leader", () -> leading.getAsBoolean() ? 1 : 0)
                .description("1 while this replica leads (writes Workspace status)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("microseg.workspace.status.writes", writes, w -> w.getAsLong())
                .description("Workspace status subresources written by this replica").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("microseg.workspace.status.write.failures", failures, w -> w.getAsLong())
                .description("Workspace status writes that failed (retried)").register(registry);
    }

    void connectionClosed(ConnectionGuard.Closed why) {
        closed.get(why).increment();
    }

    void rulesReloaded() {
        reloads.increment();
    }

    void deployRefused(RefusalReason why) {
        refusals.get(why).increment();
    }

    void engineStalled() {
        stalls.increment();
    }

    private Counter sent(String type) {
        return Counter.builder("microseg.feed.events.sent").description("Events written to watch streams").tag("type", type)
                .register(registry);
    }

    void batch(Duration took) {
        batches.record(took);
    }

    void sent(AgentEvent e) {
        if (e instanceof AgentEvent.Snapshot) snapshots.increment();
        else if (e instanceof AgentEvent.Delta) deltas.increment();
        else bookmarks.increment();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
