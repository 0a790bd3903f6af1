package io.microseg.explain;

import io.microseg.compile.Compilation;
import io.microseg.input.InputException;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.Node;
import io.microseg.net.Protocol;
import io.microseg.policy.Workspace;

import java.util.List;
import java.util.Locale;

/**
 * Traces a flow "from A to B on a port" through the compiled rules, as the agents enforce them: which
 * firewalls it crosses ({@link KubeProxyPaths}), each decided by the first matching rule of the
 * workload whose firewall enforces it ({@link RuleEvaluator}), and, when a hop denies, why no ALLOW
 * rule decided ({@link WhyNot}). Ends are named as {@link EndNames} reads them. This class is the
 * entry point and holds the parts of one compile; unknown names and bad ports are an
 * {@link InputException}.
 */
public final class Trace {
    private final Inventory inventory;
    private final List<Workspace> workspaces;
    private final EndNames names;
    private final KubeIndex kube;
    private final RuleEvaluator rules;
    private final KubeProxyPaths paths;

    private Trace(Compilation compilation, Inventory inventory, List<Workspace> workspaces) {
        this.inventory = inventory;
        this.workspaces = List.copyOf(workspaces);
        this.names = new EndNames(inventory);
        this.kube = new KubeIndex(inventory);
        this.rules = new RuleEvaluator(compilation);
        this.paths = new KubeProxyPaths(inventory, names, kube, rules, new WhyNot(this));
    }

    /** A tracer over one compile of this inventory and these workspaces. */
    public static Trace of(Compilation compilation, Inventory inventory, List<Workspace> workspaces) {
        return new Trace(compilation, inventory, workspaces);
    }

    /** A flow's protocol and destination port, as the command line writes it: {@code tcp/27017}, {@code udp/53}, {@code sctp/N}, {@code icmp}. */
    public record Port(Protocol protocol, int port) {
        public static Port parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            if (t.equals("icmp")) return new Port(Protocol.ICMP, 0);
            int slash = t.indexOf('/');
            Protocol protocol = slash < 0 ? null : Protocol.parse(t.substring(0, slash)).filter(Protocol::hasPorts).orElse(null);
            String number = slash < 0 ? "" : t.substring(slash + 1);
            int port = number.matches("\\d{1,5}") ? Integer.parseInt(number) : -1;
            if (protocol == null || port < 1 || port > 65535) {
                throw new InputException("--port", 0, null, null,
                        "expected tcp/PORT, udp/PORT, sctp/PORT (PORT in 1..65535) or icmp, found '" + text + "'");
            }
            return new Port(protocol, port);
        }

        /** The command-line form {@link #parse} reads: {@code tcp/27017}, {@code icmp}. */
        public String text() {
            return protocol == Protocol.ICMP ? "icmp" : protocol.name().toLowerCase(Locale.ROOT) + "/" + port;
        }

        @Override
        public String toString() {
            return protocol == Protocol.ICMP ? "ICMP" : protocol + " " + port;
        }
    }

    /** Traces a flow; {@code port} as {@link Port#parse} reads it. */
    public FlowTrace trace(String from, String to, String port) {
        Port p = Port.parse(port);
        return trace(from, to, p.protocol(), p.port());
    }

    /**
     * Traces a flow from {@code from} to {@code to} (workload ids, service names or IPs) on a protocol
     * and destination port (0 for ICMP). Unknown names are an {@link InputException}.
     */
    public FlowTrace trace(String from, String to, Protocol protocol, int port) {
        return trace(from, to, protocol, port, null);
    }

    /**
     * As {@link #trace(String, String, Protocol, int)}, entering the service's cluster at node {@code via}
     * (a node id {@code node/<cluster>/<name>}, a node name, or a node's IP; null to let the trace choose)
     * when the flow goes through a node port or a load-balancer address. {@code via} is an
     * {@link InputException} when it names no node, a node of another cluster, or the flow enters at no node.
     */
    public FlowTrace trace(String from, String to, Protocol protocol, int port, String via) {
        if (!protocol.hasPorts() && protocol != Protocol.ICMP) {
            throw new InputException("--port", 0, null, null, "expected a flow of TCP, UDP, SCTP or ICMP, found " + protocol);
        }
        End src = names.resolve("--from", from);
        End dst = names.resolve("--to", to);
        Node entry = via == null ? null : names.resolveNode("--via", via);
        return paths.trace(src, dst, protocol, protocol.hasPorts() ? port : 0, entry, true);
    }

    /**
     * The verdict {@link #trace(String, String, Protocol, int)} gives for a flow between inventory items
     * named by id (a workload, or a service as destination), without the explanations of denied hops:
     * the same walk and the same rule evaluation, for callers that ask many flows (the reachability
     * matrix). Unknown ids are an {@link InputException}.
     */
    public Verdict verdict(String fromId, String toId, Protocol protocol, int port) {
        return decide(fromId, toId, protocol, port).verdict();
    }

    /**
     * The flow {@link #trace(String, String, Protocol, int)} gives between inventory items named by id,
     * every hop with its deciding rule, without the explanations of denied hops (each hop's {@code why}
     * is empty): for callers that ask many flows and need who decided them (the impact diff). Unknown
     * ids are an {@link InputException}.
     */
    public FlowTrace decide(String fromId, String toId, Protocol protocol, int port) {
        End src = names.resolve("--from", fromId);
        End dst = names.resolve("--to", toId);
        return paths.trace(src, dst, protocol, protocol.hasPorts() ? port : 0, null, false);
    }

    /** The compile's address sets, for membership questions. */
    public SetIndex sets() {
        return rules.setIndex();
    }

    /** A workload's compiled rules, both directions, in evaluation order (empty: no workspace's scope includes it). */
    public List<io.microseg.controlplane.CompiledRule> rulesOf(String workload) {
        return rules.rulesOf(workload);
    }

    /** Traces resolved ends; {@code explain} false skips the policy analysis of denied hops (cluster-safety checks). */
    FlowTrace trace(End src, End dst, Protocol protocol, int port, boolean explain) {
        return paths.trace(src, dst, protocol, port, null, explain);
    }

    Inventory inventory() {
        return inventory;
    }

    List<Workspace> workspaces() {
        return workspaces;
    }

    EndNames names() {
        return names;
    }

    KubeIndex kube() {
        return kube;
    }

    RuleEvaluator rules() {
        return rules;
    }
}
