package io.microseg.explain;

import io.microseg.facts.NetpolRules;
import io.microseg.compile.Compilation;
import io.microseg.controlplane.CompiledRule;
import io.microseg.facts.Warning;
import io.microseg.inventory.ContainerPort;
import io.microseg.inventory.Endpoint;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.net.Protocol;
import io.microseg.policy.Direction;
import io.microseg.policy.Policy;
import io.microseg.policy.Action;
import io.microseg.policy.Rank;
import io.microseg.policy.Workspace;
import io.microseg.net.AddressIntervals;
import io.microseg.policy.query.OutsideAddresses;
import io.microseg.policy.query.Query;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * "Policies can break the cluster itself": warnings, built on {@link Trace}, for policy and catch-all
 * DENYs that decide traffic a Kubernetes cluster needs, plus two policy-hygiene checks.
 *
 * <ul>
 *   <li>kube-system pods: ingress from the cluster's nodes and pods on their container ports;</li>
 *   <li>the kubelet: TCP 10250 on every node, from the other nodes and the API server's endpoints;</li>
 *   <li>the API server: service {@code default/kubernetes} on its ports from nodes and pods, and its
 *       endpoints straight from the nodes;</li>
 *   <li>DNS: pods to the {@code kube-dns} (CoreDNS) service of kube-system on UDP and TCP 53;</li>
 *   <li>node health checks: ICMP between the nodes;</li>
 *   <li>queries that match nothing: a policy's consumer or provider selects no workload and no service;</li>
 *   <li>shadowed policies: on every workload where a policy has rules, an earlier rule of another
 *       policy (same direction, covering protocol, ports and peer) decides the same traffic first.</li>
 * </ul>
 *
 * Each cut is one warning per deciding policy ({@code <ws>/<id>}, or {@code <ws>/catch-all}) and kind
 * of traffic, naming the affected workloads. Only flows between things the inventory holds are checked.
 * Traffic a hop leaves open (no rule) is never a warning.
 */
public final class ClusterSafety {
    static final String KUBE_SYSTEM = "kube-system";
    static final int KUBELET_PORT = 10250;

    private final Trace trace;
    private final Inventory inventory;
    private final Map<String, Cut> cuts = new LinkedHashMap<>();

    private ClusterSafety(Trace trace, Inventory inventory) {
        this.trace = trace;
        this.inventory = inventory;
    }

    /** Every cluster-safety and policy-hygiene warning for one compile, sorted by policy then message. */
    public static List<Warning> warnings(Compilation compilation, Inventory inventory, List<Workspace> workspaces) {
        Trace trace = Trace.of(compilation, inventory, workspaces);
        ClusterSafety s = new ClusterSafety(trace, inventory);
        for (String cluster : clusters(inventory)) {
            s.kubeSystemPods(cluster);
            s.kubelet(cluster);
            s.apiServer(cluster);
            s.dns(cluster);
            s.nodeHealth(cluster);
        }
        List<Warning> out = new ArrayList<>();
        s.cuts.values().forEach(c -> out.add(c.warning()));
        out.addAll(queriesMatchingNothing(inventory, workspaces));
        out.addAll(subnetsHoldingUnselected(inventory, workspaces));
        out.addAll(shadowed(trace, compilation));
        return out.stream().distinct().sorted(Comparator.comparing(Warning::policy).thenComparing(Warning::message)).toList();
    }

    // ---------------------------------------------------------------- what the cluster needs

    private void kubeSystemPods(String cluster) {
        List<Pod> system = pods(cluster).filter(p -> p.namespace().equals(KUBE_SYSTEM) && !p.containerPorts().isEmpty()).toList();
        if (system.isEmpty()) return;
        List<End> sources = new ArrayList<>(nodeEnds(cluster));
        pods(cluster).filter(p -> !p.hostNetwork()).forEach(p -> sources.add(End.of(p, null, null)));
        String need = "kube-system pods (ingress from the nodes and pods on their container ports)";
        for (Pod pod : system) {
            End dst = End.of(pod, null, null);
            Set<String> done = new LinkedHashSet<>();
            for (ContainerPort cp : pod.containerPorts()) {
                if (!done.add(cp.protocol() + "/" + cp.port())) continue;
                for (End src : sources) {
                    if (src.id().equals(pod.id()) || (pod.hostNetwork() && src.id().equals(pod.nodeId()))) continue;
                    String srcIp = src.addressToward(pod.ips().get(0));
                    Hop h = trace.rules().evaluate(Hop.Step.DESTINATION_INGRESS, dst, Direction.INGRESS,
                            Peer.at(src.id(), srcIp), pod.ips().get(0), cp.protocol(), cp.port());
                    record(need, h, src.id(), pod.id());
                }
            }
        }
    }

