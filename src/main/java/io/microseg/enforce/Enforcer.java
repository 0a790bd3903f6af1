package io.microseg.enforce;

import io.microseg.controlplane.AgentStatus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies an agent's view: renders one script per network namespace and runs {@code nft -f -} in each
 * (through {@code ip netns exec <name>} when the namespace is mapped), one atomic transaction per
 * namespace. A script identical to the last one applied there is not applied again; a namespace whose
 * section disappeared (its pod left this node) gets its table deleted. A pod whose namespace is not
 * known yet is skipped and retried on the next apply. A failed apply leaves that namespace's previous
 * rules in force (nft's transaction is all or nothing) and is retried next time.
 *
 * <p>A node's own addresses ({@link NftRuleset.Options#ownAddresses}) are the ones given (the agent's
 * {@code --node-address}) or else listed on every apply by {@link NodeAddresses} in the node's namespace;
 * a host's are not needed.
 */
public final class Enforcer {
    /** Runs a command with stdin; tests substitute their own. */
    public interface Runner {
        Result run(List<String> command, String stdin) throws IOException;
    }

    public record Result(int exit, String output) {}

    /**
     * What one apply left in force: per namespace section whether this version's rules are in force (a failed
     * one keeps its previous rules), and the pods whose namespace is not known yet (their rules wait).
     */
    public record Outcome(List<AgentStatus.NamespaceStatus> namespaces, List<String> pendingPods) {
        public Outcome {
            namespaces = List.copyOf(namespaces);
            pendingPods = List.copyOf(pendingPods);
        }

        /** How many namespaces failed to apply. */
        public int failed() {
            return (int) namespaces.stream().filter(n -> !n.applied()).count();
        }

        /** The first failure's message, or null. */
        public String firstError() {
            return namespaces.stream().filter(n -> !n.applied()).map(n -> n.workload() + ": " + n.error()).findFirst().orElse(null);
        }
    }

    private final String agent;
    private final PodNamespaces namespaces;
    private final String serverAddress;
    private final int serverPort;
    private final List<String> fixedOwnAddresses;
    private final NodeAddresses discovered;
    private final boolean flushRuleset;
    private final Runner runner;
    private final PrintStream log;
    private final Map<String, String> applied = new HashMap<>();   // netns key -> last script applied

    public Enforcer(String agent, PodNamespaces namespaces, String serverAddress, int serverPort,
                    List<String> fixedOwnAddresses, boolean flushRuleset, Runner runner, PrintStream log) {
        this.agent = agent;
        this.namespaces = namespaces;
        this.serverAddress = serverAddress;
        this.serverPort = serverPort;
        this.fixedOwnAddresses = List.copyOf(fixedOwnAddresses);
        this.flushRuleset = flushRuleset;
        this.runner = runner;
        this.log = log;
        this.discovered = agent.startsWith("node/") && fixedOwnAddresses.isEmpty() ? new NodeAddresses(runner, log) : null;
    }

    /**
     * Lists the node's own addresses again (when they are discovered, not given); returns whether they
     * changed, so that the caller re-applies the view: an interface a CNI adds after the last event.
     */
    public synchronized boolean ownAddressesChanged() {
        return discovered != null && discovered.refresh(namespaces.netnsOf(agent));
    }

    /**
     * Whether the last view should be applied again although nothing changed, e.g. because a pod's network
     * namespace that was not known at the last apply may be known now. The namespace resolver decides; the
     * mapping-file resolver has no such signal (a pod it maps later is applied with the next event).
     */
    public synchronized boolean retryDue() {
        return false;
    }

    /** Applies the view; returns what is in force where. */
    public synchronized Outcome enforce(AgentView view, long version) {
        Optional<String> ownNs = namespaces.netnsOf(agent);
        NftRuleset.Options options;
        if (discovered == null) {
            options = new NftRuleset.Options(serverAddress, serverPort, fixedOwnAddresses);
        } else {
            discovered.refresh(ownNs);
            options = new NftRuleset.Options(serverAddress, serverPort, discovered.addresses(), discovered.known());
            if (!discovered.known()) {
                log.println("microseg enforce: version " + version + ": the node's own addresses are not known: its forward chain"
                        + " judges every DNATed connection by the node's rules until they are");
            }
        }
        var sections = NftRuleset.render(view, options);
        List<AgentStatus.NamespaceStatus> statuses = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        List<String> present = new ArrayList<>();
        for (var s : sections) {
            Optional<String> ns = s.own() ? ownNs : namespaces.netnsOf(s.netns());
            if (!s.own() && ns.isEmpty()) {
                log.println("microseg enforce: " + s.netns() + ": network namespace not known yet, its rules wait");
                pending.add(s.netns());
                continue;
            }
            String key = ns.orElse("");
            present.add(key);
            String script = s.own() && flushRuleset ? "flush ruleset\n" + s.script() : s.script();
            int rules = (int) count(view, s);
            if (script.equals(applied.get(key))) {
                statuses.add(new AgentStatus.NamespaceStatus(s.netns(), key, true, rules, null));
                continue;
            }
            Result r = nft(ns, script);
            statuses.add(new AgentStatus.NamespaceStatus(s.netns(), key, r.exit() == 0, rules, r.exit() == 0 ? null : r.output().trim()));
            if (r.exit() == 0) {
                applied.put(key, script);
                log.println("microseg enforce: version " + version + ": applied " + s.netns()
                        + ns.map(n -> " (netns " + n + ")").orElse("") + ": " + rules + " rules");
            } else {
                applied.remove(key);
                log.println("microseg enforce: version " + version + ": nft failed for " + s.netns() + ": " + r.output().trim());
            }
        }
        for (String key : List.copyOf(applied.keySet())) {
            if (present.contains(key)) continue;
            Result r = nft(key.isEmpty() ? Optional.empty() : Optional.of(key),
                    "table inet " + NftRuleset.TABLE + " {}\ndelete table inet " + NftRuleset.TABLE + "\n");
            applied.remove(key);
            log.println("microseg enforce: removed table inet microseg from netns " + key + (r.exit() == 0 ? "" : ": " + r.output().trim()));
        }
        return new Outcome(statuses, pending);
    }

    private static long count(AgentView view, NftRuleset.Section s) {
        return view.rules().stream().filter(r -> s.workloads().contains(r.workload())).count();
    }

    private Result nft(Optional<String> ns, String script) {
        List<String> cmd = new ArrayList<>();
        ns.ifPresent(n -> cmd.addAll(List.of("ip", "netns", "exec", n)));
        cmd.addAll(List.of("nft", "-f", "-"));
        try {
            return runner.run(cmd, script);
        } catch (IOException e) {
            return new Result(-1, String.join(" ", cmd) + ": " + e.getMessage());
        }
    }

    /** Runs commands for real. */
    public static Result exec(List<String> command, String stdin) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        try {
            return new Result(p.waitFor(), out.toString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
