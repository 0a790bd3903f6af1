package io.microseg.explain;

import io.microseg.compile.NetpolFacts;
import io.microseg.controlplane.CompiledRule;
import io.microseg.inventory.NetworkPolicy;
import io.microseg.inventory.Pod;
import io.microseg.net.AddressIntervals;
import io.microseg.net.Protocol;
import io.microseg.netpol.LabelSelector;
import io.microseg.netpol.PodSelection;
import io.microseg.policy.Direction;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Why a hop that a NetworkPolicy's isolation denied has no NetworkPolicy rule that allows it: for each
 * NetworkPolicy that selects the pod in the hop's direction, each of its rules and what missed, the
 * peer (which selector or ipBlock did not take the other end, and why) or the ports (which ones the
 * rule allows). The other end is what the rules are judged on: for ingress the source address the pod
 * sees, for egress the destination after its node's DNAT (a Service's backend on its target port).
 * The policies are read as the projection reads them (docs/networkpolicy.md): namespace labels with
 * {@code kubernetes.io/metadata.name}, hostNetwork pods never selected, named ports resolved on the
 * destination pod.
 */
final class NetpolWhyNot {
    private final Trace trace;
    private Map<String, Map<String, Map<String, String>>> namespaceLabels;

    NetpolWhyNot(Trace trace) {
        this.trace = trace;
    }

    /** Whether {@code rule} is the isolation DENY of a NetworkPolicy (ingress or egress). */
    static boolean isIsolation(CompiledRule rule) {
        return rule != null && rule.policy().startsWith("netpol/")
                && (rule.policy().endsWith("/isolation") || rule.policy().endsWith("/egress-isolation"));
    }

    /** The reasons, one line per policy without rules and per rule; the hop is denied by {@link #isIsolation} rule. */
    List<String> reasons(Hop hop) {
        List<String> out = new ArrayList<>();
        boolean ingress = hop.direction() == Direction.INGRESS;
        String way = ingress ? "ingress" : "egress";
        if (!(trace.names().item(hop.workload()) instanceof Pod pod)) return out;
        String address = ingress || hop.dnatAddress() == null ? hop.peerAddress() : hop.dnatAddress();
        int port = !ingress && hop.dnatAddress() != null ? hop.dnatPort() : hop.port();
        Pod other = address == null ? null : podAt(pod.cluster(), address);
        String otherName = other != null ? other.id() + " (" + address + ")" : address != null ? address : hop.peer();
        Map<String, String> podLabels = PodSelection.kubernetesLabels(pod.labels());
        for (NetworkPolicy np : trace.inventory().networkPolicies()) {
            if (!np.cluster().equals(pod.cluster()) || !np.namespace().equals(pod.namespace()) || pod.hostNetwork()) continue;
            if (!(ingress ? np.isolatesIngress() : np.isolatesEgress()) || !np.podSelector().matches(podLabels)) continue;
            String name = "NetworkPolicy " + np.namespace() + "/" + np.name();
            int rules = ingress ? np.ingress().size() : np.egress().size();
            if (rules == 0) {
                out.add(name + " selects " + pod.id() + " for " + way + " and has no " + way + " rules: it allows nothing");
                continue;
            }
            for (int i = 0; i < rules; i++) {
                List<NetworkPolicy.Peer> peers = ingress ? np.ingress().get(i).from() : np.egress().get(i).to();
                List<NetworkPolicy.Port> ports = ingress ? np.ingress().get(i).ports() : np.egress().get(i).ports();
                List<String> missed = new ArrayList<>();
                String peerMiss = peerMiss(np, peers, ingress ? "from" : "to", address, other, otherName);
                if (peerMiss != null) missed.add("peer missed: " + peerMiss);
                Pod destination = ingress ? pod : other;
                String portMiss = portMiss(ports, hop.protocol(), port, destination);
                if (portMiss != null) missed.add("port missed: " + portMiss);
                if (missed.isEmpty()) missed.add("it allows this flow, but made no rule that matches it (see the compile warnings)");
                out.add(name + " " + way + "[" + i + "]: " + String.join("; ", missed));
            }
        }
        return out;
    }

    /** Why no peer of a rule takes the other end; null when one does (or the rule has none: any address). */
    private String peerMiss(NetworkPolicy np, List<NetworkPolicy.Peer> peers, String field, String address, Pod other, String otherName) {
        if (peers.isEmpty()) return null;
        List<String> misses = new ArrayList<>();
        for (int j = 0; j < peers.size(); j++) {
            String miss = peerMiss(np, peers.get(j), address, other, otherName);
            if (miss == null) return null;
            misses.add(field + "[" + j + "] " + miss);
        }
        return String.join(", ", misses);
    }