    private void kubelet(String cluster) {
        List<End> nodes = nodeEnds(cluster);
        if (nodes.isEmpty()) return;
        Map<String, End> sources = new LinkedHashMap<>();
        nodes.forEach(n -> sources.put(n.id(), n));
        Service api = apiService(cluster);
        if (api != null) {
            for (Endpoint e : trace.kube().endpoints(api)) {
                End cp = trace.names().resolveAddress(e.ip());
                if (cp.isWorkload() && cp.kind() != End.Kind.POD) sources.putIfAbsent(cp.id(), cp);
            }
        }
        String need = "the kubelet (from the other nodes and the control plane)";
        for (End node : nodes) {
            for (End src : sources.values()) {
                if (src.id().equals(node.id())) continue;
                flow(need, src, node, Protocol.TCP, KUBELET_PORT, node.id());
            }
        }
    }

    private void apiServer(String cluster) {
        Service api = apiService(cluster);
        if (api == null) return;
        String need = "the API server (from the nodes and pods)";
        End svc = End.of(api, null, null);
        List<End> nodes = nodeEnds(cluster);
        List<End> sources = new ArrayList<>(nodes);
        pods(cluster).filter(p -> !p.hostNetwork()).forEach(p -> sources.add(End.of(p, null, null)));
        for (ServicePort sp : api.ports()) {
            for (End src : sources) flow(need, src, svc, sp.protocol(), sp.port(), api.id());
        }
        // The kubelet and the node agents reach the API server at its own address, not the ClusterIP.
        Set<String> seen = new LinkedHashSet<>();
        for (Endpoint e : trace.kube().endpoints(api)) {
            if (!seen.add(EndNames.normal(e.ip()) + "/" + e.protocol() + "/" + e.targetPort())) continue;
            End dst = trace.names().resolveAddress(e.ip());
            for (End node : nodes) {
                if (dst.id().equals(node.id())) continue;
                flow(need, node, dst, e.protocol(), e.targetPort(), api.id());
            }
        }
    }

    private void dns(String cluster) {
        for (Service dns : inventory.services()) {
            if (!dns.cluster().equals(cluster) || !isDns(dns)) continue;
            List<ServicePort> ports = dns.ports().stream().filter(p -> p.port() == 53).toList();
            if (ports.isEmpty()) continue;
            List<Pod> backends = trace.kube().backendPods(dns);
            String need = "DNS (from the pods)";
            End svc = End.of(dns, null, null);
            pods(cluster).filter(p -> !p.hostNetwork() && !backends.contains(p)).forEach(p -> {
                End src = End.of(p, null, null);
                for (ServicePort sp : ports) flow(need, src, svc, sp.protocol(), sp.port(), dns.id());
            });
        }
    }

    private void nodeHealth(String cluster) {
        List<End> nodes = nodeEnds(cluster);
        String need = "node health checks (ICMP between the nodes)";
        for (End a : nodes) {
            for (End b : nodes) {
                if (!a.id().equals(b.id())) flow(need, a, b, Protocol.ICMP, 0, b.id());
            }
        }
    }

    /** Traces one needed flow and records every hop a rule denies. */
    private void flow(String need, End src, End dst, Protocol protocol, int port, String to) {
        FlowTrace t = trace.trace(src, dst, protocol, port, false);
        for (Hop h : t.hops()) record(need, h, src.id(), to);
    }

    private void record(String need, Hop h, String from, String to) {
        if (h.verdict() != Verdict.DENY || h.rule() == null) return;
        String policy = h.rule().policy();
        cuts.computeIfAbsent(policy + "\u0000" + need, k -> new Cut(policy, need)).add(h, from, to);
    }

    /** Everything one policy denies of one kind of needed traffic. */
    private static final class Cut {
        final String policy;
        final String need;
        final Set<String> ports = new LinkedHashSet<>();
        final Set<String> from = new TreeSet<>();
        final Set<String> to = new TreeSet<>();
        final Map<Direction, Set<String>> on = new LinkedHashMap<>();

        Cut(String policy, String need) {
            this.policy = policy;
            this.need = need;
        }

        void add(Hop h, String source, String target) {
            ports.add(h.protocol().hasPorts() ? h.protocol() + " " + h.port() : h.protocol().name());
            from.add(source);
            to.add(target);
            on.computeIfAbsent(h.direction(), d -> new TreeSet<>()).add(h.enforcer());
        }

        Warning warning() {
            List<String> where = new ArrayList<>();
            for (Direction d : List.of(Direction.EGRESS, Direction.INGRESS)) {
                if (on.containsKey(d)) where.add(d.name() + " of " + summary(on.get(d)));
            }
            return new Warning(policy, "cuts " + need + ": " + String.join(", ", ports) + " from " + summary(from) + " to "
                    + summary(to) + ", denied on " + String.join("; ", where));
        }
    }

