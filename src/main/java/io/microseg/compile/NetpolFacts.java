package io.microseg.compile;

import io.microseg.facts.NetpolIngress;
import io.microseg.facts.NetpolIsolation;
import io.microseg.facts.NetpolNamedPort;
import io.microseg.facts.OutsideInterval;
import io.microseg.inventory.ContainerPort;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.Namespace;
import io.microseg.inventory.Pod;
import io.microseg.net.Protocol;
import io.microseg.netpol.LabelSelector;
import io.microseg.inventory.NetworkPolicy;
import io.microseg.netpol.NamedPortSelection;
import io.microseg.netpol.PodSelection;
import io.microseg.policy.query.OutsideAddresses;
import io.microseg.policy.query.Query;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The facts of the inventory's NetworkPolicies: {@link NetpolIsolation} per policy that isolates for
 * ingress, {@link NetpolIngress} per peer and port of each ingress rule, {@link NetpolNamedPort} per
 * number a named port means on the subject's pods, {@link OutsideInterval} per CIDR of an ipBlock peer,
 * and the queries (subjects and peers as {@link PodSelection}s, ipBlocks as address queries, named-port
 * pods as {@link NamedPortSelection}s) whose selections the rules join on. Namespace selectors are judged
 * here, on the namespaces' labels: a Namespace object's labels plus {@code kubernetes.io/metadata.name},
 * which the API server sets on every namespace; a namespace known only from its pods has that label alone.
 */
public final class NetpolFacts {
    private NetpolFacts() {}

    /** The facts, and the uses of the queries they name (the scope of every workload, subjects and peers). */
    public record Result(Set<Object> facts, Map<Selectors.Use, Query> uses) {}

    private static final Query EVERY_WORKLOAD = Query.parse("*");

    public static Result of(Inventory inventory) {
        return of(inventory.networkPolicies(), inventory.pods(), inventory.namespaces());
    }

    /** The facts of these policies, judged against these pods and namespaces (all of them, whole). */
    public static Result of(Collection<NetworkPolicy> policies, Collection<Pod> pods, Collection<Namespace> namespaces) {
        Set<Object> facts = new LinkedHashSet<>();
        Map<Selectors.Use, Query> uses = new LinkedHashMap<>();
        if (policies.isEmpty()) return new Result(facts, uses);
        String scope = Selectors.id(EVERY_WORKLOAD);
        uses.put(new Selectors.Use(scope, true), EVERY_WORKLOAD);
        Map<String, Map<String, Map<String, String>>> namespaceLabels = namespaceLabels(pods, namespaces);
        Map<String, Set<String>> hostNetwork = new HashMap<>();
        for (Pod p : pods) {
            if (p.hostNetwork()) hostNetwork.computeIfAbsent(p.cluster(), k -> new TreeSet<>()).add(p.namespace() + "/" + p.name());
        }
        for (NetworkPolicy np : policies) {
            Set<String> excluded = hostNetwork.getOrDefault(np.cluster(), Set.of());
            PodSelection subject = new PodSelection(np.cluster(), Set.of(np.namespace()), np.podSelector(), excluded);
            String subjectId = use(uses, subject);
            if (!np.isolatesIngress()) continue;
            facts.add(new NetpolIsolation(np.id(), subjectId, scope));
            Map<String, NetpolNamedPort> named = new LinkedHashMap<>();
            for (NetworkPolicy.IngressRule rule : np.ingress()) {
                List<String> peers = new ArrayList<>();
                Set<String> blocks = new HashSet<>();
                if (rule.from().isEmpty()) peers.add(null);
                for (NetworkPolicy.Peer peer : rule.from()) {
                    if (peer.block() != null) {
                        Query q = blockQuery(peer.block());
                        String id = use(uses, q);
                        for (String cidr : OutsideAddresses.of(q).cidrs()) facts.add(new OutsideInterval(id, cidr));
                        peers.add(id);
                        blocks.add(id);
                        continue;
                    }
                    Set<String> peerNamespaces = peer.namespaces() == null ? Set.of(np.namespace())
                            : selected(peer.namespaces(), namespaceLabels.getOrDefault(np.cluster(), Map.of()));
                    LabelSelector peerPods = peer.pods() == null ? LabelSelector.EVERYTHING : peer.pods();
                    peers.add(use(uses, new PodSelection(np.cluster(), peerNamespaces, peerPods, excluded)));
                }
                for (NetworkPolicy.Port port : rule.ports()) {
                    if (port.name() != null) namedPorts(np, subject, subjectId, port, pods, uses, named);
                }
                for (String peer : peers) {
                    boolean block = blocks.contains(peer);
                    if (rule.ports().isEmpty()) {
                        facts.add(new NetpolIngress(np.id(), subjectId, scope, peer, block, Protocol.ANY, "", null));
                    }
                    for (NetworkPolicy.Port port : rule.ports()) {
                        facts.add(new NetpolIngress(np.id(), subjectId, scope, peer, block, port.protocol(), port.ports(), port.name()));
                    }
                }
            }
            facts.addAll(named.values());
        }
        return new Result(facts, uses);
    }

