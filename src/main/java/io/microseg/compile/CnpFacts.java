package io.microseg.compile;

import io.microseg.facts.CnpNamedPort;
import io.microseg.facts.CnpRule;
import io.microseg.facts.CnpRules;
import io.microseg.facts.OutsideInterval;
import io.microseg.inventory.ClusterNetworkPolicy;
import io.microseg.inventory.ContainerPort;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.Namespace;
import io.microseg.inventory.Pod;
import io.microseg.net.Protocol;
import io.microseg.netpol.LabelSelector;
import io.microseg.netpol.NamedPortSelection;
import io.microseg.netpol.PodSelection;
import io.microseg.policy.Direction;
import io.microseg.policy.query.OutsideAddresses;
import io.microseg.policy.query.Query;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The facts of the inventory's ClusterNetworkPolicies: a {@link CnpRule} per peer and protocols entry of
 * each rule, a {@link CnpNamedPort} per number a destination named port means on the destination pods,
 * an {@link OutsideInterval} per CIDR of a networks peer, and the queries (subjects and pod peers as
 * {@link PodSelection}s over the namespaces their selectors select, networks as address queries,
 * named-port pods as {@link NamedPortSelection}s) whose selections the rules join on. Namespace labels
 * are those {@link NetpolFacts} judges NetworkPolicy namespace selectors on.
 */
public final class CnpFacts {
    private CnpFacts() {}

    private static final Query EVERY_WORKLOAD = Query.parse("*");

    public static NetpolFacts.Result of(Inventory inventory) {
        return of(inventory.clusterNetworkPolicies(), inventory.pods(), inventory.namespaces());
    }

    /** The facts of these policies, judged against these pods and namespaces (all of them, whole). */
    public static NetpolFacts.Result of(Collection<ClusterNetworkPolicy> policies, Collection<Pod> pods, Collection<Namespace> namespaces) {
        Set<Object> facts = new LinkedHashSet<>();
        Map<Selectors.Use, Query> uses = new LinkedHashMap<>();
        if (policies.isEmpty()) return new NetpolFacts.Result(facts, uses);
        String scope = Selectors.id(EVERY_WORKLOAD);
        uses.put(new Selectors.Use(scope, true), EVERY_WORKLOAD);
        Map<String, Map<String, Map<String, String>>> namespaceLabels = NetpolFacts.namespaceLabels(pods, namespaces);
        Map<String, Set<String>> hostNetwork = new HashMap<>();
        for (Pod p : pods) {
            if (p.hostNetwork()) hostNetwork.computeIfAbsent(p.cluster(), k -> new TreeSet<>()).add(p.namespace() + "/" + p.name());
        }
        for (ClusterNetworkPolicy cnp : policies) {
            Map<String, Map<String, String>> labels = namespaceLabels.getOrDefault(cnp.cluster(), Map.of());
            Set<String> excluded = hostNetwork.getOrDefault(cnp.cluster(), Set.of());
            PodSelection subject = selection(cnp.cluster(), cnp.subject(), labels, excluded);
            String subjectId = NetpolFacts.use(uses, subject);
            rules(cnp, Direction.INGRESS, cnp.ingress(), subject, subjectId, scope, labels, excluded, pods, uses, facts);
            rules(cnp, Direction.EGRESS, cnp.egress(), subject, subjectId, scope, labels, excluded, pods, uses, facts);
        }
        return new NetpolFacts.Result(facts, uses);
    }

