package io.microseg.cli;

import io.microseg.enforce.netns.CommandRunner;

import io.microseg.config.MicrosegConfig;
import io.microseg.controlplane.WatchConnection;
import io.microseg.enforce.AgentLog;
import io.microseg.enforce.AgentRuntime;
import io.microseg.enforce.Enforcer;
import io.microseg.enforce.NftSessions;
import io.microseg.enforce.NftRuleset;
import io.microseg.enforce.TokenFile;
import io.microseg.enforce.Uninstall;
import io.microseg.enforce.netns.AutoNetns;
import io.microseg.enforce.netns.MappingFile;
import io.microseg.enforce.netns.NetnsResolver;
import io.microseg.enforce.netns.PodNetns;
import io.vertx.core.Vertx;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

@Command(name = "enforce", mixinStandardHelpOptions = true,
        description = {"The enforcement agent: follows this node's (or host's) watch stream and keeps its nftables",
                "rules in force, one 'table inet microseg' per network namespace (the node's and each pod's).",
                "Other tables (kube-proxy's, the CNI's) are never touched. When a server is lost it moves to the next",
                "one (--server A,B,...) and resumes with ?since=<last version>; the last rules stay in force meanwhile."})
final class EnforceCommand implements Callable<Integer> {
    static final String PRESERVE_REASON = "Agents running on Kubernetes hosts must be configured to preserve existing rules "
            + "(in order to prevent enforcement from interfering with iptables rules added by Kubernetes): "
            + "--preserve-rules=false is refused on a Kubernetes node";

    @Option(names = "--server", split = ",", paramLabel = "URL",
            description = {"The microseg server, e.g. http://127.0.0.1:8080; several replicas comma-separated",
                    "(http://10.0.0.1:8080,http://10.0.0.2:8080), followed round robin, or one Service address."})
    List<URI> servers;

    @ArgGroup(exclusive = true, multiplicity = "1")
    RenderCommand.AgentOptions agent;

    @Option(names = "--token", paramLabel = "FILE", description = "A file holding this agent's bearer token, read again at every (re)connect.")
    Path token;

    @Option(names = "--netns", paramLabel = "auto|none|FILE",
            description = {"How the pods' network namespaces are found. auto (the default with --node): the namespace holding the pod's",
                    "addresses, among those under --netns-dir and of the processes in --proc; none (the default with --host): no pod",
                    "namespace; FILE: a YAML/JSON mapping 'workload id: netns name or path' (and the agent's own id if its node is a namespace)."})
    String netns;

    @Option(names = "--netns-dir", paramLabel = "DIR", description = "--netns auto: the directory of named network namespaces. Default: /run/netns.")
    Path netnsDir;

    @Option(names = "--proc", paramLabel = "DIR", description = "--netns auto: the proc file system whose processes' namespaces are looked at (/host/proc in a pod). Default: /proc.")
    Path proc;

    @Option(names = "--netns-retry", defaultValue = "1s", paramLabel = "DURATION",
            description = "A pod whose namespace is not found is looked for again after this, then twice as late each time. Default: ${DEFAULT-VALUE}.")
    String netnsRetry;

    @Option(names = "--netns-retry-max", defaultValue = "30s", paramLabel = "DURATION",
            description = "The longest delay between two looks for a pod's namespace. Default: ${DEFAULT-VALUE}.")
    String netnsRetryMax;

    @Option(names = "--uninstall",
            description = {"Delete table inet microseg from the agent's own network namespace and from every pod namespace --netns reaches",
                    "(with auto: every one whose table names this agent), then exit. Needs no server."})
    boolean uninstall;

    @Option(names = "--preserve-rules", arity = "0..1", defaultValue = "true", fallbackValue = "true",
            description = "Touch only table inet microseg (default). false flushes the whole ruleset first: refused on a Kubernetes node.")
    boolean preserveRules;

    @Option(names = "--node-address", paramLabel = "IP",
            description = {"One of the node's own addresses (repeatable): added to nodes:<cluster> in the node's and its pods' namespaces,",
                    "and node-port traffic DNATed from them is judged by the node's rules. Default: listed from the node's",
                    "interfaces (ip -j addr), all but loopback, fe80::/10 and kube-ipvs0."})
    List<String> nodeAddresses = List.of();

    @Option(names = "--heartbeat-timeout", defaultValue = "30s", paramLabel = "DURATION",
            description = "A server is lost when nothing (not even a bookmark) came for this long; 3 bookmark intervals. Default: ${DEFAULT-VALUE}.")
    String heartbeat;