    /**
     * Resolves a named port on each pod the subject selects, as Kubernetes does: the port of a
     * container port with that name and protocol. Pods on which it means the same number form one
     * {@link NetpolNamedPort}; pods without it are in none.
     */
    private static void namedPorts(NetworkPolicy np, PodSelection subject, String subjectId, NetworkPolicy.Port port,
                                   Collection<Pod> pods, Map<Selectors.Use, Query> uses, Map<String, NetpolNamedPort> out) {
        Map<Integer, Set<String>> byNumber = new TreeMap<>();
        for (Pod p : pods) {
            if (!p.cluster().equals(np.cluster()) || !p.namespace().equals(np.namespace()) || p.hostNetwork()) continue;
            if (!np.podSelector().matches(PodSelection.kubernetesLabels(p.labels()))) continue;
            for (ContainerPort c : p.containerPorts()) {
                if (port.name().equals(c.name()) && c.protocol() == port.protocol()) {
                    byNumber.computeIfAbsent(c.port(), k -> new TreeSet<>()).add(p.namespace() + "/" + p.name());
                    break;
                }
            }
        }
        byNumber.forEach((number, names) -> {
            String id = use(uses, new NamedPortSelection(subject, port.name(), port.protocol(), number, names));
            out.putIfAbsent(port.name() + "|" + port.protocol() + "|" + number,
                    new NetpolNamedPort(np.id(), subjectId, port.name(), port.protocol(), number, id));
        });
    }

    /** An ipBlock as a query of the addresses it holds: its CIDR and not its exceptions. */
    private static Query blockQuery(NetworkPolicy.IpBlock block) {
        StringBuilder text = new StringBuilder("address in subnet \"" + block.cidr() + "\"");
        for (String e : block.except()) text.append(" AND NOT address in subnet \"").append(e).append('"');
        return Query.parse(text.toString());
    }

    static String use(Map<Selectors.Use, Query> uses, Query q) {
        String id = Selectors.id(q);
        uses.putIfAbsent(new Selectors.Use(id, false), q);
        return id;
    }

    static Set<String> selected(LabelSelector selector, Map<String, Map<String, String>> namespaces) {
        Set<String> names = new TreeSet<>();
        namespaces.forEach((name, labels) -> {
            if (selector.matches(labels)) names.add(name);
        });
        return names;
    }

    /** Per cluster, per namespace name, the namespace's Kubernetes labels. */
    static Map<String, Map<String, Map<String, String>>> namespaceLabels(Collection<Pod> pods, Collection<Namespace> namespaces) {
        Map<String, Map<String, Map<String, String>>> byCluster = new HashMap<>();
        for (Pod p : pods) {
            byCluster.computeIfAbsent(p.cluster(), k -> new HashMap<>())
                    .computeIfAbsent(p.namespace(), k -> new HashMap<>(Map.of("kubernetes.io/metadata.name", k)));
        }
        for (Namespace n : namespaces) {
            Map<String, String> labels = new HashMap<>(PodSelection.kubernetesLabels(n.labels()));
            labels.put("kubernetes.io/metadata.name", n.name());
            byCluster.computeIfAbsent(n.cluster(), k -> new HashMap<>()).put(n.name(), labels);
        }
        return byCluster;
    }
}
