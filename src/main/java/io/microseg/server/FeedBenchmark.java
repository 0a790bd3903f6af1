package io.microseg.server;

import io.microseg.compile.RuleBase;
import io.microseg.config.MicrosegConfig;
import io.microseg.engine.Change;
import io.microseg.controlplane.AgentEvent;
import io.microseg.feed.FeedStore;
import io.microseg.controlplane.WatchConnection;
import io.microseg.inventory.ContainerPort;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.Labels;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.inventory.ServiceType;
import io.microseg.inventory.TargetPort;
import io.microseg.net.PortRange;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Policy;
import io.microseg.policy.PortSpec;
import io.microseg.policy.Rank;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.Query;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The feed benchmark ({@code microseg bench-feed}): a real {@link MicrosegServer} on loopback (port 0, no
 * authentication) over a synthetic cluster, W NDJSON watchers ({@link WatchConnection}s on one Vert.x
 * client, W/N per node) and a stream of inventory changes, each submitted to the engine alone. For each
 * change: the time from submitting it until the <b>last</b> watcher whose agent got a delta from it has
 * received that delta.
 *
 * <p>The cluster: N nodes, four pods per node ({@code web-i-a} production, {@code web-i-b} development,
 * {@code db-i}, {@code cache-i}), a NodePort service {@code data/db} selecting the db pods of every node,
 * one workspace with the seed's policy (production to db on TCP 27017) and a DENY catch-all. The changes
 * alternate between relabelling a development pod into or out of the consumer query (the consumers' set
 * changes on every node, where the db pods' ingress uses it) and removing or restoring a db pod (the
 * service's backend set changes on every node, whose forwarding rule uses it): each reaches every watcher.
 */
public final class FeedBenchmark {
    static final String CLUSTER = "bench";
    private static final String INVENTORY = "bench:inventory";
    private static final String POLICIES = "bench:policies";

    /** What to run. {@code spacing} is the pause between one change's last delivery and the next change. */
    public record Settings(int nodes, int watchers, int changes, Duration spacing, Duration bookmarkInterval,
                           Consumer<String> progress) {
        public Settings {
            if (nodes < 1 || watchers < 1 || changes < 0) throw new IllegalArgumentException("expected nodes >= 1, watchers >= 1, changes >= 0");
        }
    }

    /** What was measured; latencies in milliseconds. */
    public record Result(int nodes, int watchers, int changes, int connected, int connectedAtEnd, long deltasDelivered,
                         long deltasExpected, long missed, double p50Ms, double p99Ms, double maxMs, double meanMs,
                         long heapServerOnlyMb, long heapAfterGcMb, long slowConsumerDisconnects, long heartbeatLosses,
                         int rules, double setupSeconds, double runSeconds) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("nodes", nodes);
            m.put("watchers", watchers);
            m.put("changes", changes);
            m.put("rules", rules);
            m.put("connected", connected);
            m.put("connectedAtEnd", connectedAtEnd);
            m.put("deltasExpected", deltasExpected);
            m.put("deltasDelivered", deltasDelivered);
            m.put("missed", missed);
            Map<String, Object> latency = new LinkedHashMap<>();
            latency.put("p50", p50Ms);
            latency.put("p99", p99Ms);
            latency.put("max", maxMs);
            latency.put("mean", meanMs);
            m.put("latencyMs", latency);
            m.put("heapServerOnlyMb", heapServerOnlyMb);
            m.put("heapAfterGcMb", heapAfterGcMb);
            m.put("slowConsumerDisconnects", slowConsumerDisconnects);
            m.put("watcherLosses", heartbeatLosses);
            m.put("setupSeconds", setupSeconds);
            m.put("runSeconds", runSeconds);
            return m;
        }

        public String toText() {
            return String.format(java.util.Locale.ROOT, """
                    feed benchmark: %d nodes, %d watchers (%d connected), %d changes, %d rules
                    change -> last watcher's delta: p50 %.1f ms, p99 %.1f ms, max %.1f ms, mean %.1f ms
                    deltas delivered %d of %d expected (%d missed)
                    heap after GC: %d MB with the watchers (client side included), %d MB server only before they connected
                    slow-consumer disconnects %d, watcher connection losses %d, still connected at the end %d
                    setup %.1f s, changes %.1f s
                    """, nodes, watchers, connected, changes, rules, p50Ms, p99Ms, maxMs, meanMs, deltasDelivered, deltasExpected,
                    missed, heapAfterGcMb, heapServerOnlyMb, slowConsumerDisconnects, heartbeatLosses, connectedAtEnd,
                    setupSeconds, runSeconds);
        }
    }

    /** Deliveries of one version's deltas. */
    private static final class Arrivals {
        final AtomicInteger count = new AtomicInteger();
        final AtomicLong last = new AtomicLong();

        void arrive(long at) {
            last.accumulateAndGet(at, Math::max);
            count.incrementAndGet();
        }
    }

    private FeedBenchmark() {}

    public static Result run(Settings s) throws InterruptedException {
        long setupStart = System.nanoTime();
        MicrosegConfig.Server server = MicrosegConfig.Server.DEFAULT.withListen(new MicrosegConfig.Listen("127.0.0.1", 0))
                .withAuth(MicrosegConfig.Auth.INSECURE).withBookmarkInterval(s.bookmarkInterval());
        // all watchers connect at once: none is closed for being new while the others' requests are read
        MicrosegConfig.Http limits = server.http();
        int room = Math.max(limits.maxConnections(), s.watchers() + 100);
        server = server.withHttp(new MicrosegConfig.Http(limits.headerTimeout(), limits.idleTimeout(), room, room, limits.workers(),
                limits.errorLogInterval()));
        MicrosegConfig config = MicrosegConfig.ofFolders(List.of(), List.of()).withServer(server);
        Synthetic cluster = new Synthetic(s.nodes());
        s.progress().accept("compiling " + s.nodes() + " nodes, " + cluster.pods.size() + " pods");
        try (MicrosegServer ms = new MicrosegServer(config, RuleBase.packaged())) {
            int port = ms.listen();
            ms.engine().submit(new Change.Workspaces(POLICIES, List.of(cluster.workspace())));
            ms.engine().submit(new Change.Replace(INVENTORY, cluster.objects()));
            ms.start();
            int rules = (int) ms.metrics().rules.get();

            // which agents get a delta at each version: the feed tells its own subscribers on the engine thread,
            // before the engine's sync barrier completes
            Map<Long, Set<String>> affected = new ConcurrentHashMap<>();
            List<FeedStore.Subscription> probes = new ArrayList<>();
            for (int n = 0; n < s.nodes(); n++) {
                String agent = agent(n);
                probes.add(ms.feed().subscribe(agent, OptionalLong.empty(), e -> {
                    if (e instanceof AgentEvent.Delta d) affected.computeIfAbsent(d.version(), v -> ConcurrentHashMap.newKeySet()).add(agent);
                }));
            }
            long heapServerOnly = heapAfterGc();

            Vertx vertx = Vertx.vertx();
            try {
                HttpClient http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(30_000).setTcpKeepAlive(true),
                        new PoolOptions().setHttp1MaxSize(s.watchers() + 16));
                Map<Long, Arrivals> arrivals = new ConcurrentHashMap<>();
                AtomicLong deltas = new AtomicLong();
                AtomicInteger snapshots = new AtomicInteger();
                AtomicLong losses = new AtomicLong();
                Map<String, Integer> watchersPerAgent = new HashMap<>();
                List<WatchConnection> watchers = new ArrayList<>();
                WatchConnection.Listener listener = new WatchConnection.Listener() {
                    @Override
                    public void onEvent(WatchConnection.Event e) {
                        if (e.isDelta()) {
                            long at = System.nanoTime();
                            deltas.incrementAndGet();
                            arrivals.computeIfAbsent(e.version(), v -> new Arrivals()).arrive(at);
                        } else if (e.isSnapshot()) {
                            snapshots.incrementAndGet();
                        }
                    }

                    @Override
                    public void onServerLost(WatchConnection.Lost lost) {
                        losses.incrementAndGet();
                    }
                };
                int batch = 100;
                for (int w = 0; w < s.watchers(); w++) {
                    String agent = agent(w % s.nodes());
                    watchersPerAgent.merge(agent, 1, Integer::sum);
                    URI url = URI.create("http://127.0.0.1:" + port + "/v1/nodes/" + CLUSTER + "/n" + (w % s.nodes()) + "/watch");
                    watchers.add(WatchConnection.open(vertx, http, WatchConnection.Options.of(url, s.bookmarkInterval())
                            .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(5)), listener));
                    if ((w + 1) % batch == 0 || w + 1 == s.watchers()) {
                        int want = w + 1;
                        await(() -> snapshots.get() >= want, Duration.ofSeconds(60), "snapshots for " + want + " watchers");
                    }
                }
                int connected = ms.metrics().connected.get();
                double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
                s.progress().accept(connected + " watchers connected in " + Math.round(setupSeconds) + " s; applying "
                        + s.changes() + " changes");

                long runStart = System.nanoTime();
                List<Long> latencies = new ArrayList<>();
                long expectedTotal = 0;
                long missed = 0;
                for (int k = 0; k < s.changes(); k++) {
                    Change change = cluster.change(k);
                    long before = ms.engine().version();
                    long t0 = System.nanoTime();
                    ms.engine().submit(change);
                    long version = ms.engine().sync().join();
                    if (version == before) continue; // nothing changed for anyone (does not happen with these changes)
                    int expected = 0;
                    for (String agent : affected.getOrDefault(version, Set.of())) expected += watchersPerAgent.getOrDefault(agent, 0);
                    expectedTotal += expected;
                    if (expected == 0) continue;
                    Arrivals a = arrivals.computeIfAbsent(version, v -> new Arrivals());
                    int want = expected;
                    boolean all = awaitQuietly(() -> a.count.get() >= want, Duration.ofSeconds(30));
                    if (!all) missed += want - a.count.get();
                    latencies.add(a.last.get() - t0);
                    affected.remove(version);
                    if ((k + 1) % 100 == 0) s.progress().accept((k + 1) + " changes applied");
                    if (!s.spacing().isZero()) Thread.sleep(s.spacing().toMillis());
                }
                double runSeconds = (System.nanoTime() - runStart) / 1e9;
                long heap = heapAfterGc();
                int connectedAtEnd = ms.metrics().connected.get();
                long slow = (long) ms.metrics().slowConsumers.count();
                latencies.sort(null);
                for (WatchConnection w : watchers) w.close();
                probes.forEach(FeedStore.Subscription::close);
                return new Result(s.nodes(), s.watchers(), s.changes(), connected, connectedAtEnd, deltas.get(), expectedTotal,
                        missed, ms(percentile(latencies, 0.50)), ms(percentile(latencies, 0.99)),
                        ms(latencies.isEmpty() ? 0 : latencies.get(latencies.size() - 1)),
                        ms((long) latencies.stream().mapToLong(Long::longValue).average().orElse(0)),
                        heapServerOnly, heap, slow, losses.get(), rules, round(setupSeconds), round(runSeconds));
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().join();
            }
        }
    }

    static String agent(int node) {
        return "node/" + CLUSTER + "/n" + node;
    }

    private static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) return 0;
        int i = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static double ms(long nanos) {
        return round(nanos / 1e6);
    }

    private static double round(double x) {
        return Math.round(x * 10) / 10.0;
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
    }

    private static void await(java.util.function.BooleanSupplier done, Duration timeout, String what) throws InterruptedException {
        if (!awaitQuietly(done, timeout)) throw new IllegalStateException("timed out waiting for " + what);
    }

    private static boolean awaitQuietly(java.util.function.BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            TimeUnit.MICROSECONDS.sleep(200);
        }
        return true;
    }

    /** The synthetic cluster and its changes. */
    static final class Synthetic {
        final int nodes;
        final List<Node> nodeList = new ArrayList<>();
        final Map<String, Pod> pods = new LinkedHashMap<>();
        final Service db;
        /** Changes that are currently applied: development pods relabelled to production, db pods removed. */
        private final Set<Integer> relabelled = new java.util.HashSet<>();
        private final Set<Integer> removed = new java.util.HashSet<>();

        Synthetic(int nodes) {
            this.nodes = nodes;
            for (int i = 0; i < nodes; i++) {
                nodeList.add(new Node(CLUSTER, "n" + i, labels(Map.of(), "node", Map.of(LabelKeys.NODE_NAME, "n" + i)),
                        List.of("10.0." + (i / 250) + "." + (i % 250 + 1))));
                put(pod(i, "web-" + i + "-a", "web", "web", "production", 0));
                put(pod(i, "web-" + i + "-b", "web", "web", "development", 1));
                put(pod(i, "db-" + i, "data", "db", null, 2));
                put(pod(i, "cache-" + i, "data", "cache", null, 3));
            }
            db = new Service(CLUSTER, "data", "db", ServiceType.NodePort, List.of("10.96.0.10"), List.of(), Map.of("app", "db"),
                    List.of(new ServicePort(null, Protocol.TCP, 27017, TargetPort.of(27017), 30017)), false,
                    labels(Map.of(), "service", Map.of(LabelKeys.NAMESPACE, "data", LabelKeys.SERVICE_NAME, "db",
                            LabelKeys.SERVICE_TYPE, "NodePort")));
        }

        private void put(Pod p) {
            pods.put(p.key(), p);
        }

        List<InventoryObject> objects() {
            List<InventoryObject> all = new ArrayList<>(nodeList);
            all.addAll(pods.values());
            all.add(db);
            return all;
        }

        Workspace workspace() {
            Policy seed = new Policy("production-to-db", Query.parse("environment = production OR orchestrator_environment = production"),
                    Query.parse("orchestrator_system/service_name = db"),
                    List.of(new PortSpec(Protocol.TCP, new PortRange(27017, 27017))), Action.ALLOW, Rank.DEFAULT, 100);
            return new Workspace("bench", Query.parse("orchestrator_system/cluster_name = " + CLUSTER), Action.DENY, Action.DENY,
                    List.of(seed), "bench-feed");
        }

        /** The k-th change: even k relabels a development pod in or out of the consumers, odd k removes or restores a db pod. */
        Change change(int k) {
            int node = (int) ((k / 2L * 7919) % nodes);
            if (k % 2 == 0) {
                boolean in = relabelled.add(node);
                if (!in) relabelled.remove(node);
                Pod p = pod(node, "web-" + node + "-b", "web", "web", in ? "production" : "development", 1);
                pods.put(p.key(), p);
                return new Change.Put(INVENTORY, p);
            }
            Pod p = pod(node, "db-" + node, "data", "db", null, 2);
            if (removed.add(node)) return new Change.Remove(INVENTORY, p.key());
            removed.remove(node);
            return new Change.Put(INVENTORY, p);
        }

        private static Pod pod(int node, String name, String namespace, String app, String environment, int slot) {
            Map<String, String> k8s = new HashMap<>();
            k8s.put("app", app);
            if (environment != null) k8s.put("environment", environment);
            int p = node * 4 + slot + 1;
            String ip = "10." + (64 + p / 65536) + "." + (p / 256 % 256) + "." + (p % 256);
            List<ContainerPort> ports = app.equals("db") ? List.of(new ContainerPort("mongo", 27017, Protocol.TCP)) : List.of();
            return new Pod(CLUSTER, namespace, name, "n" + node, List.of(ip), false, true,
                    labels(k8s, "pod", Map.of(LabelKeys.NAMESPACE, namespace, LabelKeys.POD_NAME, name, LabelKeys.NODE_NAME, "n" + node)),
                    ports);
        }

        private static Labels labels(Map<String, String> k8s, String type, Map<String, String> system) {
            Map<String, String> all = new HashMap<>();
            k8s.forEach((k, v) -> all.put(LabelKeys.imported(k), v));
            all.put(LabelKeys.CLUSTER_NAME, CLUSTER);
            all.put(LabelKeys.WORKLOAD_TYPE, type);
            all.putAll(system);
            return new Labels(all);
        }
    }
}