    // ---------------------------------------------------------------- policy hygiene

    /** A consumer or provider query that selects no workload, no service and no outside address: the policy does nothing. */
    static List<Warning> queriesMatchingNothing(Inventory inventory, List<Workspace> workspaces) {
        List<InventoryItem> items = Stream.of(inventory.hosts(), inventory.nodes(), inventory.pods(), inventory.services())
                .flatMap(List::stream).map(InventoryItem.class::cast).toList();
        List<Warning> out = new ArrayList<>();
        for (Workspace ws : workspaces) {
            for (Policy p : ws.policies()) {
                if (nothing(p.consumer(), items)) {
                    out.add(new Warning(ws.qualify(p), "the consumer query matches no workload and no service: " + p.consumer().text()));
                }
                if (nothing(p.provider(), items)) {
                    out.add(new Warning(ws.qualify(p), "the provider query matches no workload and no service: " + p.provider().text()));
                }
            }
        }
        return out;
    }

    /** Matches no item and names no outside address ({@code address in subnet 203.0.113.0/24} does). */
    private static boolean nothing(Query q, List<InventoryItem> items) {
        return items.stream().noneMatch(i -> q.matches(i.labels(), i.ips())) && OutsideAddresses.of(q).isEmpty();
    }

    /**
     * A consumer or provider whose outside addresses (the CIDRs of its set) hold addresses of workloads
     * it does not select, as {@code address in subnet 0.0.0.0/0 AND NOT app = internal} does: the set
     * holds each CIDR whole, so every rule that admits the set admits those workloads too.
     */
    static List<Warning> subnetsHoldingUnselected(Inventory inventory, List<Workspace> workspaces) {
        List<InventoryItem> workloads = Stream.of(inventory.hosts(), inventory.nodes(), inventory.pods())
                .flatMap(List::stream).map(InventoryItem.class::cast).filter(i -> !i.ips().isEmpty()).toList();
        Map<Query, Set<String>> held = new HashMap<>();
        List<Warning> out = new ArrayList<>();
        for (Workspace ws : workspaces) {
            for (Policy p : ws.policies()) {
                for (Map.Entry<String, Query> party : List.of(Map.entry("consumer", p.consumer()), Map.entry("provider", p.provider()))) {
                    Query q = party.getValue();
                    Set<String> unselected = held.computeIfAbsent(q, x -> unselectedInside(x, workloads));
                    if (unselected.isEmpty()) continue;
                    out.add(new Warning(ws.qualify(p), "the " + party.getKey() + " query's subnets "
                            + String.join(", ", OutsideAddresses.of(q).cidrs()) + " also hold " + summary(unselected)
                            + ", which it does not select: rules that admit its set admit them too (" + q.text() + ")"));
                }
            }
        }
        return out;
    }

    private static Set<String> unselectedInside(Query q, List<InventoryItem> workloads) {
        AddressIntervals outside = OutsideAddresses.of(q);
        if (outside.isEmpty()) return Set.of();
        Set<String> out = new TreeSet<>();
        for (InventoryItem w : workloads) {
            if (!q.matches(w.labels(), w.ips()) && w.ips().stream().anyMatch(outside::contains)) out.add(w.id());
        }
        return out;
    }

    /**
     * A policy none of whose rules ever decides: each has, earlier on its workload and direction, a rule
     * of another policy that covers its protocol, ports and peer (the same set, any address, or a set
     * holding every member of its own), whatever that rule's action. A NetworkPolicy's isolation DENY
     * is not judged: a pod several NetworkPolicies select is isolated once, by the first of their
     * identical isolations, and each policy still decides through its allows. A ClusterNetworkPolicy's
     * PASS covers only the later rules of its own tier: it skips them, and decides nothing beyond them.
     */
    static List<Warning> shadowed(Trace trace, Compilation compilation) {
        Map<String, List<CompiledRule>> byPolicy = new LinkedHashMap<>();
        for (CompiledRule r : compilation.rules()) {
            if (r.rank() != Rank.CATCHALL && !NetpolRules.isIsolation(r.policy())) byPolicy.computeIfAbsent(r.policy(), k -> new ArrayList<>()).add(r);
        }
        List<Warning> out = new ArrayList<>();
        byPolicy.forEach((policy, rules) -> {
            Set<String> shadowers = new TreeSet<>();
            Set<String> workloads = new TreeSet<>();
            CompiledRule example = null;
            for (CompiledRule r : rules) {
                CompiledRule by = earlierCover(trace, r);
                if (by == null) return;
                shadowers.add(by.policy());
                workloads.add(r.workload());
                if (example == null) example = by;
            }
            out.add(new Warning(policy, "never decides: on every workload where it has rules (" + summary(workloads)
                    + "), an earlier rule of " + String.join(" and ", shadowers) + " matches the same traffic first (e.g. "
                    + example.workload() + " " + example.direction() + " " + example.action() + " " + example.protocol()
                    + (example.ports().isEmpty() ? "" : " " + example.ports()) + " peer "
                    + (example.peerSet() == null ? "any" : example.peerSet()) + ", " + example.rank() + " " + example.priority() + ")"));
        });
        return out;
    }