    /** Why one peer does not take the other end: "<peer> does not select <end>: <why>"; null when it does. */
    private String peerMiss(NetworkPolicy np, NetworkPolicy.Peer peer, String address, Pod other, String otherName) {
        if (peer.block() != null) {
            NetworkPolicy.IpBlock b = peer.block();
            String text = "ipBlock " + b.cidr() + (b.except().isEmpty() ? "" : " except " + String.join(", ", b.except()));
            if (address == null) return text + " does not hold " + otherName + ": its address is not known";
            if (!AddressIntervals.ofCidr(b.cidr()).contains(address)) return text + " does not hold " + otherName;
            for (String e : b.except()) {
                if (AddressIntervals.ofCidr(e).contains(address)) return text + " does not hold " + otherName + ": it is in " + e;
            }
            return null;
        }
        String text = peer.namespaces() == null ? "podSelector " + selector(peer.pods()) + " (namespace " + np.namespace() + ")"
                : "namespaceSelector " + selector(peer.namespaces()) + (peer.pods() == null ? "" : " and podSelector " + selector(peer.pods()));
        String miss = text + " does not select " + otherName + ": ";
        if (other == null) return miss + "it is no pod of cluster " + np.cluster();
        if (other.hostNetwork()) return miss + "it is a hostNetwork pod, which NetworkPolicy peers never select";
        if (peer.namespaces() == null && !other.namespace().equals(np.namespace())) {
            return miss + "it is in namespace " + other.namespace() + ", not the policy's " + np.namespace();
        }
        if (peer.namespaces() != null) {
            Map<String, String> nsLabels = namespaceLabels().getOrDefault(np.cluster(), Map.of()).getOrDefault(other.namespace(),
                    Map.of("kubernetes.io/metadata.name", other.namespace()));
            if (!peer.namespaces().matches(nsLabels)) {
                return miss + "its namespace " + other.namespace() + " has labels " + labels(nsLabels);
            }
        }
        Map<String, String> podLabels = PodSelection.kubernetesLabels(other.labels());
        if (peer.pods() != null && !peer.pods().matches(podLabels)) return miss + "it has labels " + labels(podLabels);
        return null;
    }

    /** Why no port entry takes the flow; null when one does (or the rule has none: every port). */
    private static String portMiss(List<NetworkPolicy.Port> ports, Protocol protocol, int port, Pod destination) {
        if (ports.isEmpty()) return null;
        List<String> allowed = new ArrayList<>();
        for (NetworkPolicy.Port p : ports) {
            if (p.name() != null) {
                Integer number = destination == null ? null : destination.namedPort(p.name(), p.protocol());
                if (number != null && p.protocol() == protocol && number == port) return null;
                allowed.add(p.protocol() + " " + p.name() + (number != null ? " (" + number + " on " + destination.id() + ")"
                        : destination == null ? " (a named port, and the other end is no pod)" : " (not declared on " + destination.id() + ")"));
                continue;
            }
            if (p.covers(protocol, port)) return null;
            allowed.add(p.protocol() + (p.port() == 0 ? " (every port)" : " " + p.ports()));
        }
        return "it allows " + String.join(", ", allowed) + ", the flow is " + (protocol.hasPorts() ? protocol + " " + port : protocol.name());
    }

    private Pod podAt(String cluster, String address) {
        for (Pod p : trace.inventory().pods()) {
            if (p.cluster().equals(cluster) && !p.hostNetwork() && p.ips().contains(address)) return p;
        }
        for (Pod p : trace.inventory().pods()) {
            if (p.cluster().equals(cluster) && p.ips().contains(address)) return p; // a hostNetwork pod: no peer selects it
        }
        return null;
    }

    private Map<String, Map<String, Map<String, String>>> namespaceLabels() {
        if (namespaceLabels == null) {
            namespaceLabels = NetpolFacts.namespaceLabels(trace.inventory().pods(), trace.inventory().namespaces());
        }
        return namespaceLabels;
    }

    private static String selector(LabelSelector s) {
        return s.isEmpty() ? "{}" : s.text();
    }

    private static String labels(Map<String, String> labels) {
        return labels.isEmpty() ? "none" : new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }
}
