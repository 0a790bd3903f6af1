package io.microseg.explain;

import io.microseg.compile.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.compile.CompiledRule;
import io.microseg.input.InputException;
import io.microseg.inventory.Endpoint;
import io.microseg.inventory.Host;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.NamedPortMiss;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.inventory.ServiceType;
import io.microseg.net.Addresses;
import io.microseg.net.Protocol;
import io.microseg.policy.Direction;
import io.microseg.policy.Workspace;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Traces a flow "from A to B on a port" through the compiled rules: the source's egress, the node that
 * forwards node-port traffic after DNAT, and the destination's ingress, each decided by the first
 * matching rule of the workload whose firewall enforces it. When a hop denies, the policies are read
 * to say why no ALLOW rule decided ({@link WhyNot}).
 *
 * <p>Ends are named by workload id ({@code pod/demo/web/web-0}, {@code node/demo/node-1},
 * {@code host/backup}), by service, as {@code service/<cluster>/<ns>/<name>} or Kubernetes' DNS form
 * {@code <name>.<ns>} (optionally {@code .svc} or {@code .svc.cluster.local}), or by IP address. An
 * IP resolves to the node, host or pod that has it, or to a service's ClusterIP or load-balancer
 * address; an IP nobody has is "outside": it has no rules of its own.
 *
 * <p>How a service is reached: pods and nodes of its cluster use the ClusterIP on the service port
 * (kube-proxy DNATs to a pod on its target port, the source address is kept); a headless service's
 * clients connect straight to the pods; anything else uses the load-balancer address, or else the node
 * port on a node (the first node, unless a node was named), where the node forwards to the pods and,
 * with externalTrafficPolicy Cluster, SNATs to its own address. A service named with its node port
 * ({@code --port tcp/30017}) is reached through the node port.
 */
public final class Trace {
    private final Inventory inventory;
    private final List<Workspace> workspaces;
    private final Map<String, List<CompiledRule>> rulesByWorkload = new HashMap<>();
    private final Map<String, AddressSet> sets = new HashMap<>();
    private final Map<String, Set<String>> setAddresses = new HashMap<>();
    private final Map<String, List<String>> setCidrs = new HashMap<>();
    private final Map<String, InventoryItem> items = new LinkedHashMap<>();
    private final Map<String, List<Endpoint>> endpointsByService = new HashMap<>();
    private final Map<String, List<String>> ownersByAddress = new HashMap<>();
    private final Map<String, List<Node>> nodesByCluster = new HashMap<>();
    private final WhyNot whyNot;

    private Trace(Compilation compilation, Inventory inventory, List<Workspace> workspaces) {
        this.inventory = inventory;
        this.workspaces = List.copyOf(workspaces);
        for (CompiledRule r : compilation.rules()) {
            rulesByWorkload.computeIfAbsent(r.workload(), k -> new ArrayList<>()).add(r);
        }
        for (AddressSet s : compilation.sets()) {
            sets.put(s.id(), s);
            Set<String> addresses = new HashSet<>();
            List<String> cidrs = new ArrayList<>();
            for (String m : s.members()) {
                if (m.contains("/")) cidrs.add(m);
                else addresses.add(normal(m));
            }
            setAddresses.put(s.id(), addresses);
            setCidrs.put(s.id(), cidrs);
        }
        // Address owners, most specific first: a node's address is the node's even when hostNetwork pods share it.
        for (Node n : inventory.nodes()) {
            items.put(n.id(), n);
            nodesByCluster.computeIfAbsent(n.cluster(), k -> new ArrayList<>()).add(n);
            n.ips().forEach(ip -> own(ip, n.id()));
        }
        for (Host h : inventory.hosts()) {
            items.put(h.id(), h);
            h.ips().forEach(ip -> own(ip, h.id()));
        }
        for (Pod p : inventory.pods()) {
            items.put(p.id(), p);
            if (!p.hostNetwork()) p.ips().forEach(ip -> own(ip, p.id()));
        }
        for (Pod p : inventory.pods()) {
            if (p.hostNetwork()) p.ips().forEach(ip -> own(ip, p.id()));
        }
        for (Service s : inventory.services()) {
            items.put(s.id(), s);
            s.clusterIps().forEach(ip -> own(ip, s.id() + "#" + Access.CLUSTER_IP));
            s.loadBalancerIps().forEach(ip -> own(ip, s.id() + "#" + Access.LOAD_BALANCER));
        }
        nodesByCluster.values().forEach(l -> l.sort(Comparator.comparing(Node::id)));
        for (Endpoint e : inventory.endpoints()) {
            endpointsByService.computeIfAbsent(e.serviceId(), k -> new ArrayList<>()).add(e);
        }
        this.whyNot = new WhyNot(this);
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
        if (!protocol.hasPorts() && protocol != Protocol.ICMP) {
            throw new InputException("--port", 0, null, null, "expected a flow of TCP, UDP, SCTP or ICMP, found " + protocol);
        }
        return trace(resolve("--from", from), resolve("--to", to), protocol, protocol.hasPorts() ? port : 0, true);
    }

