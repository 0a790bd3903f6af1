package io.microseg.explain;

import io.microseg.explain.End.Access;
import io.microseg.input.InputException;
import io.microseg.inventory.Host;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.net.Addresses;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Turns what a user names a flow's end by into an {@link End}: a workload id ({@code pod/demo/web/web-0},
 * {@code node/demo/node-1}, {@code host/backup}), a service as {@code service/<cluster>/<ns>/<name>} or
 * in Kubernetes' DNS form {@code <name>.<ns>} (optionally {@code .svc} or {@code .svc.cluster.local}),
 * or an IP address. An IP resolves to its owner, most specific first: a node (even when hostNetwork
 * pods share its address), a host, a pod, then a hostNetwork pod, a service's ClusterIP or its
 * load-balancer address. An IP nobody has is outside. An unknown id or name is an
 * {@link InputException} naming the option, with close ids when there are some.
 */
final class EndNames {
    private final Inventory inventory;
    private final Map<String, InventoryItem> items = new LinkedHashMap<>();
    private final Map<String, List<String>> ownersByAddress = new HashMap<>();

    EndNames(Inventory inventory) {
        this.inventory = inventory;
        for (Node n : inventory.nodes()) {
            items.put(n.id(), n);
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
    }

    /** The inventory item with this id (workload or service), or null. */
    InventoryItem item(String id) {
        return items.get(id);
    }

    /** The end {@code text} names; {@code option} is the command-line option it came from, for errors. */
    End resolve(String option, String text) {
        String t = text == null ? "" : text.trim();
        if (t.startsWith("pod/") || t.startsWith("node/") || t.startsWith("host/") || t.startsWith("service/")) {
            InventoryItem item = items.get(t);
            if (item == null) {
                throw new InputException(option, 0, null, null, "expected a workload or service of the inventory, found no "
                        + t + similar(t));
            }
            return End.of(item, null, null);
        }
        if (Addresses.isAddress(t)) return resolveAddress(t);
        if (t.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.svc(\\.cluster\\.local)?)?\\.?")) {
            String[] parts = t.split("\\.");
            List<Service> found = inventory.services().stream()
                    .filter(s -> s.name().equals(parts[0]) && s.namespace().equals(parts[1])).toList();
            if (found.size() == 1) return End.of(found.get(0), null, null);
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

    /** The end that owns {@code ip}, named by it; outside when nobody does. */
    End resolveAddress(String ip) {
        List<String> owners = ownersByAddress.getOrDefault(normal(ip), List.of());
        if (owners.isEmpty()) return End.outside(ip);
        String owner = owners.get(0);
        int hash = owner.indexOf('#');
        if (hash > 0) return End.of(items.get(owner.substring(0, hash)), ip, Access.valueOf(owner.substring(hash + 1)));
        return End.of(items.get(owner), ip, null);
    }

    /** The node {@code text} names: a node id, a node name (of one cluster only), or one of a node's addresses. */
    Node resolveNode(String option, String text) {
        String t = text == null ? "" : text.trim();
        InventoryItem item = t.startsWith("node/") ? items.get(t) : Addresses.isAddress(t) ? resolveAddress(t).item() : null;
        if (item instanceof Node n) return n;
        if (!t.contains("/") && !Addresses.isAddress(t)) {
            List<Node> named = inventory.nodes().stream().filter(n -> n.name().equals(t)).toList();
            if (named.size() == 1) return named.get(0);
            if (named.size() > 1) {
                throw new InputException(option, 0, null, null, "expected one node named " + t + ", found "
                        + named.stream().map(Node::id).toList() + ": name it by id");
            }
        }
        throw new InputException(option, 0, null, null, "expected a node of the inventory (node/<cluster>/<name>, a node name or"
                + " a node's IP), found '" + text + "'" + (t.startsWith("node/") ? similar(t) : ""));
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

    private void own(String ip, String owner) {
        List<String> owners = ownersByAddress.computeIfAbsent(normal(ip), k -> new ArrayList<>());
        if (!owners.contains(owner)) owners.add(owner);
    }

    /** An address in one spelling, so that fd00::1 and fd00:0::1 are one address. */
    static String normal(String ip) {
        return Addresses.parse(ip).map(InetAddress::getHostAddress).orElse(Objects.toString(ip, "").toLowerCase(Locale.ROOT));
    }
}
