package io.microseg.explain;

import io.microseg.explain.End.Access;
import io.microseg.facts.Sets;
import io.microseg.input.InputException;
import io.microseg.inventory.Endpoint;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.NamedPortMiss;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.inventory.ServiceType;
import io.microseg.net.Protocol;
import io.microseg.policy.Direction;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which firewalls a flow crosses, as kube-proxy routes it, and in what order: the source's egress,
 * for traffic DNATed on a node the entry node's check of the original source and its forwarding, and
 * the destination's ingress. Each hop is decided by the {@link RuleEvaluator}; this class only says
 * which hops there are and which addresses and ports each one sees, as the agents' chains see them.
 *
 * <p>How a service is reached: pods and nodes of its cluster use the ClusterIP on the service port
 * (kube-proxy DNATs to a pod on its target port, the source address is kept), and a pod that names a
 * load-balancer address enters at its own node (kube-proxy DNATs it there); a headless service's
 * clients connect straight to the pods; anything else uses the load-balancer address (DNATed on the
 * node the load balancer picks, or straight to the pods when the service has no node ports), or else
 * the node port on a node (the named node, {@code via}, or the first node). A service named with its
 * node port ({@code --port tcp/30017}) is reached through the node port. On the entry node see
 * {@link #enterAtNode}; kube-proxy DNATs within one address family.
 */
final class KubeProxyPaths {
    private final Inventory inventory;
    private final EndNames names;
    private final KubeIndex kube;
    private final RuleEvaluator rules;
    private final WhyNot whyNot;

    KubeProxyPaths(Inventory inventory, EndNames names, KubeIndex kube, RuleEvaluator rules, WhyNot whyNot) {
        this.inventory = inventory;
        this.names = names;
        this.kube = kube;
        this.rules = rules;
        this.whyNot = whyNot;
    }

    /**
     * Traces resolved ends; {@code via} (or null) is the node where node-port or load-balancer traffic
     * enters, and an {@link InputException} when the flow enters at no node or it is not a node of the
     * service's cluster; {@code explain} false skips the policy analysis of denied hops (cluster-safety checks).
     */
    FlowTrace trace(End src, End dst, Protocol protocol, int port, Node via, boolean explain) {
        FlowBuilder f = new FlowBuilder(src, dst, protocol, port, explain, rules, whyNot);
        FlowTrace t = walk(f, src, dst, via);
        if (via != null && f.entry == null && t.blocked().isEmpty()) {
            throw new InputException("--via", 0, null, null, "expected a flow that enters at a node (a node port, or a load-balancer"
                    + " address from outside the cluster), found " + t.path());
        }
        return t;
    }

    private FlowTrace walk(FlowBuilder f, End src, End dst, Node via) {
        Protocol protocol = f.protocol;
        int port = f.port;
        End from = src;
        if (src.kind() == End.Kind.SERVICE) {
            Service s = (Service) src.item();
            Pod pod = kube.backendPods(s).stream().findFirst().orElse(null);
            if (pod == null) {
                f.blocked.add(s.id() + " has no backend pod to send traffic from");
                return f.finish();
            }
            f.notes.add("a service sends nothing itself: traced from its pod " + pod.id()
                    + (kube.backendPods(s).size() > 1 ? " (first of " + kube.backendPods(s).size() + ")" : ""));
            from = End.of(pod, null, null);
        }
        if (noAddress(from, f) | noAddress(dst, f)) return f.finish();
        if (dst.kind() == End.Kind.SERVICE) {
            Service s = (Service) dst.item();
            checkVia(via, s);
            service(f, from, s, dst.via(), null, dst.ip(), via);
        } else if (dst.kind() == End.Kind.NODE && protocol.hasPorts() && kube.nodePortService((Node) dst.item(), protocol, port) != null) {
            Node node = (Node) dst.item();
            Service s = kube.nodePortService(node, protocol, port);
            if (via != null && !via.id().equals(node.id())) {
                throw new InputException("--via", 0, null, null, "expected the node the flow is addressed to (" + node.id()
                        + "): node-port traffic enters where it is sent, found " + via.id());
            }
            f.notes.add(protocol + " " + port + " on " + dst.id() + " is the node port of " + s.id());
            service(f, from, s, Access.NODE_PORT, node, dst.ip(), via);
        } else {
            direct(f, from, dst);
        }
        return f.finish();
    }

    private static void checkVia(Node via, Service s) {
        if (via != null && !via.cluster().equals(s.cluster())) {
            throw new InputException("--via", 0, null, null, "expected a node of cluster " + s.cluster() + " (the cluster of "
                    + s.id() + "), found " + via.id());
        }
    }

    private boolean noAddress(End e, FlowBuilder f) {
        if (e.kind() == End.Kind.POD && e.item().ips().isEmpty()) {
            f.blocked.add(e.id() + " has no IP (not started yet, or finished: phase Succeeded or Failed): it gets no rules and"
                    + " sends or receives nothing");
            return true;
        }
        if ((e.kind() == End.Kind.NODE || e.kind() == End.Kind.HOST) && e.item().ips().isEmpty()) {
            f.blocked.add(e.id() + " has no address in the inventory");
            return true;
        }
        return false;
    }

    private void direct(FlowBuilder f, End src, End dst) {
        String dstIp = dst.ip() != null ? dst.ip() : dst.ips().get(0);
        String srcIp = src.addressToward(dstIp);
        f.path = "direct to " + dst.id() + (dst.kind() == End.Kind.OUTSIDE ? "" : " at " + dstIp);
        HopContext ctx = new HopContext(src, dst, null, null, null, dst, false, f.port);
        f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, Peer.at(dst.id(), dstIp), srcIp, f.port, ctx);
        f.hop(Hop.Step.DESTINATION_INGRESS, dst, Direction.INGRESS, Peer.at(src.id(), srcIp), dstIp, f.port, ctx);
    }

    /**
     * A flow to a service: {@code via} is how it was addressed when known (by one of its addresses, or
     * through the node port of {@code entry}); otherwise chosen from where the source stands.
     */
    private void service(FlowBuilder f, End src, Service s, Access how, Node entry, String givenIp, Node via) {
        ServicePort sp = s.ports().stream().filter(p -> p.protocol() == f.protocol && p.port() == f.port).findFirst().orElse(null);
        ServicePort byNodePort = s.ports().stream()
                .filter(p -> p.protocol() == f.protocol && p.nodePort() != null && p.nodePort() == f.port).findFirst().orElse(null);
        boolean inCluster = (src.kind() == End.Kind.POD || src.kind() == End.Kind.NODE) && s.cluster().equals(src.cluster());

        if (s.type() == ServiceType.ExternalName) {
            f.path = s.id() + " is ExternalName: a DNS alias for a name outside the inventory, not an address of the cluster";
            HopContext ctx = new HopContext(src, End.of(s, null, null), s, sp, Access.EXTERNAL_NAME, null, false, f.port);
            f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, Peer.at("the ExternalName's target (outside the inventory)", null),
                    src.addressToward(null), f.port, ctx);
            f.notes.add("only rules whose peer is any address can match traffic to the name behind an ExternalName service");
            return;
        }
        if (f.protocol == Protocol.ICMP) {
            f.path = "ICMP to " + s.id();
            f.blocked.add("a service forwards TCP, UDP and SCTP ports only: ICMP to " + s.id() + " reaches no pod");
            return;
        }
        Access access = how;
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
            case LOAD_BALANCER -> loadBalancer(f, src, s, sp, givenIp, inCluster, via);
            case NODE_PORT -> nodePort(f, src, s, sp, entry, givenIp, via);
            default -> throw new IllegalStateException(access.name());
        }
    }

    private void clusterIp(FlowBuilder f, End src, Service s, ServicePort sp, String givenIp, boolean inCluster) {
        if (s.clusterIps().isEmpty()) {
            f.blocked.add(s.id() + " has no ClusterIP");
            return;
        }
        String vip = givenIp != null ? givenIp : End.sameFamily(s.clusterIps(), src.ips());
        f.path = "ClusterIP " + vip + ":" + f.port + " of " + s.id() + " (" + s.type() + "); kube-proxy DNATs to a pod on its"
                + " target port, the source address is kept";
        if (!inCluster) {
            f.blocked.add(src.id() + " is not a pod or node of cluster " + s.cluster() + ": a ClusterIP is reachable only from"
                    + " inside its cluster" + alternatives(s, sp));
        }
        End vipEnd = End.of(s, vip, Access.CLUSTER_IP);
        HopContext ctx = new HopContext(src, vipEnd, s, sp, Access.CLUSTER_IP, null, false, f.port);
        List<Backend> backends = sp == null || !inCluster ? List.of() : backends(f, s, sp, vip);
        egressDnatedHere(f, src, Peer.at("ClusterIP of " + s.id(), vip), src.addressToward(vip), f.port, ctx, backends);
        if (sp == null || !inCluster) return;
        backendsAcceptTheSource(f, src, vipEnd, s, sp, Access.CLUSTER_IP, backends);
    }

    /**
     * The source's egress to a service address that kube-proxy DNATs on the source's own node: one hop;
     * or, when the source has rules judged after DNAT (a NetworkPolicy's egress), one hop per backend,
     * on which those rules see the backend and its target port, as the agent judges them on that node
     * after the DNAT (the rules before them still see the service address and port).
     */
    private void egressDnatedHere(FlowBuilder f, End src, Peer to, String srcIp, int port, HopContext ctx, List<Backend> backends) {
        if (backends.isEmpty() || !rules.judgesAfterDnat(src)) {
            f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, to, srcIp, port, ctx);
            return;
        }
        for (Backend be : backends) {
            Endpoint e = be.endpoint();
            Peer dnated = Peer.at(to.name() + ", DNAT to " + be.end().id() + " port " + e.targetPort(), to.address());
            f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, dnated, srcIp, port,
                    new RuleEvaluator.Dnat(Peer.at(be.end().id(), e.ip()), e.targetPort()),
                    new HopContext(ctx.src(), ctx.dst(), ctx.service(), ctx.servicePort(), ctx.access(), be.end(), false, ctx.requestedPort()));
        }
        f.note(src.id() + "'s NetworkPolicy egress is judged after the DNAT of its own node, on the backend kube-proxy picks"
                + " and its target port: its egress is traced once per backend");
    }

    /** A source's egress hop, not added yet: to whom, from which address, on which port, in which context. */
    private record SourceHop(Peer to, String srcIp, int port, HopContext ctx) {
        void add(FlowBuilder f, End src) {
            f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, to, srcIp, port, ctx);
        }
    }

    /** Each backend's ingress from the source's own address (no SNAT), as reached through {@code dest}. */
    private void backendsAcceptTheSource(FlowBuilder f, End src, End dest, Service s, ServicePort sp, Access access) {
        backendsAcceptTheSource(f, src, dest, s, sp, access, backends(f, s, sp, dest.ip()));
    }

    private void backendsAcceptTheSource(FlowBuilder f, End src, End dest, Service s, ServicePort sp, Access access, List<Backend> backends) {
        for (Backend be : backends) {
            End b = be.end();
            Endpoint e = be.endpoint();
            f.hop(Hop.Step.DESTINATION_INGRESS, b, Direction.INGRESS, Peer.at(src.id(), src.addressToward(e.ip())), e.ip(),
                    e.targetPort(), new HopContext(src, dest, s, sp, access, b, false, f.port));
        }
    }

    private void headless(FlowBuilder f, End src, Service s, ServicePort sp) {
        f.path = s.id() + " is headless: its name resolves to the pods, the source connects to them on their target port";
        if (sp == null) return;
        for (Backend be : backends(f, s, sp, null)) {
            End b = be.end();
            Endpoint e = be.endpoint();
            HopContext ctx = new HopContext(src, End.of(s, null, Access.HEADLESS), s, sp, Access.HEADLESS, b, false, f.port);
            String srcIp = src.addressToward(e.ip());
            f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, Peer.at(b.id(), e.ip()), srcIp, e.targetPort(), ctx);
            f.hop(Hop.Step.DESTINATION_INGRESS, b, Direction.INGRESS, Peer.at(src.id(), srcIp), e.ip(), e.targetPort(), ctx);
        }
    }

    private void loadBalancer(FlowBuilder f, End src, Service s, ServicePort sp, String givenIp, boolean inCluster, Node via) {
        if (s.loadBalancerIps().isEmpty()) {
            f.blocked.add(s.id() + " has no load-balancer address");
            return;
        }
        String lb = givenIp != null ? givenIp : End.sameFamily(s.loadBalancerIps(), src.ips());
        End lbEnd = End.of(s, lb, Access.LOAD_BALANCER);
        HopContext ctx = new HopContext(src, lbEnd, s, sp, Access.LOAD_BALANCER, null, false, f.port);
        SourceHop egress = new SourceHop(Peer.at("load-balancer address of " + s.id(), lb), src.addressToward(lb), f.port, ctx);
        Node own = inCluster ? podsNode(src) : null;
        if (own == null || sp == null) egress.add(f, src);
        if (inCluster) {
            if (own != null && sp != null) {
                if (via != null && !via.id().equals(own.id())) {
                    throw new InputException("--via", 0, null, null, "expected the node of " + src.id() + " (" + own.id() + "): a pod's"
                            + " load-balancer traffic is DNATed on its own node, found " + via.id());
                }
                f.path = "load-balancer address " + lb + ":" + f.port + " of " + s.id() + "; kube-proxy DNATs it on " + own.id()
                        + ", the node of " + src.id() + ", to a pod on its target port " + (s.externalTrafficLocal()
                        ? "(externalTrafficPolicy Local: a pod's traffic goes to any ready pod, the source address is kept)"
                        : "(externalTrafficPolicy Cluster: masquerade, a pod on this node sees a node-local address, a pod on another"
                                + " node this node's address)");
                enterAtNode(f, src, s, sp, own, lb, sp.port(), lbEnd, Access.LOAD_BALANCER, true, egress);
                return;
            }
            f.path = "load-balancer address " + lb + ":" + f.port + " of " + s.id() + "; from inside the cluster kube-proxy"
                    + " DNATs it to a pod on its target port at once, the source address is kept";
            if (sp != null) backendsAcceptTheSource(f, src, lbEnd, s, sp, Access.LOAD_BALANCER);
            return;
        }
        if (sp == null) {
            f.path = "load-balancer address " + lb + ":" + f.port + " of " + s.id();
            return;
        }
        if (sp.nodePort() == null) {
            f.path = "load-balancer address " + lb + ":" + f.port + " of " + s.id() + ", delivered straight to the pods"
                    + " (no node ports), the source address is kept";
            backendsAcceptTheSource(f, src, lbEnd, s, sp, Access.LOAD_BALANCER);
            return;
        }
        Node node = loadBalancerEntry(f, s, sp, via);
        f.path = "load-balancer address " + lb + ":" + f.port + " of " + s.id() + " (" + s.type() + ")";
        if (node == null) return;
        f.path += ", received by " + node.id() + ", where kube-proxy DNATs it to a pod on its target port " + seenAs(s);
        enterAtNode(f, src, s, sp, node, lb, sp.port(), lbEnd, Access.LOAD_BALANCER, false, null);
    }

    /**
     * The node whose forward hook a pod's traffic passes first (its own node), for a pod in its own
     * network namespace; null for anything else (a node or hostNetwork pod sends from the node itself).
     */
    private Node podsNode(End src) {
        if (!(src.item() instanceof Pod p) || p.hostNetwork() || p.nodeId() == null) return null;
        return kube.nodes(p.cluster()).stream().filter(n -> n.id().equals(p.nodeId())).findFirst().orElse(null);
    }

    /**
     * The node a load balancer sends to: {@code via} when given; else the first node (by id) the load
     * balancer uses: not labelled {@value #EXCLUDE_FROM_LB}, and, with externalTrafficPolicy Local, running
     * a ready backend of the port (kube-proxy's health check fails elsewhere). A note says which and why;
     * null, with the reason in {@code blocked}, when no node qualifies.
     */
    private Node loadBalancerEntry(FlowBuilder f, Service s, ServicePort sp, Node via) {
        List<Node> nodes = kube.nodes(s.cluster()).stream().filter(n -> !n.ips().isEmpty()).toList();
        List<String> excluded = nodes.stream().filter(KubeProxyPaths::excludedFromLoadBalancers).map(Node::id).toList();
        if (via != null) {
            if (excluded.contains(via.id())) {
                f.note(via.id() + " is labelled " + EXCLUDE_FROM_LB + ": a load balancer sends it nothing; traced through it as --via asks");
            }
            return via;
        }
        boolean local = s.externalTrafficLocal();
        Set<String> withBackend = nodesWithBackends(s, sp);
        List<Node> eligible = nodes.stream().filter(n -> !excluded.contains(n.id()))
                .filter(n -> !local || withBackend.contains(n.id())).toList();
        String not = excluded.isEmpty() ? "" : "; not " + String.join(", ", excluded) + " (labelled " + EXCLUDE_FROM_LB + ")";
        if (eligible.isEmpty()) {
            f.blocked.add(local
                    ? "externalTrafficPolicy Local: no node of cluster " + s.cluster() + " runs a ready backend of " + s.id() + " port "
                            + sp.port() + not + ", so the load balancer has no healthy node to send to"
                    : "no node of cluster " + s.cluster() + " takes load-balancer traffic" + (nodes.isEmpty()
                            ? ": it has no node with an address in the inventory" : not));
            return null;
        }
        Node node = eligible.get(0);
        f.note("the load balancer sends to " + (local
                ? "the nodes that run a ready backend of " + s.id() + " (externalTrafficPolicy Local: kube-proxy's health check"
                        + " fails on the others)"
                : "every node of cluster " + s.cluster()) + not + ": traced through " + node.id()
                + (eligible.size() > 1 ? " (first of " + eligible.size() + "; --via NODE traces another)" : ""));
        return node;
    }

    /** The Kubernetes label that takes a node out of every load balancer's pool, whatever its value. */
    static final String EXCLUDE_FROM_LB = "node.kubernetes.io/exclude-from-external-load-balancers";

    private static boolean excludedFromLoadBalancers(Node n) {
        return n.labels().get(LabelKeys.imported(EXCLUDE_FROM_LB)).isPresent();
    }

    /** The ids of the nodes that run a ready endpoint of one service port (a pod on the node, or the node's own address). */
    private Set<String> nodesWithBackends(Service s, ServicePort sp) {
        Set<String> out = new HashSet<>();
        for (Endpoint e : kube.endpoints(s)) {
            if (!e.portKey().equals(sp.key())) continue;
            End b = e.podId() != null && names.item(e.podId()) instanceof Pod p ? End.of(p, e.ip(), null) : names.resolveAddress(e.ip());
            String node = nodeOf(b);
            if (node != null) out.add(node);
        }
        return out;
    }

    /** The node id a backend runs on, or null (an address outside the cluster's nodes and pods). */
    private static String nodeOf(End b) {
        if (b.item() instanceof Pod p) return p.nodeId();
        if (b.item() instanceof Node n) return n.id();
        return null;
    }

    /**
     * Node-port traffic: the source's egress to a node on the node port, then what the node does with
     * it ({@link #enterAtNode}). The node is the one named as destination, else {@code via}, else the
     * first node of the cluster (a note says so).
     */
    private void nodePort(FlowBuilder f, End src, Service s, ServicePort sp, Node named, String givenIp, Node via) {
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
        List<Node> nodes = kube.nodes(s.cluster()).stream().filter(n -> !n.ips().isEmpty()).toList();
        Node node = named != null ? named : via;
        if (node == null) {
            if (nodes.isEmpty()) {
                f.blocked.add("cluster " + s.cluster() + " has no node with an address in the inventory to take node port " + sp.nodePort());
                f.path = "node port " + sp.nodePort() + " of " + s.id();
                return;
            }
            node = nodes.get(0);
            if (nodes.size() > 1) {
                f.note("node port " + sp.nodePort() + " is open on every node of cluster " + s.cluster() + ": traced through "
                        + node.id() + " (first of " + nodes.size() + "; name a node, its IP or --via NODE to trace another)");
            }
        }
        String nodeIp = givenIp != null ? givenIp : End.sameFamily(node.ips(), src.ips());
        f.path = "node port " + sp.nodePort() + " of " + s.id() + " (" + s.type() + ") on " + node.id() + " " + nodeIp
                + "; the node DNATs to a pod on its target port " + seenAs(s);
        End svcEnd = End.of(s, nodeIp, Access.NODE_PORT);
        SourceHop egress = new SourceHop(Peer.at(node.id() + " (node port of " + s.id() + ")", nodeIp), src.addressToward(nodeIp),
                sp.nodePort(), new HopContext(src, svcEnd, s, sp, Access.NODE_PORT, null, false, f.port));
        // a pod's connection to a node port of its own node is DNATed there, before its NetworkPolicy egress is judged
        boolean ownNode = podsNode(src) != null && podsNode(src).id().equals(node.id());
        if (!ownNode) egress.add(f, src);
        enterAtNode(f, src, s, sp, node, nodeIp, sp.nodePort(), svcEnd, Access.NODE_PORT, false, ownNode ? egress : null);
    }

    private static String seenAs(Service s) {
        return s.externalTrafficLocal()
                ? "(externalTrafficPolicy Local: only pods on this node, the source address is kept)"
                : "(externalTrafficPolicy Cluster: masquerade, a pod on this node sees a node-local address, a pod on another"
                        + " node this node's address)";
    }

    /**
     * Traffic that entered at {@code node}, addressed to {@code address} on {@code port} (a node address
     * and the node port, or a load-balancer address and the service port), which kube-proxy DNATs there:
     * the node's INGRESS from the original source on that address and port (prerouting DNAT happens
     * before the input and forward hooks, so the agent matches the conntrack original destination),
     * then for each backend the node forwarding it after DNAT and the backend's INGRESS from the address
     * it sees. With externalTrafficPolicy Cluster kube-proxy masquerades: a backend on the entry node
     * sees a node-local address routing picks for the pod-side interface (a CNI bridge or gateway
     * address, not the InternalIP), which the agent counts in {@code nodes:<cluster>} there; a backend
     * on another node sees the entry node's address. With Local only the entry node's backends are
     * used and they see the original source. A connection the entry node itself starts meets no
     * INGRESS rule of its own. A backend on the entry node's own address (a hostNetwork pod) is
     * delivered locally: no forwarding, no masquerade, the node's INGRESS on the target port from the
     * original source; when every backend is, the entry check has nothing to forward and is skipped.
     * A load-balancer address is judged on the node (entry check and forwarding) only when one of the
     * node's INGRESS rules has it in its local set, as the agent's forward chain does. {@code podOnNode}:
     * the source is a pod of {@code node} addressing a load-balancer address, which kube-proxy DNATs
     * there too; with Local it sends a pod's traffic to every ready pod of the service, not only this
     * node's, keeping the source address. {@code dnatedHere} (or null) is the source's egress hop when the
     * source is a pod of {@code node}: kube-proxy DNATs before its NetworkPolicy egress is judged, so the
     * hop is added here, per backend when it has to be ({@link #egressDnatedHere}).
     */
    private void enterAtNode(FlowBuilder f, End src, Service s, ServicePort sp, Node node, String address, int port, End svcEnd,
                             Access access, boolean podOnNode, SourceHop dnatedHere) {
        f.entry = node;
        End nodeEnd = End.of(node, null, null);
        boolean local = s.externalTrafficLocal();
        List<Backend> backends = backends(f, s, sp, address);
        if (local && !podOnNode) {
            List<Backend> here = backends.stream().filter(b -> node.id().equals(nodeOf(b.end()))).toList();
            if (here.isEmpty() && !backends.isEmpty()) {
                f.blocked.add("externalTrafficPolicy Local: " + node.id() + " runs no backend of " + s.id()
                        + ", so kube-proxy drops " + (access == Access.LOAD_BALANCER ? "load-balancer" : "node-port") + " traffic there");
            }
            backends = here;
        }
        if (dnatedHere != null) egressDnatedHere(f, src, dnatedHere.to(), dnatedHere.srcIp(), dnatedHere.port(), dnatedHere.ctx(), backends);
        boolean allInput = !backends.isEmpty() && backends.stream().allMatch(b -> deliveredLocally(b.end(), node));
        boolean judged = access != Access.LOAD_BALANCER || namesAsLocal(node, address);
        if (!judged) {
            f.note("no INGRESS rule of " + node.id() + " is limited to load-balancer address " + address + " (a local set): the"
                    + " node's firewall does not judge connections DNATed from it, only the backends' rules do");
        }
        if (src.item() == node) {
            f.note(node.id() + " starts the connection itself: kube-proxy DNATs it on the way out, no INGRESS rule of the node judges it");
        } else if (!allInput && judged) {
            f.hop(Hop.Step.ENTRY_NODE_INGRESS, nodeEnd, Direction.INGRESS, Peer.at(src.id(), src.addressToward(address)), address,
                    port, new HopContext(src, svcEnd, s, sp, access, null, false, f.port));
        }
        for (Backend be : backends) {
            End b = be.end();
            Endpoint e = be.endpoint();
            if (deliveredLocally(b, node)) {
                f.note(b.id() + " listens on an address of " + node.id() + " itself: the DNAT-ed connection is delivered there (input,"
                        + " not forward), so no forwarding hop and no masquerade; the node's INGRESS rules judge the original source"
                        + " on the target port");
                f.hop(Hop.Step.DESTINATION_INGRESS, b, Direction.INGRESS, Peer.at(src.id(), src.addressToward(e.ip())), e.ip(),
                        e.targetPort(), new HopContext(src, svcEnd, s, sp, access, b, false, f.port));
                continue;
            }
            HopContext ctx = new HopContext(src, svcEnd, s, sp, access, b, !local, f.port);
            if (judged) f.hop(Hop.Step.NODE_FORWARD, nodeEnd, Direction.EGRESS, Peer.at(b.id(), e.ip()), null, e.targetPort(), ctx);
            Peer from = local ? Peer.at(src.id(), src.addressToward(e.ip()))
                    : node.id().equals(nodeOf(b)) ? Peer.masqueraded(node.id(), Sets.nodes(node.cluster()))
                    : Peer.at(node.id(), End.sameFamily(node.ips(), List.of(e.ip())));
            f.hop(Hop.Step.DESTINATION_INGRESS, b, Direction.INGRESS, from, e.ip(), e.targetPort(), ctx);
            if (!local && node.id().equals(nodeOf(b))) {
                f.note("masquerade: a backend on " + node.id() + " itself sees the connection from an address of the node that routing"
                        + " picks for the pod-side interface (the CNI bridge or gateway address, not " + node.id() + "'s InternalIP);"
                        + " the agent counts the node's own addresses in " + Sets.nodes(node.cluster()) + " there, and so does trace");
            }
        }
    }

    /**
     * Whether one of the node's INGRESS rules is limited to a local set holding {@code address}: the agent
     * judges a connection DNATed from an address that is not the node's own only then.
     */
    private boolean namesAsLocal(Node node, String address) {
        return rules.rulesOf(node.id()).stream()
                .anyMatch(r -> r.direction() == Direction.INGRESS && r.localSet() != null && rules.inSet(r.localSet(), address));
    }

    /** Whether a backend's firewall is the entry node's own (a hostNetwork pod there, or the node's address): kube-proxy delivers locally. */
    private static boolean deliveredLocally(End backend, Node node) {
        return RuleEvaluator.enforcer(backend).equals(node.id());
    }

    private static String alternatives(Service s, ServicePort sp) {
        if (sp == null) return "";
        List<String> ways = new ArrayList<>();
        if (!s.loadBalancerIps().isEmpty()) ways.add("its load-balancer address " + s.loadBalancerIps().get(0) + ":" + sp.port());
        if (sp.nodePort() != null) ways.add("node port " + sp.nodePort() + " on a node");
        return ways.isEmpty() ? "" : " (use " + String.join(" or ", ways) + ")";
    }

    // ---------------------------------------------------------------- backends

    /**
     * The ready endpoints of one service port as ends, one per (address, target port), of the family of
     * {@code addressed} (the address the flow was DNATed from: kube-proxy never translates across
     * families; null: both); notes on selected pods that are not endpoints.
     */
    private List<Backend> backends(FlowBuilder f, Service s, ServicePort sp, String addressed) {
        List<Backend> ends = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String family = addressed == null ? "" : addressed.contains(":") ? "IPv6 " : "IPv4 ";
        for (Endpoint e : kube.endpoints(s)) {
            if (!e.portKey().equals(sp.key()) || !seen.add(EndNames.normal(e.ip()) + "/" + e.targetPort())) continue;
            if (addressed != null && e.ip().contains(":") != addressed.contains(":")) continue;
            End b = e.podId() != null && names.item(e.podId()) instanceof Pod p ? End.of(p, e.ip(), null) : names.resolveAddress(e.ip());
            ends.add(new Backend(new End(b.kind(), b.id(), b.item(), e.ip(), null), e));
        }
        if (!f.explain) {
            if (ends.isEmpty()) f.blocked.add(s.id() + " has no ready " + family + "endpoint for port " + sp.port() + ": the traffic reaches no pod");
            return ends;
        }
        for (NamedPortMiss m : inventory.namedPortMisses()) {
            if (m.serviceId().equals(s.id()) && m.portKey().equals(sp.key())) {
                f.note(m.podId() + " is selected by " + s.id() + " but has no container port named " + m.name()
                        + ": it is not an endpoint of port " + sp.port() + " and receives none of this traffic");
            }
        }
        for (Pod p : kube.selectedPods(s)) {
            if (p.ips().isEmpty()) f.note(p.id() + " is selected by " + s.id() + " but has no IP (not started yet, or finished): not an endpoint");
        }
        if (ends.isEmpty()) {
            f.blocked.add(s.id() + " has no ready " + family + "endpoint for port " + sp.port() + ": the traffic reaches no pod");
        } else if (ends.size() > 1) {
            f.note(s.id() + " has " + ends.size() + " endpoints for port " + sp.port()
                    + ": " + (s.headless() ? "the client picks one from DNS" : "kube-proxy picks one per connection") + ", each is traced");
        }
        return ends;
    }

    /** A backend of a service port: the end (pod, or the workload or outside address of an endpoint without a pod) and its endpoint. */
    record Backend(End end, Endpoint endpoint) {}

    private static String ports(Service s) {
        if (s.ports().isEmpty()) return "none";
        return String.join(", ", s.ports().stream().map(p -> p.protocol() + " " + p.port()
                + (p.nodePort() == null ? "" : " (node port " + p.nodePort() + ")")).toList());
    }
}
