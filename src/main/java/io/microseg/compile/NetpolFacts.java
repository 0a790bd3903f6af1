package io.microseg.compile;

import io.microseg.facts.NetpolDestinationPort;
import io.microseg.facts.NetpolEgress;
import io.microseg.facts.NetpolEgressIsolation;
import io.microseg.facts.NetpolIngress;
import io.microseg.facts.NetpolIsolation;
import io.microseg.facts.NetpolNamedPort;
import io.microseg.facts.OutsideInterval;
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
 * number a named port means on the subject's pods; {@link NetpolEgressIsolation} per policy that
 * isolates for egress, {@link NetpolEgress} per peer and port of each egress rule,
 * {@link NetpolDestinationPort} per number a named port of an egress rule means on the peer's pods;
 * {@link OutsideInterval} per CIDR of an ipBlock peer,
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
            if (np.isolatesIngress()) ingress(np, subject, subjectId, scope, excluded, namespaceLabels, pods, facts, uses);
            if (np.isolatesEgress()) egress(np, subjectId, scope, excluded, namespaceLabels, pods, facts, uses);
        }
        return new Result(facts, uses);
    }

    private static void ingress(NetworkPolicy np, PodSelection subject, String subjectId, String scope, Set<String> excluded,
                                Map<String, Map<String, Map<String, String>>> namespaceLabels, Collection<Pod> pods,
                                Set<Object> facts, Map<Selectors.Use, Query> uses) {
        facts.add(new NetpolIsolation(np.id(), subjectId, scope));
        Map<String, NetpolNamedPort> named = new LinkedHashMap<>();
        for (NetworkPolicy.IngressRule rule : np.ingress()) {
            Peers peers = peers(np, rule.from(), excluded, namespaceLabels, facts, uses);
            for (NetworkPolicy.Port port : rule.ports()) {
                if (port.name() != null) namedPorts(np, subject, subjectId, port, pods, uses, named);
            }
            for (String peer : peers.ids()) {
                boolean block = peers.blocks().contains(peer);
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

    /**
     * The egress facts of one policy: its isolation, one {@link NetpolEgress} per peer and port of each
     * egress rule, and for a named port the numbers it means on the peer's destination pods.
     */
    private static void egress(NetworkPolicy np, String subjectId, String scope, Set<String> excluded,
                               Map<String, Map<String, Map<String, String>>> namespaceLabels, Collection<Pod> pods,
                               Set<Object> facts, Map<Selectors.Use, Query> uses) {
        facts.add(new NetpolEgressIsolation(np.id(), subjectId, scope));
        for (NetworkPolicy.EgressRule rule : np.egress()) {
            Peers peers = peers(np, rule.to(), excluded, namespaceLabels, facts, uses);
            for (String peer : peers.ids()) {
                boolean block = peers.blocks().contains(peer);
                if (rule.ports().isEmpty()) {
                    facts.add(new NetpolEgress(np.id(), subjectId, scope, peer, block, Protocol.ANY, "", null));
                }
                for (NetworkPolicy.Port port : rule.ports()) {
                    facts.add(new NetpolEgress(np.id(), subjectId, scope, peer, block, port.protocol(), port.ports(), port.name()));
                    if (port.name() != null) {
                        Query destinations = peer == null ? new PodSelection(np.cluster(), allNamespaces(namespaceLabels, np.cluster()),
                                LabelSelector.EVERYTHING, excluded) : peers.queries().get(peer);
                        destinationPorts(np, peer, destinations, port, pods, uses, facts);
                    }
                }
            }
        }
    }

    /** The peers of one rule: their selector ids in order (null: no peer, any address), which are ipBlocks, and their queries. */
    private record Peers(List<String> ids, Set<String> blocks, Map<String, Query> queries) {}

    private static Peers peers(NetworkPolicy np, List<NetworkPolicy.Peer> given, Set<String> excluded,
                               Map<String, Map<String, Map<String, String>>> namespaceLabels, Set<Object> facts,
                               Map<Selectors.Use, Query> uses) {
        List<String> ids = new ArrayList<>();
        Set<String> blocks = new HashSet<>();
        Map<String, Query> queries = new HashMap<>();
        if (given.isEmpty()) ids.add(null);
        for (NetworkPolicy.Peer peer : given) {
            if (peer.block() != null) {
                Query q = blockQuery(peer.block());
                String id = use(uses, q);
                for (String cidr : OutsideAddresses.of(q).cidrs()) facts.add(new OutsideInterval(id, cidr));
                ids.add(id);
                blocks.add(id);
                queries.put(id, q);
                continue;
            }
            Set<String> peerNamespaces = peer.namespaces() == null ? Set.of(np.namespace())
                    : selected(peer.namespaces(), namespaceLabels.getOrDefault(np.cluster(), Map.of()));
            LabelSelector peerPods = peer.pods() == null ? LabelSelector.EVERYTHING : peer.pods();
            PodSelection q = new PodSelection(np.cluster(), peerNamespaces, peerPods, excluded);
            String id = use(uses, q);
            ids.add(id);
            queries.put(id, q);
        }
        return new Peers(ids, blocks, queries);
    }

    /**
     * Resolves a named port of an egress rule on each destination pod, as Kubernetes does: the pods of
     * the policy's cluster that {@code destinations} selects (an ipBlock: the pods whose addresses it
     * holds), by the port of a container port with that name and protocol. Pods on which it means the
     * same number form one {@link NetpolDestinationPort}, whose pods are the peer's and no other; pods
     * without it are in none.
     */
    private static void destinationPorts(NetworkPolicy np, String peer, Query destinations, NetworkPolicy.Port port,
                                         Collection<Pod> pods, Map<Selectors.Use, Query> uses, Set<Object> facts) {
        Map<Integer, Set<String>> byNumber = new TreeMap<>();
        for (Pod p : pods) {
            if (!p.cluster().equals(np.cluster()) || p.hostNetwork() || !destinations.matches(p.labels(), p.ips())) continue;
            Integer number = p.namedPort(port.name(), port.protocol());
            if (number != null) byNumber.computeIfAbsent(number, k -> new TreeSet<>()).add(p.namespace() + "/" + p.name());
        }
        byNumber.forEach((number, names) -> {
            String id = use(uses, new NamedPortSelection(destinations, port.name(), port.protocol(), number, names));
            facts.add(new NetpolDestinationPort(np.id(), peer, port.name(), port.protocol(), number, id));
        });
    }

    private static Set<String> allNamespaces(Map<String, Map<String, Map<String, String>>> namespaceLabels, String cluster) {
        return namespaceLabels.getOrDefault(cluster, Map.of()).keySet();
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
            Integer number = p.namedPort(port.name(), port.protocol());
            if (number != null) byNumber.computeIfAbsent(number, k -> new TreeSet<>()).add(p.namespace() + "/" + p.name());
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

    /**
     * Per cluster, per namespace name, the namespace's Kubernetes labels, as namespace selectors read
     * them (also for trace's account of a selector that did not match).
     */
    public static Map<String, Map<String, Map<String, String>>> namespaceLabels(Collection<Pod> pods, Collection<Namespace> namespaces) {
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