    private static CompiledRule earlierCover(Trace trace, CompiledRule r) {
        // tiers an earlier PASS may send some of r's traffic past: their later rules do not all see that traffic
        Set<Rank> passed = new HashSet<>();
        for (CompiledRule e : trace.rules().rulesOf(r.workload())) {
            if (e.equals(r)) return null;
            if (e.direction() != r.direction() || passed.contains(e.rank())) continue;
            // a PASS decides nothing: it hides only the rest of its own tier
            if (e.action() == Action.PASS && e.rank() != r.rank()) {
                if (mayOverlap(e, r)) passed.add(e.rank());
                continue;
            }
            if (!e.policy().equals(r.policy()) && covers(trace, e, r)) return e;
        }
        return null;
    }

    /** Whether some packet {@code r} matches may match {@code e} too: protocols and ports meet (peers are not compared). */
    private static boolean mayOverlap(CompiledRule e, CompiledRule r) {
        if (e.protocol() != Protocol.ANY && r.protocol() != Protocol.ANY && e.protocol() != r.protocol()) return false;
        if (e.ports().isEmpty() || r.ports().isEmpty()) return true;
        int[] er = range(e.ports());
        int[] rr = range(r.ports());
        return er[0] <= rr[1] && rr[0] <= er[1];
    }

    /** Whether every packet {@code r} matches, {@code e} matches too. */
    static boolean covers(Trace trace, CompiledRule e, CompiledRule r) {
        if (e.protocol() != Protocol.ANY && e.protocol() != r.protocol()) return false;
        if (!e.ports().isEmpty()) {
            if (r.ports().isEmpty()) return false;
            int[] er = range(e.ports());
            int[] rr = range(r.ports());
            if (rr[0] < er[0] || rr[1] > er[1]) return false;
        }
        if (e.localSet() != null && !e.localSet().equals(r.localSet())) return false;
        if (e.peerSet() == null) return true;
        if (r.peerSet() == null) return false;
        if (e.peerSet().equals(r.peerSet())) return true;
        var set = trace.rules().sets().get(r.peerSet());
        return set != null && !set.members().isEmpty()
                && set.members().stream().allMatch(m -> !m.contains("/") && trace.rules().inSet(e.peerSet(), m));
    }

    private static int[] range(String ports) {
        int dash = ports.indexOf('-');
        int from = Integer.parseInt(dash < 0 ? ports : ports.substring(0, dash));
        return new int[]{from, dash < 0 ? from : Integer.parseInt(ports.substring(dash + 1))};
    }

    // ---------------------------------------------------------------- inventory

    private static Set<String> clusters(Inventory inventory) {
        Set<String> out = new TreeSet<>(inventory.clusters());
        inventory.nodes().forEach(n -> out.add(n.cluster()));
        inventory.pods().forEach(p -> out.add(p.cluster()));
        return out;
    }

    private Stream<Pod> pods(String cluster) {
        return inventory.pods().stream().filter(p -> p.cluster().equals(cluster) && !p.ips().isEmpty());
    }

    private List<End> nodeEnds(String cluster) {
        return trace.kube().nodes(cluster).stream().filter(n -> !n.ips().isEmpty()).map(n -> End.of(n, null, null)).toList();
    }

    private Service apiService(String cluster) {
        return inventory.services().stream()
                .filter(s -> s.cluster().equals(cluster) && s.namespace().equals("default") && s.name().equals("kubernetes"))
                .findFirst().orElse(null);
    }

    /** CoreDNS's service: kube-dns in kube-system (its usual name), or one labelled k8s-app=kube-dns, or named coredns. */
    static boolean isDns(Service s) {
        if (!s.namespace().equals(KUBE_SYSTEM)) return false;
        return s.name().equals("kube-dns") || s.name().equals("coredns")
                || s.labels().get(LabelKeys.imported("k8s-app")).map(v -> v.equals("kube-dns")).orElse(false);
    }

    /** "a", "a and b", "a and 3 more". */
    static String summary(Collection<String> ids) {
        List<String> l = new ArrayList<>(new TreeSet<>(ids));
        if (l.isEmpty()) return "nothing";
        if (l.size() == 1) return l.get(0);
        if (l.size() == 2) return l.get(0) + " and " + l.get(1);
        return l.get(0) + " and " + (l.size() - 1) + " more";
    }
}