    private static void rules(ClusterNetworkPolicy cnp, Direction direction, List<ClusterNetworkPolicy.Rule> rules, PodSelection subject,
                              String subjectId, String scope, Map<String, Map<String, String>> labels, Set<String> excluded,
                              Collection<Pod> pods, Map<Selectors.Use, Query> uses, Set<Object> facts) {
        String list = direction == Direction.INGRESS ? "ingress" : "egress";
        for (int i = 0; i < rules.size(); i++) {
            ClusterNetworkPolicy.Rule rule = rules.get(i);
            int priority = CnpRules.priority(cnp.priority(), i);
            String label = list + "[" + i + "]" + (rule.name().isEmpty() ? "" : " " + rule.name());
            for (ClusterNetworkPolicy.Peer peer : rule.peers()) {
                String peerId;
                boolean block = peer.networks() != null;
                PodSelection peerPods = null;
                if (block) {
                    Query q = networks(peer.networks());
                    peerId = NetpolFacts.use(uses, q);
                    for (String cidr : OutsideAddresses.of(q).cidrs()) facts.add(new OutsideInterval(peerId, cidr));
                } else {
                    peerPods = selection(cnp.cluster(), peer.pods(), labels, excluded);
                    peerId = NetpolFacts.use(uses, peerPods);
                }
                if (rule.ports().isEmpty()) {
                    facts.add(new CnpRule(cnp.id(), cnp.tier(), priority, rule.action(), direction, subjectId, scope, peerId, block,
                            Protocol.ANY, "", null, label));
                }
                for (ClusterNetworkPolicy.Port port : rule.ports()) {
                    if (port.name() == null) {
                        facts.add(new CnpRule(cnp.id(), cnp.tier(), priority, rule.action(), direction, subjectId, scope, peerId, block,
                                port.protocol(), port.ports(), null, label));
                        continue;
                    }
                    facts.add(new CnpRule(cnp.id(), cnp.tier(), priority, rule.action(), direction, subjectId, scope, peerId, block,
                            Protocol.ANY, "", port.name(), label));
                    // the destination pods: the subject's for ingress, the peer's for egress (a networks peer has no named ports)
                    PodSelection destination = direction == Direction.INGRESS ? subject : peerPods;
                    String over = direction == Direction.INGRESS ? subjectId : peerId;
                    if (destination != null) namedPorts(cnp, direction, destination, over, port.name(), pods, uses, facts);
                }
            }
        }
    }

    /**
     * Resolves a destination named port on each pod of {@code destination}: the number and protocol of its
     * container port of that name (the API's named port names no protocol). Pods on which it means the
     * same number and protocol form one {@link CnpNamedPort}; pods without it are in none.
     */
    private static void namedPorts(ClusterNetworkPolicy cnp, Direction direction, PodSelection destination, String over, String name,
                                   Collection<Pod> pods, Map<Selectors.Use, Query> uses, Set<Object> facts) {
        Map<String, Set<String>> byPort = new TreeMap<>();
        for (Pod p : pods) {
            if (!selects(destination, p)) continue;
            for (ContainerPort c : p.containerPorts()) {
                if (name.equals(c.name())) {
                    byPort.computeIfAbsent(c.protocol().name() + "/" + c.port(), k -> new TreeSet<>()).add(p.namespace() + "/" + p.name());
                    break;
                }
            }
        }
        byPort.forEach((key, names) -> {
            Protocol protocol = Protocol.valueOf(key.substring(0, key.indexOf('/')));
            int port = Integer.parseInt(key.substring(key.indexOf('/') + 1));
            String id = NetpolFacts.use(uses, new NamedPortSelection(destination, name, protocol, port, names));
            facts.add(new CnpNamedPort(cnp.id(), direction, over, name, protocol, port, id));
        });
    }

    /** Whether a pod is one a selection selects, judged on the pod itself (the named ports are read from its spec). */
    private static boolean selects(PodSelection s, Pod p) {
        return p.cluster().equals(s.cluster()) && s.namespaces().contains(p.namespace()) && !p.hostNetwork()
                && !s.excluded().contains(p.namespace() + "/" + p.name()) && s.pods().matches(PodSelection.kubernetesLabels(p.labels()));
    }

    /** The pods of a subject or peer: of the namespaces its namespace selector selects, that its pod selector selects. */
    private static PodSelection selection(String cluster, ClusterNetworkPolicy.Selection s, Map<String, Map<String, String>> labels,
                                          Set<String> excluded) {
        Set<String> namespaces = NetpolFacts.selected(s.namespaces(), labels);
        return new PodSelection(cluster, namespaces, s.pods() == null ? LabelSelector.EVERYTHING : s.pods(), excluded);
    }

    /** A networks peer as a query of the addresses of its CIDRs. */
    private static Query networks(List<String> cidrs) {
        StringBuilder text = new StringBuilder();
        for (String c : cidrs) text.append(text.isEmpty() ? "" : " OR ").append("address in subnet \"").append(c).append('"');
        return Query.parse(text.toString());
    }
}
