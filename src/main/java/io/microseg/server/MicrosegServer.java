package io.microseg.server;

import io.microseg.auth.Authenticator;
import io.microseg.auth.RequestAuthenticator;
import io.microseg.deploy.DeployOutcome;
import io.microseg.deploy.RefusedDeploy;
import io.microseg.deploy.RuleSetInForce;
import io.microseg.deploy.RulesReloader;

import io.microseg.compile.RuleBase;
import io.microseg.config.MicrosegConfig;
import io.microseg.engine.Engine;
import io.microseg.engine.StallWatch;
import io.microseg.feed.FeedStore;
import io.microseg.source.Sources;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code microseg serve}: the engine on the configured sources, the per-agent feed, and the HTTP API.
 * This class builds the parts and wires the routes; each group of routes lives in its own class, and
 * every {@code /v1} request passes {@link Admission} first.
 *
 * <pre>
 * GET /healthz                                   200 while the engine thread runs and is not stalled (rules.stallAfter)
 * GET /readyz                                    200 once the first compile is done, 503 before
 * GET /metrics                                   Prometheus text
 * GET /v1/nodes/{cluster}/{node}/rules           {"version","rules","sets"} of agent node/{cluster}/{node}
 * GET /v1/hosts/{name}/rules                     the same for host/{name} ({@link FeedEndpoints})
 * GET /v1/nodes/{cluster}/{node}/watch[?since=V&epoch=E] NDJSON: snapshot (or deltas since V), then deltas, bookmarks
 * GET /v1/hosts/{name}/watch[?since=V&epoch=E]
 * GET /v1/workloads/{id}/rules                   (operators) one workload's labels, rules in evaluation order, sets and warnings
 * GET /v1/rules/{id}/explain                     (operators) a rule with its provenance
 * GET /v1/warnings                               (operators) the policies' warnings
 * GET /v1/trace?from=X&to=Y&port=P               (operators) a flow hop by hop ({@link ExplainEndpoints})
 * GET /v1/rules                                  (operators) the rule set in force (digest), the last refused deploy
 * POST /v1/rules/reload [{"remove":[names]}]     (operators) deploy the rules folder now ({@link RulesEndpoints})
 * POST /v1/preview {"workspaces","rules",...}    (operators) what candidates would flip, applying nothing ({@link PreviewEndpoint})
 * PUT /v1/nodes/{cluster}/{node}/status          (the agent) its status report ({@link AgentEndpoints})
 * PUT /v1/hosts/{name}/status
 * GET /v1/agents                                 (operators) every agent's sync state on this replica
 * GET /v1/audit                                  (operators) what audited DENY rules would have dropped ({@link AuditEndpoint})
 * GET /                                          the web workbench; GET /ui/* its files, public ({@link WorkbenchAssets})
 * POST|GET|DELETE /v1/session                    the workbench's sign-in: a session cookie for an operator ({@link WorkbenchSession})
 * GET /v1/workloads?q=TEXT                       (operators) workloads by id, label or IP ({@link WorkloadSearch})
 * GET /v1/files[/content?name=N]                 (operators) the DRL files in force and the policy files ({@link SourceFilesEndpoint})
 * POST /v1/check {"rules"|"workspaces"}          (operators) candidate files' problems at file:line:col ({@link CheckEndpoint})
 * GET /v1/matrix?from=Q&to=Q&port=P              (operators) the reachability matrix by class ({@link MatrixEndpoint})
 * GET /v1/events                                 (operators) Server-Sent Events: the version, at each change ({@link ChangeStream})
 * </pre>
 *
 * {@link #listen} brings the HTTP server up first, so that {@code /healthz} and {@code /readyz} answer
 * during the first compile; {@link #start} then starts the engine and sources and returns when the
 * first compile is in the feed.
 *
 * <p>Before routing, every connection and request passes the {@link ConnectionGuard} (timeouts, connection
 * caps) and the {@link RequestGate} (methods, framing, Host, forgery); the operators' reads and the metrics
 * scrape run on a bounded pool of worker threads, never on the event loop that carries the watch streams.
 * Versions continue from the start time in microseconds, and each start draws a new epoch: a cursor
 * ({@code since}) from another epoch gets a replace snapshot, never deltas of unrelated history.
 */