    @Option(names = "--status-interval", defaultValue = "30s", paramLabel = "DURATION",
            description = "Report the agent's status to the server this often (and after every apply). Default: ${DEFAULT-VALUE}.")
    String statusInterval;

    /** How many namespaces' nft transactions run at once by default. */
    static final int DEFAULT_APPLY_THREADS = 4;

    @Option(names = "--apply-threads", defaultValue = "" + DEFAULT_APPLY_THREADS, paramLabel = "N",
            description = "How many namespaces' nft transactions run at once (each namespace through its own long-lived nft). Default: ${DEFAULT-VALUE}.")
    int applyThreads;

    @Override
    public Integer call() throws Exception {
        String id = agent.id();
        if (applyThreads < 1) {
            System.err.println("error: --apply-threads: expected at least 1, found " + applyThreads);
            return Main.BAD_INPUT;
        }
        if (!preserveRules && agent.node != null) {
            System.err.println("error: " + PRESERVE_REASON);
            return Main.BAD_INPUT;
        }
        AgentLog log = new AgentLog(System.err);
        NetnsResolver resolver;
        try {
            resolver = resolver(log);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        if (uninstall) {
            Uninstall.Result done = new Uninstall(id, resolver, CommandRunner::exec, log.stream()).run();
            return done.failed() == 0 ? 0 : 1;
        }
        if (servers == null || servers.isEmpty()) {
            System.err.println("error: --server: expected at least one server URL (only --uninstall needs none)");
            return Main.BAD_INPUT;
        }
        WatchConnection.TokenSource tokens = token == null ? () -> null : new TokenFile(token);
        AgentRuntime.Settings settings;
        PodNetns.Backoff backoff;
        List<NftRuleset.Endpoint> endpoints = new java.util.ArrayList<>();
        try {
            settings = new AgentRuntime.Settings(servers, id, tokens, duration("--heartbeat-timeout", heartbeat),
                    Duration.ofMillis(500), Duration.ofSeconds(10), duration("--status-interval", statusInterval));
            Duration retry = duration("--netns-retry", netnsRetry), retryMax = duration("--netns-retry-max", netnsRetryMax);
            if (retryMax.compareTo(retry) < 0) {
                throw new IllegalArgumentException("--netns-retry-max: expected at least --netns-retry (" + netnsRetry + "), found " + netnsRetryMax);
            }
            backoff = new PodNetns.Backoff(retry, retryMax);
            // the own namespace's output chain accepts the connection to every server before any rule
            for (URI u : servers) {
                WatchConnection.Server server = WatchConnection.Server.of(u);
                try {
                    for (InetAddress a : InetAddress.getAllByName(server.host())) {
                        NftRuleset.Endpoint e = new NftRuleset.Endpoint(a.getHostAddress().replaceAll("%.*$", ""), server.port());
                        if (!endpoints.contains(e)) endpoints.add(e);
                    }
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("--server " + u + ": cannot resolve " + server.host());
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        // one long-lived nft process per namespace: a transaction costs no process start (docs/incremental-nft.md)
        Enforcer enforcer = new Enforcer(id, resolver, backoff, endpoints, nodeAddresses, !preserveRules, CommandRunner::exec,
                new NftSessions(CommandRunner::exec, log.stream()), log.stream(), applyThreads);
        Vertx vertx = Vertx.vertx();
        AgentRuntime runtime = AgentRuntime.start(vertx, settings, enforcer, log, applied -> {});
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            runtime.close();
            enforcer.close();
            vertx.close().toCompletionStage().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
            log.line("microseg enforce: stopped; the rules in force stay");
            stopped.countDown();
        }, "microseg-agent-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            hook.run();
        }
        return 0;
    }

    /** The resolver --netns names: auto (default for a node), none (default for a host) or a mapping file. */
    private NetnsResolver resolver(AgentLog log) {
        String mode = netns != null ? netns : agent.node != null ? "auto" : "none";
        if (!mode.equals("auto") && (netnsDir != null || proc != null)) {
            throw new IllegalArgumentException((netnsDir != null ? "--netns-dir" : "--proc") + ": only with --netns auto, found --netns " + mode);
        }
        if (mode.equals("auto")) {
            return new AutoNetns(netnsDir != null ? netnsDir : Path.of("/run/netns"), proc != null ? proc : Path.of("/proc"), AutoNetns.SELF,
                    CommandRunner::exec, log.stream());
        }
        if (mode.equals("none")) return NetnsResolver.none();
        Path file = Path.of(mode);
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--netns: expected auto, none or a mapping file, found '" + mode + "' (no such file)");
        }
        return new MappingFile(file);
    }

    private static Duration duration(String option, String text) {
        try {
            return MicrosegConfig.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }
}
