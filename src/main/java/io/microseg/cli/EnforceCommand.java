package io.microseg.cli;

import io.microseg.enforce.AgentState;
import io.microseg.enforce.Enforcer;
import io.microseg.enforce.PodNamespaces;
import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.Codec;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

@Command(name = "enforce", mixinStandardHelpOptions = true,
        description = {"The enforcement agent: follows this node's (or host's) watch stream and keeps its nftables",
                "rules in force, one 'table inet microseg' per network namespace (the node's and each pod's).",
                "Other tables (kube-proxy's, the CNI's) are never touched. When the server is unreachable the last",
                "rules stay in force; it reconnects with ?since=<last version> and backs off."})
final class EnforceCommand implements Callable<Integer> {
    static final String PRESERVE_REASON = "Agents running on Kubernetes hosts must be configured to preserve existing rules "
            + "(in order to prevent enforcement from interfering with iptables rules added by Kubernetes): "
            + "--preserve-rules=false is refused on a Kubernetes node";

    @Option(names = "--server", required = true, paramLabel = "URL", description = "The microseg server, e.g. http://127.0.0.1:8080.")
    URI server;

    @ArgGroup(exclusive = true, multiplicity = "1")
    RenderCommand.AgentOptions agent;

    @Option(names = "--token", paramLabel = "FILE", description = "A file holding this agent's bearer token.")
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
            description = "Reconnect when nothing (not even a bookmark) came for this long; 3 bookmark intervals. Default: ${DEFAULT-VALUE}.")
    String heartbeat;

    @Override
    public Integer call() throws Exception {
        String id = agent.id();
        if (!preserveRules && agent.node != null) {
            System.err.println("error: " + PRESERVE_REASON);
            return Main.BAD_INPUT;
        }
        String bearer = token == null ? null : Files.readString(token).trim();
        int port = server.getPort() > 0 ? server.getPort() : "https".equals(server.getScheme()) ? 443 : 80;
        String serverIp = InetAddress.getByName(server.getHost()).getHostAddress();
        PodNamespaces ns = netnsMap == null ? PodNamespaces.none() : PodNamespaces.mappingFile(netnsMap);
        Enforcer enforcer = new Enforcer(id, ns, serverIp, port, nodeAddresses, !preserveRules, Enforcer::exec, System.err);
        AgentState state = new AgentState(id);
        String path = agent.node != null ? "/v1/nodes/" + agent.node + "/watch" : "/v1/hosts/" + agent.host + "/watch";
        long timeout = parseDuration(heartbeat);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "microseg-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long backoff = 500;
        System.err.println("microseg enforce: agent " + id + " following " + server.resolve(path));
        String epoch = null; // the server instance whose versions state.version() counts in
        while (!Thread.currentThread().isInterrupted()) {
            String query = state.version() < 0 ? ""
                    : "?since=" + state.version() + (epoch == null ? "" : "&epoch=" + URLEncoder.encode(epoch, StandardCharsets.UTF_8));
            boolean gotEvent = false;
            try {
                HttpRequest.Builder req = HttpRequest.newBuilder(server.resolve(path + query)).GET();
                if (bearer != null) req.header("Authorization", "Bearer " + bearer);
                HttpResponse<InputStream> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
                if (resp.statusCode() != 200) {
                    String body = new String(resp.body().readAllBytes(), StandardCharsets.UTF_8);
                    resp.body().close();
                    if (resp.statusCode() == 401 || resp.statusCode() == 403) {
                        System.err.println("error: the server refused this agent (" + resp.statusCode() + "): " + body.trim());
                    }
                    throw new IOException("HTTP " + resp.statusCode() + ": " + body.trim());
                }
                AtomicLong lastLine = new AtomicLong(System.nanoTime());
                AtomicReference<InputStream> stream = new AtomicReference<>(resp.body());
                var check = watchdog.scheduleAtFixedRate(() -> {
                    if (System.nanoTime() - lastLine.get() > TimeUnit.MILLISECONDS.toNanos(timeout)) {
                        System.err.println("microseg enforce: no event nor bookmark for " + heartbeat + ", reconnecting");
                        try {
                            stream.get().close();
                        } catch (IOException ignored) {
                        }
                    }
                }, 1, 1, TimeUnit.SECONDS);
                try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lastLine.set(System.nanoTime());
                        if (line.isBlank()) continue;
                        Codec.Decoded decoded;
                        try {
                            decoded = Codec.decodeEvent(line);
                        } catch (Codec.WireFormatException e) {
                            throw new IOException("the server sent a malformed event (" + e.getMessage() + ")");
                        }
                        AgentEvent event = decoded.event();
                        if (event instanceof AgentEvent.Snapshot) epoch = decoded.epoch();
                        boolean changed = state.apply(event);
                        gotEvent = true;
                        backoff = 500;
                        // a bookmark (every few seconds) also looks for new own addresses, e.g. a CNI bridge created since
                        if (changed || (event instanceof AgentEvent.Bookmark && enforcer.ownAddressesChanged())) {
                            enforcer.enforce(state.view(), state.version());
                        }
                    }
                } finally {
                    check.cancel(false);
                }
                System.err.println("microseg enforce: stream ended at version " + state.version() + ", reconnecting");
            } catch (IOException e) {
                System.err.println("microseg enforce: server unreachable (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + "); the last rules stay in force"
                        + (state.version() >= 0 ? " (version " + state.version() + ")" : ""));
            }
            if (!gotEvent) {
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
        return 0;
    }

    static long parseDuration(String text) {
        String t = text.trim();
        if (t.endsWith("ms")) return Long.parseLong(t.substring(0, t.length() - 2));
        if (t.endsWith("s")) return Long.parseLong(t.substring(0, t.length() - 1)) * 1000;
        if (t.endsWith("m")) return Long.parseLong(t.substring(0, t.length() - 1)) * 60_000;
        return Long.parseLong(t) * 1000;
    }
}
