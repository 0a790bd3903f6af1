package io.microseg.explain;

import io.microseg.explain.End.Access;
import io.microseg.inventory.Endpoint;
import io.microseg.inventory.Inventory;
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
 * the node that forwards node-port traffic after DNAT, and the destination's ingress. Each hop is
 * decided by the {@link RuleEvaluator}; this class only says which hops there are and which
 * addresses and ports each one sees.
 *
 * <p>How a service is reached: pods and nodes of its cluster use the ClusterIP on the service port
 * (kube-proxy DNATs to a pod on its target port, the source address is kept); a headless service's
 * clients connect straight to the pods; anything else uses the load-balancer address, or else the node
 * port on a node (the first node, unless a node was named), where the node forwards to the pods and,
 * with externalTrafficPolicy Cluster, SNATs to its own address. A service named with its node port
 * ({@code --port tcp/30017}) is reached through the node port.
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

    /** Traces resolved ends; {@code explain} false skips the policy analysis of denied hops (cluster-safety checks). */
    FlowTrace trace(End src, End dst, Protocol protocol, int port, boolean explain) {
        FlowBuilder f = new FlowBuilder(src, dst, protocol, port, explain, rules, whyNot);
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
            service(f, from, (Service) dst.item(), dst.via(), null, dst.ip());
        } else if (dst.kind() == End.Kind.NODE && protocol.hasPorts() && kube.nodePortService((Node) dst.item(), protocol, port) != null) {
            Service s = kube.nodePortService((Node) dst.item(), protocol, port);
            f.notes.add(protocol + " " + port + " on " + dst.id() + " is the node port of " + s.id());
            service(f, from, s, Access.NODE_PORT, (Node) dst.item(), dst.ip());
        } else {
            direct(f, from, dst);
        }
        return f.finish();
    }

    private boolean noAddress(End e, FlowBuilder f) {
        if (e.kind() == End.Kind.POD && e.item().ips().isEmpty()) {
            f.blocked.add(e.id() + " has no IP yet: it gets no rules and sends or receives nothing until it has one");
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
        f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, dst.id(), dstIp, f.port, ctx);
        f.hop(Hop.Step.DESTINATION_INGRESS, dst, Direction.INGRESS, src.id(), srcIp, f.port, ctx);
    }

    /**
     * A flow to a service: {@code via} is how it was addressed when known (by one of its addresses, or
     * through the node port of {@code entry}); otherwise chosen from where the source stands.
     */
    private void service(FlowBuilder f, End src, Service s, Access via, Node entry, String givenIp) {
        ServicePort sp = s.ports().stream().filter(p -> p.protocol() == f.protocol && p.port() == f.port).findFirst().orElse(null);
        ServicePort byNodePort = s.ports().stream()
                .filter(p -> p.protocol() == f.protocol && p.nodePort() != null && p.nodePort() == f.port).findFirst().orElse(null);
        boolean inCluster = (src.kind() == End.Kind.POD || src.kind() == End.Kind.NODE) && s.cluster().equals(src.cluster());

        if (s.type() == ServiceType.ExternalName) {
            f.path = s.id() + " is ExternalName: a DNS alias for a name outside the inventory, not an address of the cluster";
            HopContext ctx = new HopContext(src, End.of(s, null, null), s, sp, Access.EXTERNAL_NAME, null, false, f.port);
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
        f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, "ClusterIP of " + s.id(), vip, f.port, ctx);
        if (sp == null || !inCluster) return;
        backendsAcceptTheSource(f, src, vipEnd, s, sp, Access.CLUSTER_IP);
    }

    /** Each backend's ingress from the source's own address (no SNAT), as reached through {@code dest}. */
    private void backendsAcceptTheSource(FlowBuilder f, End src, End dest, Service s, ServicePort sp, Access access) {
        for (Backend be : backends(f, s, sp)) {
            End b = be.end();
            Endpoint e = be.endpoint();
            f.hop(Hop.Step.DESTINATION_INGRESS, b, Direction.INGRESS, src.id(), src.addressToward(e.ip()), e.targetPort(),
                    new HopContext(src, dest, s, sp, access, b, false, f.port));
        }
    }

    private void headless(FlowBuilder f, End src, Service s, ServicePort sp) {
        f.path = s.id() + " is headless: its name resolves to the pods, the source connects to them on their target port";
        if (sp == null) return;
        for (Backend be : backends(f, s, sp)) {
            End b = be.end();
            Endpoint e = be.endpoint();
            HopContext ctx = new HopContext(src, End.of(s, null, Access.HEADLESS), s, sp, Access.HEADLESS, b, false, f.port);
            String srcIp = src.addressToward(e.ip());
            f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, b.id(), e.ip(), e.targetPort(), ctx);
            f.hop(Hop.Step.DESTINATION_INGRESS, b, Direction.INGRESS, src.id(), srcIp, e.targetPort(), ctx);
        }
    }

    private void loadBalancer(FlowBuilder f, End src, Service s, ServicePort sp, String givenIp, boolean inCluster) {
        if (s.loadBalancerIps().isEmpty()) {
            f.blocked.add(s.id() + " has no load-balancer address");
            return;
        }
        String lb = givenIp != null ? givenIp : End.sameFamily(s.loadBalancerIps(), src.ips());
        End lbEnd = End.of(s, lb, Access.LOAD_BALANCER);
        HopContext ctx = new HopContext(src, lbEnd, s, sp, Access.LOAD_BALANCER, null, false, f.port);
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
    private void nodePort(FlowBuilder f, End src, Service s, ServicePort sp, Node entry, String givenIp, Access access) {
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
        End nodeEnd = End.of(node, null, null);
        String nodeIp = givenIp != null ? givenIp : End.sameFamily(node.ips(), src.ips());
        boolean local = s.externalTrafficLocal();
        f.path = "node port " + sp.nodePort() + " of " + s.id() + " (" + s.type() + ") on " + node.id() + " " + nodeIp
                + "; the node DNATs to a pod on its target port " + (local
                ? "(externalTrafficPolicy Local: only pods on this node, the source address is kept)"
                : "(externalTrafficPolicy Cluster: the pod sees the node's address)");
        End svcEnd = End.of(s, nodeIp, Access.NODE_PORT);
        if (access == Access.NODE_PORT) {
            f.hop(Hop.Step.SOURCE_EGRESS, src, Direction.EGRESS, node.id() + " (node port of " + s.id() + ")", nodeIp,
                    sp.nodePort(), new HopContext(src, svcEnd, s, sp, Access.NODE_PORT, null, false, f.port));
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
            HopContext ctx = new HopContext(src, svcEnd, s, sp, access, b, !local, f.port);
            f.hop(Hop.Step.NODE_FORWARD, nodeEnd, Direction.EGRESS, b.id(), e.ip(), e.targetPort(), ctx);
            String from = local ? src.id() : node.id();
            String fromIp = local ? src.addressToward(e.ip()) : End.sameFamily(node.ips(), List.of(e.ip()));
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
    private List<Backend> backends(FlowBuilder f, Service s, ServicePort sp) {
        List<Backend> ends = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Endpoint e : kube.endpoints(s)) {
            if (!e.portKey().equals(sp.key()) || !seen.add(EndNames.normal(e.ip()) + "/" + e.targetPort())) continue;
            End b = e.podId() != null && names.item(e.podId()) instanceof Pod p ? End.of(p, e.ip(), null) : names.resolveAddress(e.ip());
            ends.add(new Backend(new End(b.kind(), b.id(), b.item(), e.ip(), null), e));
        }
        if (!f.explain) {
            if (ends.isEmpty()) f.blocked.add(s.id() + " has no ready endpoint for port " + sp.port() + ": the traffic reaches no pod");
            return ends;
        }
        for (NamedPortMiss m : inventory.namedPortMisses()) {
            if (m.serviceId().equals(s.id()) && m.portKey().equals(sp.key())) {
                f.note(m.podId() + " is selected by " + s.id() + " but has no container port named " + m.name()
                        + ": it is not an endpoint of port " + sp.port() + " and receives none of this traffic");
            }
        }
        for (Pod p : kube.selectedPods(s)) {
            if (p.ips().isEmpty()) f.note(p.id() + " is selected by " + s.id() + " but has no IP yet: not an endpoint");
        }
        if (ends.isEmpty()) {
            f.blocked.add(s.id() + " has no ready endpoint for port " + sp.port() + ": the traffic reaches no pod");
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
