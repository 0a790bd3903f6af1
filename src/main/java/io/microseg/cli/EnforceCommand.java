package io.microseg.cli;

import io.microseg.config.MicrosegConfig;
import io.microseg.controlplane.WatchConnection;
import io.microseg.enforce.AgentLog;
import io.microseg.enforce.AgentRuntime;
import io.microseg.enforce.Enforcer;
import io.microseg.enforce.PodNamespaces;
import io.microseg.enforce.TokenFile;
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

    @Option(names = "--server", required = true, split = ",", paramLabel = "URL",
            description = {"The microseg server, e.g. http://127.0.0.1:8080; several replicas comma-separated",
                    "(http://10.0.0.1:8080,http://10.0.0.2:8080), followed round robin, or one Service address."})
    List<URI> servers;

    @ArgGroup(exclusive = true, multiplicity = "1")
    RenderCommand.AgentOptions agent;

    @Option(names = "--token", paramLabel = "FILE", description = "A file holding this agent's bearer token, read again at every (re)connect.")
    Path token;

    @Option(names = "--netns-map", paramLabel = "FILE",
            description = "YAML/JSON mapping 'workload id: netns name' (pods, and the agent's own id if its node is a namespace).")
    Path netnsMap;

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

    @Override
    public Integer call() throws Exception {
        String id = agent.id();
        if (!preserveRules && agent.node != null) {
            System.err.println("error: " + PRESERVE_REASON);
            return Main.BAD_INPUT;
        }
        WatchConnection.TokenSource tokens = token == null ? () -> null : new TokenFile(token);
        AgentRuntime.Settings settings;
        WatchConnection.Server first;
        try {
            settings = new AgentRuntime.Settings(servers, id, tokens, duration("--heartbeat-timeout", heartbeat),
                    Duration.ofMillis(500), Duration.ofSeconds(10), duration("--status-interval", statusInterval));
            first = WatchConnection.Server.of(servers.get(0));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        AgentLog log = new AgentLog(System.err);
        String serverIp;
        try {
            // the node's output chain accepts the connection to this address before any rule
            serverIp = InetAddress.getByName(first.host()).getHostAddress();
        } catch (UnknownHostException e) {
            System.err.println("error: --server " + servers.get(0) + ": cannot resolve " + first.host());
            return Main.BAD_INPUT;
        }
        PodNamespaces ns = netnsMap == null ? PodNamespaces.none() : PodNamespaces.mappingFile(netnsMap);
        Enforcer enforcer = new Enforcer(id, ns, serverIp, first.port(), nodeAddresses, !preserveRules, Enforcer::exec, log.stream());
        Vertx vertx = Vertx.vertx();
        AgentRuntime runtime = AgentRuntime.start(vertx, settings, enforcer, log, applied -> {});
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            runtime.close();
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

    private static Duration duration(String option, String text) {
        try {
            return MicrosegConfig.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }
}
