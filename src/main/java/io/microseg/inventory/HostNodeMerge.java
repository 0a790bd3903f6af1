package io.microseg.inventory;

import io.microseg.input.Document;
import io.microseg.net.Addresses;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A node is also a host: a Host document whose IPs meet a node's IPs describes that node's machine.
 * Its labels join the node's (the node's own orchestrator_ labels win) and its addresses join the
 * node's, and no separate Host is kept, so one machine is one workload with one rule set.
 */
final class HostNodeMerge {
    /** A value and the document it was read from; {@code doc} is null for live sources, where conflicts are not fatal. */
    record Sourced<T>(T value, Document doc) {}

    record Result(List<Node> nodes, List<Host> hosts) {}

    private HostNodeMerge() {}

    static Result merge(List<Sourced<Host>> hosts, List<Node> nodes) {
        Map<String, Sourced<Host>> identityOf = new LinkedHashMap<>();
        List<Host> standalone = new ArrayList<>();
        Map<String, Set<InetAddress>> nodeAddresses = new HashMap<>();
        nodes.forEach(n -> nodeAddresses.put(n.id(), addresses(n.ips())));

        for (Sourced<Host> host : hosts) {
            Set<InetAddress> mine = addresses(host.value().ips());
            List<Node> met = nodes.stream().filter(n -> nodeAddresses.get(n.id()).stream().anyMatch(mine::contains)).toList();
            if (met.isEmpty()) {
                standalone.add(host.value());
                continue;
            }
            // Overlapping node addresses across clusters, or two Host documents for one node, leave no
            // single machine to attach labels to; guessing would put labels on the wrong workload.
            if (met.size() > 1) {
                if (host.doc() == null) { // live sources: report elsewhere, keep the host as it is
                    standalone.add(host.value());
                    continue;
                }
                throw host.doc().error("spec.ips", "expected the IPs of at most one node, but they meet those of "
                        + met.stream().map(Node::id).collect(Collectors.joining(" and ")));
            }
            Node node = met.get(0);
            Sourced<Host> earlier = identityOf.putIfAbsent(node.id(), host);
            if (earlier != null && host.doc() == null) {
                standalone.add(host.value());
            } else if (earlier != null) {
                throw host.doc().error("spec.ips", "expected at most one Host per node, but " + node.id() + " is already Host "
                        + earlier.value().name() + " (" + earlier.doc().file() + ":" + earlier.doc().line() + ")");
            }
        }

        List<Node> merged = nodes.stream().map(n -> identityOf.containsKey(n.id()) ? withHost(n, identityOf.get(n.id()).value()) : n).toList();
        return new Result(merged, standalone);
    }

    private static Node withHost(Node node, Host host) {
        Labels labels = host.labels().withAll(node.labels().values());
        List<String> ips = new ArrayList<>(node.ips());
        Set<InetAddress> known = addresses(node.ips());
        for (String ip : host.ips()) {
            if (known.add(Addresses.parse(ip).orElseThrow())) ips.add(ip);
        }
        return new Node(node.cluster(), node.name(), labels, ips);
    }

    /** Compared as addresses, so "fd00::1" and "fd00:0::1" are one machine. */
    private static Set<InetAddress> addresses(List<String> ips) {
        return ips.stream().map(ip -> Addresses.parse(ip).orElseThrow()).collect(Collectors.toSet());
    }
}