public final class MicrosegServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MicrosegServer.class);
    /** Deltas kept per agent for resuming with {@code since}; older resumes get a replacing snapshot. */
    static final int HISTORY_PER_AGENT = 1000;

    private final MicrosegConfig config;
    private final MicrosegConfig.Server settings;
    private final Authenticator authenticator;
    private final ServerMetrics metrics = new ServerMetrics();
    private final Engine engine;
    private final StallWatch stalls;
    private final Sources sources;
    private final FeedStore feed = new FeedStore(HISTORY_PER_AGENT);
    private final FeedPump pump;
    private final CompiledReads reads;
    private final Vertx vertx;
    private final RulesReloader reloader;
    private final RulesEndpoints rulesEndpoints;
    private final PreviewEndpoint previewEndpoint;
    private final RuleBase startingRules;
    private final java.nio.file.Path rulesFolder;
    /** The DRL files of {@link #startingRules}, once looked for: {@code [files]}, {@code [null]} when not found. */
    private volatile io.microseg.compile.RuleFiles[] startingFiles;
    private final String epoch;
    private final ConnectionGuard guard;
    private final RequestGate gate;
    private final RateLimitedLog errors;
    private final WorkerExecutor workers;
    private final Clock clock;
    private final String replica = io.microseg.leader.Leadership.localIdentity();
    private final io.microseg.agents.StatusBook statusBook;
    private final AgentEndpoints agentEndpoints;
    private final AuditEndpoint auditEndpoint;
    private final WorkbenchSession workbenchSession;
    private final Admission admission;
    private final ChangeStream changeStream;
    private final WorkbenchAssets assets = new WorkbenchAssets();
    private final WorkloadSearch workloadSearch = new WorkloadSearch(this::withReads);
    private final SourceFilesEndpoint sourceFiles;
    private final CheckEndpoint checkEndpoint;
    private final MatrixEndpoint matrixEndpoint;
    private volatile io.microseg.leader.Leadership leadership;
    private volatile io.microseg.source.WorkspaceStatusWriter statusWriter;
    /** Runs on the worker before each operator read; tests set it to hold a read and show the event loop stays free. */
    volatile Runnable beforeOperatorRead = () -> {};
    private HttpServer http;
    private volatile boolean ready;

    public MicrosegServer(MicrosegConfig config, RuleBase rules) {
        this(config, rules, null);
    }

    /**
     * A server whose rules are deployed from {@code rulesFolder} (null: the given rules stay), which
     * {@code rules} were built from: the folder is followed, and a new rule set that is complete
     * replaces the rules and reaches agents as deltas; one that is not (empty, still being written,
     * refused by the code check, broken, or dropping rules) is reported and changes nothing
     * ({@link RulesReloader}). {@code POST /v1/rules/reload} does the same on demand, and removes rules
     * when asked by name.
     */
    public MicrosegServer(MicrosegConfig config, RuleBase rules, java.nio.file.Path rulesFolder) {
        this(config, rules, rulesFolder, Clock.systemUTC(), newEpoch());
    }

    /** With the clock that versions start from and the epoch that names this instance (tests set them). */
    MicrosegServer(MicrosegConfig config, RuleBase rules, java.nio.file.Path rulesFolder, Clock clock, String epoch) {
        this.config = config;
        this.epoch = epoch;
        this.clock = clock;
        this.settings = config.server();
        if (!settings.auth().configured()) {
            throw new IllegalArgumentException("no authentication configured: expected server.auth with agent or operator tokens, "
                    + "or insecureNoAuth: true on a loopback address");
        }
        if (settings.auth().insecureNoAuth() && !settings.listen().isLoopback()) {
            throw new IllegalArgumentException("refusing to serve without authentication on " + settings.listen()
                    + ", which is not a loopback address");
        }
        this.engine = new Engine(rules, ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant()));
        this.stalls = new StallWatch(engine, config.rules().stallAfter(), s -> metrics.engineStalled());
        this.sources = new Sources(config, engine::submit, Duration.ofSeconds(30));
        this.pump = new FeedPump(feed, metrics);
        this.reads = new CompiledReads(engine);
        this.reloader = rulesFolder == null ? null
                : new RulesReloader(rulesFolder, engine, rules, config.rules(), clock, new RulesReloader.Listener() {
                    @Override
                    public void applied(DeployOutcome.Applied applied) {
                        metrics.rulesReloaded();
                    }

                    @Override
                    public void refused(RefusedDeploy refused) {
                        metrics.deployRefused(refused.reason());
                    }
                });
        this.startingRules = rules;
        this.rulesFolder = rulesFolder;
        this.previewEndpoint = new PreviewEndpoint(settings.preview(), reads, this::runningRules, this::offLoop);
        this.rulesEndpoints = new RulesEndpoints(reloader,
                new RuleSetInForce(rules.digest(), rules.ruleNames(), clock.instant(), engine.version()), this::offLoop);
        this.statusBook = new io.microseg.agents.StatusBook(settings.agentStatus().maxAgents());
        io.microseg.agents.AuditBook auditBook = new io.microseg.agents.AuditBook();
        this.auditEndpoint = new AuditEndpoint(auditBook);
        this.agentEndpoints = new AgentEndpoints(statusBook, auditBook, feed, epoch, replica, clock, settings.agentStatus(), this::offLoop);
        metrics.agents(() -> io.microseg.agents.AgentSync.count(agentEndpoints.lines()));
        metrics.leadership(() -> leadership != null && leadership.leading(),
                () -> statusWriter == null ? 0 : statusWriter.writes(), () -> statusWriter == null ? 0 : statusWriter.failures());
        engine.subscribe(pump::accept);
        engine.timeBatches(metrics::batch);
        this.vertx = Vertx.builder()
                .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
                        // its own name: Vert.x keeps registries by name, and a test may run several servers
                        .setRegistryName("microseg-" + java.util.UUID.randomUUID())))
                .withMetrics(new MicrometerMetricsFactory(metrics.registry))
                .build();
        MicrosegConfig.Http limits = ConnectionGuard.withinFileLimit(settings.http(), ConnectionGuard.fileLimit());
        if (limits.maxConnections() < settings.http().maxConnections()) {
            LOG.warn("server.http.maxConnections {} is above the open-file limit {} less {} kept for the server's own files: "
                    + "capped at {} connections ({} unauthenticated); raise the limit (ulimit -n) to allow more",
                    settings.http().maxConnections(), ConnectionGuard.fileLimit(), ConnectionGuard.RESERVED_FILES,
                    limits.maxConnections(), limits.maxUnauthenticatedConnections());
        }
        this.guard = new ConnectionGuard(vertx, limits, metrics);
        this.gate = new RequestGate(settings.auth().insecureNoAuth());
        this.errors = new RateLimitedLog(LOG, limits.errorLogInterval());
        this.workers = vertx.createSharedWorkerExecutor("microseg-reads", limits.workers());
        // Kubernetes token reviews block on the API server: threads of their own, so that an API server
        // that is slow to answer holds neither the event loop nor the operators' reads
        WorkerExecutor reviews = vertx.createSharedWorkerExecutor("microseg-auth", limits.workers());
        try {
            this.authenticator = RequestAuthenticator.of(settings.auth(),
                    task -> reviews.executeBlocking(() -> {
                        task.run();
                        return null;
                    }, false), clock);
        } catch (RuntimeException e) {
            vertx.close();
            throw new IllegalArgumentException("server.auth.kubernetes: cannot set up the Kubernetes client: " + e.getMessage(), e);
        }
        this.workbenchSession = new WorkbenchSession(authenticator, settings.workbench(), settings.auth().insecureNoAuth(), clock);
        this.admission = new Admission(authenticator, workbenchSession, () -> ready, guard, errors);
        this.changeStream = new ChangeStream(vertx, engine::version, epoch, settings.bookmarkInterval().toMillis(),
                ctx -> guard.watching(ctx.request().connection()));
        engine.subscribe(changes -> changeStream.changed(changes.version()));
        this.sourceFiles = new SourceFilesEndpoint(this::runningRules, config.policies().folders(), this::offLoop);
        this.checkEndpoint = new CheckEndpoint(settings.preview().maxBodyBytes(), this::runningRules, this::offLoop);
        this.matrixEndpoint = new MatrixEndpoint(settings.preview().maxFlows(), this::withReads);
    }

    /** 64 random bits in hex: a new one at each start. */
    private static String newEpoch() {
        return String.format("%016x", new java.security.SecureRandom().nextLong());
    }

    /** Starts the HTTP server; returns the port it listens on (the configured one, or a free one for port 0). */
    public int listen() {
        Router router = router();
        http = await(vertx.createHttpServer(new HttpServerOptions()
                        .setHost(settings.listen().host()).setPort(settings.listen().port())
                        // HTTP/1.1 only: a watch is one chunked response on its own connection, closed when
                        // its client is too slow (no cleartext HTTP/2 upgrade multiplexing streams)
                        .setHttp2ClearTextEnabled(false)
                        // the kernel probes idle connections, so an agent whose host vanished (no FIN, no RST)
                        // is found out even on a stream that has nothing to write between bookmarks
                        .setTcpKeepAlive(true)
                        // no byte either way for this long: closed (a watch writes a bookmark every interval)
                        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, settings.http().idleTimeout().toMillis()))
                        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS))
                .connectionHandler(guard::opened)
                .invalidRequestHandler(this::malformed)
                .requestHandler(req -> {
                    guard.requestBegan(req);
                    RequestGate.Refusal no = gate.check(req);
                    if (no == null) router.handle(req);
                    else refuse(req, no);
                })
                .listen());
        return http.actualPort();
    }

    /** Starts the engine and the sources; returns the version of the first compile once the feed serves it. */
    public long start() {
        engine.start();
        stalls.start();
        sources.start();
        lead();
        engine.sync().join();
        pump.initialize(engine.snapshot());
        ready = true;
        if (reloader != null) reloader.start();
        return feed.version();
    }

    /**
     * Joins the leader election when the server reads a live cluster (the Lease lives in the first one
     * listed), or leads alone; the leader writes the status of the Workspace resources read from clusters.
     */
    private void lead() {
        var clusters = sources.clusters();
        MicrosegConfig.LeaderElection election = settings.leaderElection();
        boolean elect = election.enabled(!config.inventory().kubernetes().isEmpty());
        if (elect && clusters.isEmpty()) {
            LOG.warn("server.leaderElection.enabled is true but no cluster is read (inventory.kubernetes): this replica leads alone");
        }
        if (elect && !clusters.isEmpty()) {
            leadership = io.microseg.leader.LeaseElection.start(clusters.get(0).client(), election, replica,
                    new io.microseg.leader.LeaseElection.Listener() {
                        @Override
                        public void startedLeading() {
                            var w = statusWriter;
                            if (w != null) w.poke();
                        }

                        @Override
                        public void stoppedLeading() {}
                    });
        } else {
            leadership = io.microseg.leader.Leadership.alone(replica);
        }
        statusWriter = new io.microseg.source.WorkspaceStatusWriter(engine, clusters, leadership, clock, Duration.ofSeconds(30));
        statusWriter.poke();
    }

    /** Whether this replica leads (writes Workspace status); false before {@link #start}. */
    public boolean leading() {
        var l = leadership;
        return l != null && l.leading();
    }

    public boolean ready() {
        return ready;
    }

    public int port() {
        return http.actualPort();
    }

    public FeedStore feed() {
        return feed;
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    /** The epoch that names this server instance in its events' cursors. */
    public String epoch() {
        return epoch;
    }

    ConnectionGuard connections() {
        return guard;
    }

    RateLimitedLog errorLog() {
        return errors;
    }

    /** The engine, for in-process sources such as the feed benchmark ({@link Engine#submit}). */
    Engine engine() {
        return engine;
    }

    @Override
    public void close() {
        ready = false;
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("the HTTP server did not close cleanly: {}", e.toString());
        }
        if (reloader != null) reloader.close();
        if (statusWriter != null) statusWriter.close();
        if (leadership != null) leadership.close(); // gives the Lease up before the clients close
        authenticator.close();
        stalls.close();
        sources.close();
        engine.close();
    }

    // ---- routes ----

    private Router router() {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(ctx -> {
            if (!engine.isRunning()) {
                json(ctx, 503, Map.of("status", "engine stopped"));
                return;
            }
            var stall = stalls.current();
            if (stall.isEmpty()) {
                json(ctx, 200, Map.of("status", "ok"));
                return;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", "engine stalled");
            m.put("stalledMillis", stall.get().running().toMillis());
            m.put("rule", stall.get().rule());
            m.put("where", stall.get().where());
            m.put("stallAfterMillis", stalls.stallAfter().toMillis());
            json(ctx, 503, m);
        });
        router.get("/readyz").handler(ctx -> {
            if (ready) json(ctx, 200, Map.of("status", "ready", "epoch", epoch, "version", feed.version()));
            else json(ctx, 503, Map.of("status", "starting: the first compile has not finished"));
        });
        router.get("/metrics").handler(ctx -> offLoop(ctx, () -> new Answer(200, "text/plain; version=0.0.4; charset=utf-8",
                io.vertx.core.buffer.Buffer.buffer(metrics.registry.scrape()))));

        assets.mount(router);
        router.route("/v1/*").handler(ctx -> {
            // operators' answers are data: never cached by a browser, never sniffed as something else
            ctx.response().putHeader("Cache-Control", "no-store").putHeader("X-Content-Type-Options", "nosniff");
            ctx.next();
        });
        workbenchSession.mountSignIn(router);
        router.route("/v1/*").handler(admission::authenticate);
        workbenchSession.mount(router);
        Handler<RoutingContext> operatorsOnly = admission::operatorsOnly;
        new FeedEndpoints(vertx, feed, pump, metrics, settings, epoch, guard, admission).mount(router);
        new ExplainEndpoints(this::withReads).mount(router, operatorsOnly);
        rulesEndpoints.mount(router, operatorsOnly);
        previewEndpoint.mount(router, operatorsOnly);
        agentEndpoints.mount(router, operatorsOnly);
        router.get("/v1/audit").handler(operatorsOnly).handler(ctx -> withReads(ctx, auditEndpoint::answer));
        workloadSearch.mount(router, operatorsOnly);
        sourceFiles.mount(router, operatorsOnly);
        checkEndpoint.mount(router, operatorsOnly);
        matrixEndpoint.mount(router, operatorsOnly);
        changeStream.mount(router, operatorsOnly);

        router.route().last().handler(ctx -> error(ctx, 404, "no such resource: " + ctx.request().method() + " " + ctx.request().path()));
        router.errorHandler(413, ctx -> error(ctx, 413, "request body too large for " + ctx.request().method() + " "
                + printable(ctx.request().path()) + (ctx.request().path().endsWith("/status")
                ? ": at most server.agentStatus.maxBodyBytes (" + settings.agentStatus().maxBodyBytes() + " bytes)"
                : ctx.request().path().equals("/v1/preview") || ctx.request().path().equals("/v1/check")
                ? ": at most server.preview.maxBodyBytes (" + settings.preview().maxBodyBytes() + " bytes)" : "")));
        router.errorHandler(500, ctx -> {
            errors.warn("internal error", "request " + ctx.request().method() + " " + printable(ctx.request().path()) + " failed", ctx.failure());
            error(ctx, 500, "internal error");
        });
        return router;
    }

    /**
     * The rules in force and their DRL files: the reloader's since a deploy from the folder; before, the
     * starting rules, whose files are the jar's or the folder's, whichever has their digest (null when
     * neither has it any more).
     */
    private io.microseg.deploy.RulesReloader.Running runningRules() {
        var r = reloader == null ? new io.microseg.deploy.RulesReloader.Running(startingRules, null) : reloader.running();
        if (r.files() != null || r.rules() != startingRules) return r;
        io.microseg.compile.RuleFiles[] known = startingFiles;
        if (known == null) {
            io.microseg.compile.RuleFiles found = null;
            List<java.util.function.Supplier<io.microseg.compile.RuleFiles>> places = new ArrayList<>();
            places.add(io.microseg.compile.RuleFiles::packaged);
            if (rulesFolder != null) places.add(() -> {
                try {
                    return io.microseg.compile.RuleFiles.read(rulesFolder);
                } catch (java.io.IOException e) {
                    return null;
                }
            });
            for (var place : places) {
                io.microseg.compile.RuleFiles f = place.get();
                if (f != null && f.digest().equals(startingRules.digest())) {
                    found = f;
                    break;
                }
            }
            known = new io.microseg.compile.RuleFiles[] {found};
            if (found != null) startingFiles = known; // not found: looked for again next time (the folder may be restored)
        }
        return new io.microseg.deploy.RulesReloader.Running(r.rules(), known[0]);
    }

    /** Reads the compiled state (it may wait for the engine) and computes the answer on a worker, then sends it on the event loop. */
    private void withReads(RoutingContext ctx, java.util.function.Function<CompiledReads.Reads, Answer> answer) {
        offLoop(ctx, () -> {
            beforeOperatorRead.run();
            return answer.apply(reads.current());
        });
    }

    /** Runs {@code work} on the bounded worker pool, never on the event loop; answers on the request's event loop. */
    void offLoop(RoutingContext ctx, java.util.concurrent.Callable<Answer> work) {
        workers.executeBlocking(work, false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            Answer a = ar.result();
            if (ctx.response().ended() || ctx.response().closed()) return;
            ctx.response().setStatusCode(a.status()).putHeader("Content-Type", a.contentType()).end(a.body());
        });
    }

    /** A request the {@link RequestGate} refused: a JSON error, logged at a bounded rate. */
    private void refuse(io.vertx.core.http.HttpServerRequest req, RequestGate.Refusal no) {
        errors.warn(no.status() == 400 ? "malformed request" : "refused request", no.status() + " " + no.message()
                + " (" + printable(req.method().name()) + " from " + req.remoteAddress() + ")", null);
        var response = req.response().setStatusCode(no.status()).putHeader("Content-Type", "application/json");
        if (no.close()) response.putHeader("Connection", "close");
        response.end(Json.buffer(Json.error(no.status(), no.message()))).onComplete(v -> {
            if (no.close()) req.connection().close();
        });
    }

    /** A request the HTTP decoder could not read (request line, headers): 400 (414, 431 when too long) and the connection closes. */
    private void malformed(io.vertx.core.http.HttpServerRequest req) {
        Throwable cause = req.decoderResult().cause();
        int status = cause instanceof io.netty.handler.codec.TooLongFrameException
                ? (cause.getMessage() != null && cause.getMessage().contains("header") ? 431 : 414) : 400;
        String what = cause == null ? "unreadable request" : printable(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        errors.warn("malformed request", status + " " + what + " (from " + req.remoteAddress() + ")", null);
        req.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
                .end(Json.buffer(Json.error(status, "malformed HTTP request: " + what)))
                .onComplete(v -> req.connection().close());
    }

    /** Client-chosen text for a log line: printable ASCII only, at most 200 characters. */
    private static String printable(String text) {
        return ClientText.printable(text, 200);
    }

    static void json(RoutingContext ctx, int status, Object body) {
        if (ctx.response().ended() || ctx.response().closed()) return;
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Json.buffer(body));
    }

    static void error(RoutingContext ctx, int status, String message) {
        json(ctx, status, Json.error(status, message));
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Agents the feed knows, for logs. */
    Set<String> agents() {
        return feed.agents().stream().sorted().collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