    // ---------------------------------------------------------------- ends

    /** How a service was addressed, when named by one of its addresses. */
    enum Access { CLUSTER_IP, LOAD_BALANCER, NODE_PORT, HEADLESS, EXTERNAL_NAME }

    enum Kind { HOST, NODE, POD, SERVICE, OUTSIDE }

    /** One end of a flow, resolved: an inventory item (or none, outside), the address it was named by, and for a service how. */
    record End(Kind kind, String id, InventoryItem item, String ip, Access via) {
        static End outside(String ip) {
            return new End(Kind.OUTSIDE, "outside " + ip, null, ip, null);
        }

        boolean isWorkload() {
            return kind == Kind.HOST || kind == Kind.NODE || kind == Kind.POD;
        }

        List<String> ips() {
            return item == null ? (ip == null ? List.of() : List.of(ip)) : item.ips();
        }

        String cluster() {
            if (item instanceof Pod p) return p.cluster();
            if (item instanceof Node n) return n.cluster();
            if (item instanceof Service s) return s.cluster();
            return null;
        }
    }

    End resolve(String option, String text) {
        String t = text == null ? "" : text.trim();
        if (t.startsWith("pod/") || t.startsWith("node/") || t.startsWith("host/") || t.startsWith("service/")) {
            InventoryItem item = items.get(t);
            if (item == null) {
                throw new InputException(option, 0, null, null, "expected a workload or service of the inventory, found no "
                        + t + similar(t));
            }
            return endOf(item, null);
        }
        if (Addresses.isAddress(t)) return resolveAddress(t);
        if (t.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.svc(\\.cluster\\.local)?)?\\.?")) {
            String[] parts = t.split("\\.");
            List<Service> found = inventory.services().stream()
                    .filter(s -> s.name().equals(parts[0]) && s.namespace().equals(parts[1])).toList();
            if (found.size() == 1) return endOf(found.get(0), null);
            if (found.size() > 1) {
                throw new InputException(option, 0, null, null, "expected one service named " + t + ", found "
                        + found.stream().map(Service::id).toList() + ": name it by id");
            }
            throw new InputException(option, 0, null, null, "expected a service of the inventory, found no service "
                    + parts[0] + " in namespace " + parts[1]);
        }
        throw new InputException(option, 0, null, null, "expected a workload id (pod/<cluster>/<ns>/<name>, "
                + "node/<cluster>/<name>, host/<name>), a service (service/<cluster>/<ns>/<name> or <name>.<ns>) or an IP, found '"
                + text + "'");
    }

    /** Up to three ids of the same name elsewhere, else in the same namespace, cluster or kind: "(did you mean ...?)". */
    private String similar(String id) {
        String name = id.substring(id.lastIndexOf('/') + 1);
        List<String> close = items.keySet().stream().filter(k -> k.endsWith("/" + name)).sorted().limit(3).toList();
        for (String prefix = id.substring(0, id.lastIndexOf('/') + 1); close.isEmpty() && prefix.indexOf('/') > 0;
             prefix = prefix.substring(0, prefix.lastIndexOf('/', prefix.length() - 2) + 1)) {
            String p = prefix;
            close = items.keySet().stream().filter(k -> k.startsWith(p)).sorted().limit(3).toList();
        }
        return close.isEmpty() ? "" : " (did you mean " + String.join(" or ", close) + "?)";
    }

    End resolveAddress(String ip) {
        List<String> owners = ownersByAddress.getOrDefault(normal(ip), List.of());
        if (owners.isEmpty()) return End.outside(ip);
        String owner = owners.get(0);
        int hash = owner.indexOf('#');
        if (hash > 0) return endOf(items.get(owner.substring(0, hash)), ip, Access.valueOf(owner.substring(hash + 1)));
        return endOf(items.get(owner), ip);
    }

    End endOf(InventoryItem item, String ip) {
        return endOf(item, ip, null);
    }

    static End endOf(InventoryItem item, String ip, Access via) {
        Kind kind = item instanceof Host ? Kind.HOST : item instanceof Node ? Kind.NODE : item instanceof Pod ? Kind.POD : Kind.SERVICE;
        return new End(kind, item.id(), item, ip, via);
    }

    // ---------------------------------------------------------------- flows

    /** What a hop's "why" needs to know about the flow it belongs to. */
    record Context(End src, End dst, Service service, ServicePort servicePort, Access access, End backend,
                   boolean snat, int requestedPort) {}

    /** Builds one flow: its hops, what blocks it, notes. */
    private final class Flow {
        final End src;
        final End dst;
        final Protocol protocol;
        final int port;
        final boolean explain;
        final List<Hop> hops = new ArrayList<>();
        final List<Context> contexts = new ArrayList<>();
        final List<String> blocked = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        String path = "";

        Flow(End src, End dst, Protocol protocol, int port, boolean explain) {
            this.src = src;
            this.dst = dst;
            this.protocol = protocol;
            this.port = port;
            this.explain = explain;
        }

        void hop(Hop.Step step, End subject, Direction direction, String peer, String peerAddress, int hopPort, Context ctx) {
            hops.add(evaluate(step, subject, direction, peer, peerAddress, protocol, hopPort));
            contexts.add(ctx);
        }

        FlowTrace finish() {
            List<Hop> done = new ArrayList<>();
            for (int i = 0; i < hops.size(); i++) {
                Hop h = hops.get(i);
                done.add(explain && h.verdict() == Verdict.DENY ? h.withWhy(whyNot.reasons(h, contexts.get(i))) : h);
            }
            boolean allow = blocked.isEmpty() && done.stream().allMatch(h -> h.verdict() == Verdict.ALLOW);
            return new FlowTrace(src.id(), dst.id(), protocol, port, path, done, blocked, notes, allow ? Verdict.ALLOW : Verdict.DENY);
        }
    }

    /** Traces resolved ends; {@code explain} false skips the policy analysis of denied hops (cluster-safety checks). */
    FlowTrace trace(End src, End dst, Protocol protocol, int port, boolean explain) {
        Flow f = new Flow(src, dst, protocol, port, explain);
        End from = src;
        if (src.kind() == Kind.SERVICE) {
            Service s = (Service) src.item();
            Pod pod = backendPods(s).stream().findFirst().orElse(null);
            if (pod == null) {
                f.blocked.add(s.id() + " has no backend pod to send traffic from");
                return f.finish();
            }
            f.notes.add("a service sends nothing itself: traced from its pod " + pod.id()
                    + (backendPods(s).size() > 1 ? " (first of " + backendPods(s).size() + ")" : ""));
            from = endOf(pod, null);
        }
        if (noAddress(from, f) | noAddress(dst, f)) return f.finish();
        if (dst.kind() == Kind.SERVICE) {
            service(f, from, (Service) dst.item(), dst.via(), null, dst.ip());
        } else if (dst.kind() == Kind.NODE && protocol.hasPorts() && nodePortService((Node) dst.item(), protocol, port) != null) {
            Service s = nodePortService((Node) dst.item(), protocol, port);
            f.notes.add(protocol + " " + port + " on " + dst.id() + " is the node port of " + s.id());
            service(f, from, s, Access.NODE_PORT, (Node) dst.item(), dst.ip());
        } else {
            direct(f, from, dst);
        }
        return f.finish();
    }

    private boolean noAddress(End e, Flow f) {
        if (e.kind() == Kind.POD && e.item().ips().isEmpty()) {
            f.blocked.add(e.id() + " has no IP yet: it gets no rules and sends or receives nothing until it has one");
            return true;
        }
        if ((e.kind() == Kind.NODE || e.kind() == Kind.HOST) && e.item().ips().isEmpty()) {
            f.blocked.add(e.id() + " has no address in the inventory");
            return true;
        }
        return false;
    }

    private void direct(Flow f, End src, End dst) {
        String dstIp = dst.ip() != null ? dst.ip() : dst.ips().get(0);
        String srcIp = addressOf(src, dstIp);
        f.path = "direct to " + dst.id() + (dst.kind() == Kind.OUTSIDE ? "" : " at " + dstIp);
        Context ctx = new Context(src, dst, null, null, null, dst, false, f.port);
        f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, dst.id(), dstIp, f.port, ctx);
        f.hop(Hop.Step.DESTINATION_INGRESS, dst, Direction.INGRESS, src.id(), srcIp, f.port, ctx);
    }

    /**
     * A flow to a service: {@code via} is how it was addressed when known (by one of its addresses, or
     * through the node port of {@code entry}); otherwise chosen from where the source stands.
     */
    private void service(Flow f, End src, Service s, Access via, Node entry, String givenIp) {
        ServicePort sp = s.ports().stream().filter(p -> p.protocol() == f.protocol && p.port() == f.port).findFirst().orElse(null);
        ServicePort byNodePort = s.ports().stream()
                .filter(p -> p.protocol() == f.protocol && p.nodePort() != null && p.nodePort() == f.port).findFirst().orElse(null);
        boolean inCluster = (src.kind() == Kind.POD || src.kind() == Kind.NODE) && s.cluster().equals(src.cluster());

        if (s.type() == ServiceType.ExternalName) {
            f.path = s.id() + " is ExternalName: a DNS alias for a name outside the inventory, not an address of the cluster";
            Context ctx = new Context(src, endOf(s, null), s, sp, Access.EXTERNAL_NAME, null, false, f.port);
            f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, "the ExternalName's target (outside the inventory)", null, f.port, ctx);
            f.notes.add("only rules whose peer is any address can match traffic to the name behind an ExternalName service");
            return;
        }
        if (f.protocol == Protocol.ICMP) {
            f.path = "ICMP to " + s.id();
            f.blocked.add("a service forwards TCP, UDP and SCTP ports only: ICMP to " + s.id() + " reaches no pod");
            return;
        }
        Access access = via;
        if (access == null) {
            if (sp == null && byNodePort != null) access = Access.NODE_PORT;
            else if (inCluster) access = s.headless() ? Access.HEADLESS : Access.CLUSTER_IP;
            else if (s.type() == ServiceType.LoadBalancer && !s.loadBalancerIps().isEmpty()) access = Access.LOAD_BALANCER;
            else if (sp != null && sp.nodePort() != null) access = Access.NODE_PORT;
            else access = s.headless() ? Access.HEADLESS : Access.CLUSTER_IP;
        }
        if (access == Access.NODE_PORT && sp == null && byNodePort != null) sp = byNodePort;
        if (sp == null) {
            f.blocked.add("port differs: " + s.id() + " has no port " + f.protocol + " " + f.port + " (its ports: " + ports(s) + ")");
        }
        switch (access) {
            case CLUSTER_IP -> clusterIp(f, src, s, sp, givenIp, inCluster);
            case HEADLESS -> headless(f, src, s, sp);
            case LOAD_BALANCER -> loadBalancer(f, src, s, sp, givenIp, inCluster);
            case NODE_PORT -> nodePort(f, src, s, sp, entry, givenIp, Access.NODE_PORT);
            default -> throw new IllegalStateException(access.name());
        }
    }

    private void clusterIp(Flow f, End src, Service s, ServicePort sp, String givenIp, boolean inCluster) {
        if (s.clusterIps().isEmpty()) {
            f.blocked.add(s.id() + " has no ClusterIP");
            return;
        }
        String vip = givenIp != null ? givenIp : sameFamily(s.clusterIps(), src.ips());
        f.path = "ClusterIP " + vip + ":" + f.port + " of " + s.id() + " (" + s.type() + "); kube-proxy DNATs to a pod on its"
                + " target port, the source address is kept";
        if (!inCluster) {
            f.blocked.add(src.id() + " is not a pod or node of cluster " + s.cluster() + ": a ClusterIP is reachable only from"
                    + " inside its cluster" + alternatives(s, sp));
        }
        End vipEnd = endOf(s, vip, Access.CLUSTER_IP);
        Context ctx = new Context(src, vipEnd, s, sp, Access.CLUSTER_IP, null, false, f.port);
        f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, "ClusterIP of " + s.id(), vip, f.port, ctx);
        if (sp == null || !inCluster) return;
        backendsAcceptTheSource(f, src, vipEnd, s, sp, Access.CLUSTER_IP);
    }

    /** Each backend's ingress from the source's own address (no SNAT), as reached through {@code dest}. */
    private void backendsAcceptTheSource(Flow f, End src, End dest, Service s, ServicePort sp, Access access) {
        for (Backend be : backends(f, s, sp)) {
            End b = be.end();
            Endpoint e = be.endpoint();
            f.hop(Hop.Step.DESTINATION_INGRESS, b, Direction.INGRESS, src.id(), addressOf(src, e.ip()), e.targetPort(),
                    new Context(src, dest, s, sp, access, b, false, f.port));
        }
    }

    private void headless(Flow f, End src, Service s, ServicePort sp) {
        f.path = s.id() + " is headless: its name resolves to the pods, the source connects to them on their target port";
        if (sp == null) return;
        for (Backend be : backends(f, s, sp)) {
            End b = be.end();
            Endpoint e = be.endpoint();
            Context ctx = new Context(src, endOf(s, null, Access.HEADLESS), s, sp, Access.HEADLESS, b, false, f.port);
            String srcIp = addressOf(src, e.ip());
            f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, b.id(), e.ip(), e.targetPort(), ctx);
            f.hop(Hop.Step.DESTINATION_INGRESS, b, Direction.INGRESS, src.id(), srcIp, e.targetPort(), ctx);
        }
    }

    private void loadBalancer(Flow f, End src, Service s, ServicePort sp, String givenIp, boolean inCluster) {
        if (s.loadBalancerIps().isEmpty()) {
            f.blocked.add(s.id() + " has no load-balancer address");
            return;
        }
        String lb = givenIp != null ? givenIp : sameFamily(s.loadBalancerIps(), src.ips());
        End lbEnd = endOf(s, lb, Access.LOAD_BALANCER);
        Context ctx = new Context(src, lbEnd, s, sp, Access.LOAD_BALANCER, null, false, f.port);
        if (inCluster) {
            f.path = "load-balancer address " + lb + ":" + f.port + " of " + s.id() + "; from inside the cluster kube-proxy"
                    + " DNATs it to a pod on its target port at once, the source address is kept";
            f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, "load-balancer address of " + s.id(), lb, f.port, ctx);
            if (sp != null) backendsAcceptTheSource(f, src, lbEnd, s, sp, Access.LOAD_BALANCER);
            return;
        }
        f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, "load-balancer address of " + s.id(), lb, f.port, ctx);
        if (sp == null) {
            f.path = "load-balancer address " + lb + ":" + f.port + " of " + s.id();
            return;
        }
        if (sp.nodePort() != null) {
            nodePort(f, src, s, sp, null, null, Access.LOAD_BALANCER);
            f.path = "load-balancer address " + lb + ":" + f.port + " of " + s.id() + ", delivered to " + f.path;
            return;
        }
        f.path = "load-balancer address " + lb + ":" + f.port + " of " + s.id() + ", delivered straight to the pods"
                + " (no node ports), the source address is kept";
        backendsAcceptTheSource(f, src, lbEnd, s, sp, Access.LOAD_BALANCER);
    }

    /**
     * Node-port traffic: the source's egress to the node on the node port (skipped when a load balancer
     * delivers it: {@code access} LOAD_BALANCER), the node forwarding to each backend after DNAT, and
     * each backend's ingress from the node (externalTrafficPolicy Cluster: SNAT) or from the source (Local).
     */
    private void nodePort(Flow f, End src, Service s, ServicePort sp, Node entry, String givenIp, Access access) {
        if (sp == null) {
            f.path = "node port " + f.port + " of " + s.id();
            return;
        }
        if (sp.nodePort() == null) {
            f.blocked.add(s.id() + " port " + sp.port() + " has no node port, and a ClusterIP is reachable only from inside"
                    + " cluster " + s.cluster());
            f.path = s.id() + " port " + sp.port();
            return;
        }
        List<Node> nodes = nodesByCluster.getOrDefault(s.cluster(), List.of()).stream().filter(n -> !n.ips().isEmpty()).toList();
        Node node = entry;
        if (node == null) {
            if (nodes.isEmpty()) {
                f.blocked.add("cluster " + s.cluster() + " has no node with an address in the inventory to take node port " + sp.nodePort());
                f.path = "node port " + sp.nodePort() + " of " + s.id();
                return;
            }
            node = nodes.get(0);
            if (nodes.size() > 1) {
                f.notes.add("node port " + sp.nodePort() + " is open on every node of cluster " + s.cluster() + ": traced through "
                        + node.id() + " (first of " + nodes.size() + "; name a node or its IP to trace another)");
            }
        }
        End nodeEnd = endOf(node, null);
        String nodeIp = givenIp != null ? givenIp : sameFamily(node.ips(), src.ips());
        boolean local = s.externalTrafficLocal();
        f.path = "node port " + sp.nodePort() + " of " + s.id() + " (" + s.type() + ") on " + node.id() + " " + nodeIp
                + "; the node DNATs to a pod on its target port " + (local
                ? "(externalTrafficPolicy Local: only pods on this node, the source address is kept)"
                : "(externalTrafficPolicy Cluster: the pod sees the node's address)");
        End svcEnd = endOf(s, nodeIp, Access.NODE_PORT);
        if (access == Access.NODE_PORT) {
            f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, node.id() + " (node port of " + s.id() + ")", nodeIp,
                    sp.nodePort(), new Context(src, svcEnd, s, sp, Access.NODE_PORT, null, false, f.port));
        }
        List<Backend> backends = backends(f, s, sp);
        if (local) {
            String name = node.name();
            List<Backend> here = backends.stream().filter(b -> b.end().item() instanceof Pod p && name.equals(p.nodeName())).toList();
            if (here.isEmpty() && !backends.isEmpty()) {
                f.blocked.add("externalTrafficPolicy Local: " + node.id() + " runs no backend of " + s.id()
                        + ", so kube-proxy drops node-port traffic there");
            }
            backends = here;
        }
        if (!local && !f.hops.isEmpty() && f.hops.get(0).rule() == null) {
            f.notes.add("externalTrafficPolicy Cluster: the pods see only the node's address, so the policy's consumers are"
                    + " enforced on their own egress alone; " + src.id() + " has no rule of its own there, and nothing on the"
                    + " nodes or the pods tells it from a consumer");
        }
        for (Backend be : backends) {
            End b = be.end();
            Endpoint e = be.endpoint();
            Context ctx = new Context(src, svcEnd, s, sp, access, b, !local, f.port);
            f.hop(Hop.Step.NODE_FORWARD, nodeEnd, Direction.EGRESS, b.id(), e.ip(), e.targetPort(), ctx);
            String from = local ? src.id() : node.id();
            String fromIp = local ? addressOf(src, e.ip()) : sameFamily(node.ips(), List.of(e.ip()));
            f.hop(Hop.Step.DESTINATION_INGRESS, b, Direction.INGRESS, from, fromIp, e.targetPort(), ctx);
        }
    }

    private static String alternatives(Service s, ServicePort sp) {
        if (sp == null) return "";
        List<String> ways = new ArrayList<>();
        if (!s.loadBalancerIps().isEmpty()) ways.add("its load-balancer address " + s.loadBalancerIps().get(0) + ":" + sp.port());
        if (sp.nodePort() != null) ways.add("node port " + sp.nodePort() + " on a node");
        return ways.isEmpty() ? "" : " (use " + String.join(" or ", ways) + ")";
    }

    // ---------------------------------------------------------------- backends

    /** The ready endpoints of one service port as ends, one per (address, target port); notes on selected pods that are not endpoints. */
    private List<Backend> backends(Flow f, Service s, ServicePort sp) {
        List<Backend> ends = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Endpoint e : endpointsByService.getOrDefault(s.id(), List.of())) {
            if (!e.portKey().equals(sp.key()) || !seen.add(normal(e.ip()) + "/" + e.targetPort())) continue;
            End b = e.podId() != null && items.get(e.podId()) instanceof Pod p ? endOf(p, e.ip()) : resolveAddress(e.ip());
            ends.add(new Backend(new End(b.kind(), b.id(), b.item(), e.ip(), null), e));
        }
        if (!f.explain) {
            if (ends.isEmpty()) f.blocked.add(s.id() + " has no ready endpoint for port " + sp.port() + ": the traffic reaches no pod");
            return ends;
        }
        for (NamedPortMiss m : inventory.namedPortMisses()) {
            if (m.serviceId().equals(s.id()) && m.portKey().equals(sp.key())) {
                addNote(f, m.podId() + " is selected by " + s.id() + " but has no container port named " + m.name()
                        + ": it is not an endpoint of port " + sp.port() + " and receives none of this traffic");
            }
        }
        for (Pod p : selectedPods(s)) {
            if (p.ips().isEmpty()) addNote(f, p.id() + " is selected by " + s.id() + " but has no IP yet: not an endpoint");
        }
        if (ends.isEmpty()) {
            f.blocked.add(s.id() + " has no ready endpoint for port " + sp.port() + ": the traffic reaches no pod");
        } else if (ends.size() > 1) {
            addNote(f, s.id() + " has " + ends.size() + " endpoints for port " + sp.port()
                    + ": " + (s.headless() ? "the client picks one from DNS" : "kube-proxy picks one per connection") + ", each is traced");
        }
        return ends;
    }

    private static void addNote(Flow f, String note) {
        if (!f.notes.contains(note)) f.notes.add(note);
    }

    /** A backend of a service port: the end (pod, or the workload or outside address of an endpoint without a pod) and its endpoint. */
    record Backend(End end, Endpoint endpoint) {}

    /** The pods a service's selector picks in its namespace (Kubernetes labels are imported with the orchestrator_ prefix). */
    List<Pod> selectedPods(Service s) {
        if (s.selector() == null) return List.of();
        return inventory.pods().stream()
                .filter(p -> p.cluster().equals(s.cluster()) && p.namespace().equals(s.namespace()))
                .filter(p -> s.selector().entrySet().stream()
                        .allMatch(t -> t.getValue().equals(p.labels().get(LabelKeys.imported(t.getKey())).orElse(null))))
                .toList();
    }

    /** The pods behind a service's endpoints, in endpoint order. */
    List<Pod> backendPods(Service s) {
        Set<String> ids = new LinkedHashSet<>();
        for (Endpoint e : endpointsByService.getOrDefault(s.id(), List.of())) {
            if (e.podId() != null) ids.add(e.podId());
        }
        return ids.stream().map(items::get).filter(Pod.class::isInstance).map(Pod.class::cast).toList();
    }

    /** The service of the node's cluster whose node port this is, or null. */
    private Service nodePortService(Node node, Protocol protocol, int port) {
        for (Service s : inventory.services()) {
            if (!s.cluster().equals(node.cluster())) continue;
            for (ServicePort sp : s.ports()) {
                if (sp.protocol() == protocol && sp.nodePort() != null && sp.nodePort() == port) return s;
            }
        }
        return null;
    }

    private static String ports(Service s) {
        if (s.ports().isEmpty()) return "none";
        return String.join(", ", s.ports().stream().map(p -> p.protocol() + " " + p.port()
                + (p.nodePort() == null ? "" : " (node port " + p.nodePort() + ")")).toList());
    }

    // ---------------------------------------------------------------- hops

    /** The workload whose firewall enforces an end's rules: a hostNetwork pod's are on its node. */
    static String enforcer(End e) {
        if (e.item() instanceof Pod p && p.hostNetwork() && p.nodeId() != null) return p.nodeId();
        return e.id();
    }

    /** One hop: the first rule of the enforcer, in evaluation order, that matches direction, protocol, port and peer. */
    Hop evaluate(Hop.Step step, End subject, Direction direction, String peer, String peerAddress, Protocol protocol, int port) {
        if (subject.kind() == Kind.OUTSIDE) {
            return new Hop(step, subject.id(), subject.id(), direction, peer, peerAddress, protocol, port, Verdict.ALLOW, null, 0, 0,
                    "outside the inventory: no rules of its own", List.of());
        }
        String enforcer = enforcer(subject);
        List<CompiledRule> all = rulesByWorkload.getOrDefault(enforcer, List.of());
        List<CompiledRule> mine = all.stream().filter(r -> r.direction() == direction).toList();
        if (all.isEmpty()) {
            return new Hop(step, subject.id(), enforcer, direction, peer, peerAddress, protocol, port, Verdict.ALLOW, null, 0, 0,
                    "no rule: no workspace's scope includes this workload (open)", List.of());
        }
        for (int i = 0; i < mine.size(); i++) {
            CompiledRule r = mine.get(i);
            if (matches(r, protocol, port, peerAddress)) {
                Verdict v = r.action() == io.microseg.policy.Action.ALLOW ? Verdict.ALLOW : Verdict.DENY;
                return new Hop(step, subject.id(), enforcer, direction, peer, peerAddress, protocol, port, v, r, i + 1, mine.size(),
                        (r.rank() == io.microseg.policy.Rank.CATCHALL ? "the catch-all of workspace " : "policy ")
                                + (r.rank() == io.microseg.policy.Rank.CATCHALL ? r.policy().substring(0, r.policy().lastIndexOf('/')) : r.policy()),
                        List.of());
            }
        }
        return new Hop(step, subject.id(), enforcer, direction, peer, peerAddress, protocol, port, Verdict.ALLOW, null, 0, mine.size(),
                "no rule matches (open)", List.of());
    }

    /** Whether a rule matches: protocol (ANY matches all), port range ("" is every port) and peer set membership (null is any). */
    boolean matches(CompiledRule r, Protocol protocol, int port, String peerAddress) {
        if (r.protocol() != Protocol.ANY && r.protocol() != protocol) return false;
        if (!r.ports().isEmpty() && !inRange(r.ports(), port)) return false;
        return r.peerSet() == null || inSet(r.peerSet(), peerAddress);
    }

    static boolean inRange(String ports, int port) {
        int dash = ports.indexOf('-');
        int from = Integer.parseInt(dash < 0 ? ports : ports.substring(0, dash));
        int to = dash < 0 ? from : Integer.parseInt(ports.substring(dash + 1));
        return port >= from && port <= to;
    }

    boolean inSet(String set, String address) {
        if (address == null) return false;
        if (setAddresses.getOrDefault(set, Set.of()).contains(normal(address))) return true;
        for (String cidr : setCidrs.getOrDefault(set, List.of())) {
            if (Addresses.inSubnet(address, cidr)) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- for WhyNot and ClusterSafety

    Inventory inventory() {
        return inventory;
    }

    List<Workspace> workspaces() {
        return workspaces;
    }

    Map<String, AddressSet> sets() {
        return sets;
    }

    List<CompiledRule> rulesOf(String workload) {
        return rulesByWorkload.getOrDefault(workload, List.of());
    }

    InventoryItem item(String id) {
        return items.get(id);
    }

    List<Endpoint> endpoints(Service s) {
        return endpointsByService.getOrDefault(s.id(), List.of());
    }

    List<Node> nodes(String cluster) {
        return nodesByCluster.getOrDefault(cluster, List.of());
    }

    // ---------------------------------------------------------------- addresses

    private void own(String ip, String owner) {
        List<String> owners = ownersByAddress.computeIfAbsent(normal(ip), k -> new ArrayList<>());
        if (!owners.contains(owner)) owners.add(owner);
    }

    /** The end's own address toward {@code toward}: the one it was named by, else one of the same family. */
    static String addressOf(End e, String toward) {
        if (e.ip() != null) return e.ip();
        return sameFamily(e.ips(), toward == null ? List.of() : List.of(toward));
    }

    /** The first of {@code ips} in a family of {@code like} (IPv4 or IPv6), else the first; null when none. */
    static String sameFamily(List<String> ips, List<String> like) {
        if (ips.isEmpty()) return null;
        for (String l : like) {
            boolean v6 = l.contains(":");
            for (String ip : ips) if (ip.contains(":") == v6) return ip;
        }
        return ips.get(0);
    }

    /** An address in one spelling, so that fd00::1 and fd00:0::1 are one address. */
    static String normal(String ip) {
        return Addresses.parse(ip).map(InetAddress::getHostAddress).orElse(Objects.toString(ip, "").toLowerCase(Locale.ROOT));
    }
}
