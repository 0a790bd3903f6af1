package io.microseg.engine;

import io.microseg.inventory.ClusterNetworkPolicy;
import io.microseg.inventory.ContainerPort;
import io.microseg.inventory.Endpoint;
import io.microseg.inventory.Host;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.Labels;
import io.microseg.inventory.Namespace;
import io.microseg.inventory.NetworkPolicy;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.inventory.ServiceType;
import io.microseg.inventory.SliceEndpoints;
import io.microseg.inventory.TargetPort;
import io.microseg.net.PortRange;
import io.microseg.net.Protocol;
import io.microseg.netpol.LabelSelector;
import io.microseg.policy.Action;
import io.microseg.policy.Policy;
import io.microseg.policy.PortSpec;
import io.microseg.policy.Rank;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.Query;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded generator of small but tangled clusters: few names, so that objects are often replaced
 * and deleted while others still refer to them (pods of services, nodes of pods, queries of
 * policies). Each call returns a new version of an object with one of the names.
 */
final class RandomInventory {
    static final List<String> CLUSTERS = List.of("c1", "c2");
    private static final List<String> QUERIES = List.of(
            "*", "orchestrator_app = web", "orchestrator_app = db", "orchestrator_system/service_name = s1",
            "orchestrator_system/service_name = s2 OR orchestrator_system/service_name = s3",
            "environment = production OR orchestrator_environment = production",
            "orchestrator_system/namespace = data", "orchestrator_system/workload_type = node",
            "orchestrator_system/cluster_name = c1", "NOT orchestrator_app = web", "address in subnet 10.1.0.0/16",
            "orchestrator_system/workload_type = node OR orchestrator_app = db",
            // outside addresses: a NOT that subtracts, and a subnet that holds no workload
            "address in subnet 0.0.0.0/0 AND NOT address in subnet 10.1.0.0/16", "address in subnet 192.0.2.0/24");
    private static final List<String> PORTS = List.of("TCP 80", "TCP 8080", "ANY", "UDP 53", "TCP 1-1000", "TCP 443", "ICMP");

    private Random random;
    /**
     * The draws of NetworkPolicies' egress: a generator of their own, so that every other object a seed
     * generates is what it was before egress existed (the check that every DRL rule is exercised counts on it).
     */
    private final Random egressRandom;
    /**
     * The draws of ClusterNetworkPolicies and of the changes made to them: a generator of their own, for
     * the same reason as {@link #egressRandom}.
     */
    private final Random cnpRandom;

    RandomInventory(long seed) {
        this.random = new Random(seed);
        this.egressRandom = new Random(seed * 31 + 7);
        this.cnpRandom = new Random(seed * 131 + 11);
    }

    /** A draw of the ClusterNetworkPolicies' own generator, for the changes made to them. */
    int cnpInt(int bound) {
        return cnpRandom.nextInt(bound);
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    InventoryObject anyObject() {
        return switch (random.nextInt(10)) {
            case 0 -> node();
            case 1 -> host();
            case 2, 3 -> service();
            case 4 -> slice();
            default -> pod();
        };
    }

    /** As {@link #anyObject}, or now and then a Namespace or a NetworkPolicy. */
    InventoryObject anyObjectOrNetworkPolicy() {
        return switch (random.nextInt(12)) {
            case 0 -> namespace();
            case 1 -> networkPolicy();
            default -> anyObject();
        };
    }

    private String cluster() {
        return pick(CLUSTERS);
    }

    private int c(String cluster) {
        return CLUSTERS.indexOf(cluster) + 1;
    }

    Node node() {
        String cluster = cluster();
        int i = random.nextInt(3);
        Labels labels = k8sLabels(Map.of("zone", pick(List.of("a", "b"))), cluster, "node", Map.of(LabelKeys.NODE_NAME, "n" + i));
        return new Node(cluster, "n" + i, labels, List.of("10." + c(cluster) + ".0." + (i + 1)));
    }

    Host host() {
        int i = random.nextInt(4);
        return new Host("h" + i, new Labels(Map.of("environment", pick(List.of("production", "development")))),
                List.of("192.168.0." + (i + 1)));
    }

    Pod pod() {
        String cluster = cluster();
        int i = random.nextInt(12);
        String ns = i % 2 == 0 ? "web" : "data";
        String node = "n" + random.nextInt(3);
        boolean hostNetwork = random.nextInt(10) == 0;
        List<String> ips = random.nextInt(8) == 0 ? List.of()
                : hostNetwork ? List.of("10." + c(cluster) + ".0." + (node.charAt(1) - '0' + 1))
                : random.nextInt(5) == 0 ? List.of("10." + c(cluster) + ".1." + (i + 1), "fd00:" + c(cluster) + "::" + (i + 1))
                : random.nextInt(10) == 0 ? List.of("10." + c(cluster) + ".1.99") // an address two pods may claim
                : List.of("10." + c(cluster) + ".1." + (i + 1));
        Map<String, String> k8s = new HashMap<>();
        k8s.put("app", pick(List.of("web", "db", "cache")));
        if (random.nextBoolean()) k8s.put("environment", pick(List.of("production", "development")));
        Labels labels = k8sLabels(k8s, cluster, "pod", Map.of(LabelKeys.NAMESPACE, ns, LabelKeys.POD_NAME, "p" + i,
                LabelKeys.NODE_NAME, node));
        List<ContainerPort> ports = random.nextInt(4) == 0 ? List.of()
                : List.of(new ContainerPort("http", pick(List.of(8080, 9090)), Protocol.TCP));
        return new Pod(cluster, ns, "p" + i, node, ips, hostNetwork, random.nextInt(6) != 0, labels, ports);
    }

    Service service() {
        String cluster = cluster();
        int i = random.nextInt(5);
        String ns = i % 2 == 0 ? "web" : "data";
        ServiceType type = pick(List.of(ServiceType.values()));
        boolean headless = type == ServiceType.ClusterIP && random.nextInt(3) == 0;
        List<String> clusterIps = type == ServiceType.ExternalName || headless ? List.of() : List.of("10.96." + c(cluster) + "." + (i + 1));
        List<String> lb = type == ServiceType.LoadBalancer && random.nextBoolean() ? List.of("172.16." + c(cluster) + "." + (i + 1)) : List.of();
        boolean nodePorts = (type == ServiceType.NodePort || type == ServiceType.LoadBalancer) && random.nextInt(4) != 0;
        List<ServicePort> ports = new ArrayList<>();
        int n = 1 + random.nextInt(2);
        for (int p = 0; p < n; p++) {
            TargetPort target = random.nextBoolean() ? TargetPort.named("http") : TargetPort.of(pick(List.of(8080, 9090, 53)));
            Protocol proto = random.nextInt(5) == 0 ? Protocol.UDP : Protocol.TCP;
            ports.add(new ServicePort(n == 1 ? null : "port" + p, proto, p == 0 ? 80 : 443, target, nodePorts ? 30000 + i * 10 + p : null));
        }
        Map<String, String> selector = random.nextInt(5) == 0 ? null : Map.of("app", pick(List.of("web", "db", "cache")));
        Labels labels = k8sLabels(Map.of(), cluster, "service", Map.of(LabelKeys.NAMESPACE, ns, LabelKeys.SERVICE_NAME, "s" + i,
                LabelKeys.SERVICE_TYPE, type.name()));
        return new Service(cluster, ns, "s" + i, type, clusterIps, lb, selector, ports, random.nextInt(4) == 0, labels);
    }

    SliceEndpoints slice() {
        String cluster = cluster();
        int i = random.nextInt(5);
        String ns = i % 2 == 0 ? "web" : "data";
        List<Endpoint> endpoints = new ArrayList<>();
        for (int e = random.nextInt(3); e > 0; e--) {
            int pod = random.nextInt(12);
            boolean isPod = random.nextBoolean();
            endpoints.add(new Endpoint(cluster, ns, "s" + i, "", Protocol.TCP, pick(List.of(8080, 9090)),
                    isPod ? "10." + c(cluster) + ".1." + (pod + 1) : "203.0.113." + (pod + 1), isPod ? "p" + pod : null));
        }
        return new SliceEndpoints(cluster, ns, "s" + i + "-x", "s" + i, endpoints);
    }

    Namespace namespace() {
        String cluster = cluster();
        String ns = pick(List.of("web", "data"));
        Map<String, String> k8s = random.nextBoolean() ? Map.of("team", pick(List.of("a", "b"))) : Map.of();
        return new Namespace(cluster, ns, k8sLabels(k8s, cluster, "namespace", Map.of(LabelKeys.NAMESPACE, ns)));
    }

    /**
     * A NetworkPolicy of a few names, over the pods' app label and the namespaces' team label, ipBlocks over the
     * pods' addresses, named ports and ranges; one in three isolates for egress too, with egress rules of the same kinds.
     */
    NetworkPolicy networkPolicy() {
        String cluster = cluster();
        String ns = pick(List.of("web", "data"));
        List<NetworkPolicy.IngressRule> rules = new ArrayList<>();
        for (int r = random.nextInt(3); r > 0; r--) rules.add(new NetworkPolicy.IngressRule(peers(cluster), ports()));
        String name = "np" + random.nextInt(3);
        LabelSelector subject = selector("app", List.of("web", "db"));
        boolean ingress = random.nextInt(5) != 0;
        Random main = random;
        random = egressRandom;
        try {
            if (random.nextInt(3) != 0) return new NetworkPolicy(cluster, ns, name, subject, ingress, rules);
            List<NetworkPolicy.EgressRule> egress = new ArrayList<>();
            for (int r = random.nextInt(3); r > 0; r--) egress.add(new NetworkPolicy.EgressRule(peers(cluster), ports()));
            return new NetworkPolicy(cluster, ns, name, subject, ingress, ingress ? rules : List.of(), true, egress);
        } finally {
            random = main;
        }
    }

    private List<NetworkPolicy.Peer> peers(String cluster) {
        List<NetworkPolicy.Peer> peers = new ArrayList<>();
        for (int f = random.nextInt(3); f > 0; f--) {
            if (random.nextInt(4) == 0) { // an ipBlock over the pods' addresses, with or without a hole
                boolean v6 = c(cluster) % 2 == 0; // IPv6 blocks in every other cluster: no extra draw
                String cidr = v6 ? "fd00:" + c(cluster) + "::/64" : "10." + c(cluster) + ".1.0/24";
                List<String> except = random.nextBoolean() ? List.of() : List.of(v6
                        ? "fd00:" + c(cluster) + "::" + random.nextInt(12) + "/127"
                        : "10." + c(cluster) + ".1." + random.nextInt(12) + "/31");
                peers.add(new NetworkPolicy.Peer(null, null, new NetworkPolicy.IpBlock(cidr, except)));
                continue;
            }
            LabelSelector pods = random.nextInt(3) == 0 ? null : selector("app", List.of("web", "db", "cache"));
            LabelSelector namespaces = random.nextInt(3) == 0 ? selector("team", List.of("a", "b"))
                    : pods == null ? LabelSelector.EVERYTHING : null;
            peers.add(new NetworkPolicy.Peer(pods, namespaces));
        }
        return peers;
    }

    private List<NetworkPolicy.Port> ports() {
        List<NetworkPolicy.Port> ports = new ArrayList<>();
        for (int k = random.nextInt(3); k > 0; k--) {
            Protocol protocol = random.nextInt(4) == 0 ? Protocol.UDP : Protocol.TCP;
            ports.add(switch (random.nextInt(4)) {
                case 0 -> new NetworkPolicy.Port(protocol, 0, 0, "http"); // the pods' named container port
                case 1 -> new NetworkPolicy.Port(protocol, 8000, 9000, null);
                default -> new NetworkPolicy.Port(protocol, pick(List.of(0, 80, 8080, 53)));
            });
        }
        return ports;
    }

    /** Peer kinds of a ClusterNetworkPolicy rule; networks only in egress, as the API has it. */
    static final List<String> CNP_PEERS = List.of("namespaces", "pods", "networks");
    /** Protocols kinds of a ClusterNetworkPolicy rule: none (all traffic), port numbers, a range, a destination named port. */
    static final List<String> CNP_PORTS = List.of("all", "number", "range", "named");

    /**
     * A ClusterNetworkPolicy of a few names per cluster, in either tier, at one of three priorities (so
     * that ties between policies happen), its subject by namespaces (the team label) or by pods (the app
     * label, in every namespace or those of a team), with up to three ingress and three egress rules
     * of each action. Each rule has peers of one kind and protocols of one kind, and is named after them
     * ({@code ns-pods-named}: subject by namespaces, pod peers, a named port), so that the test can
     * tell which kinds made firewall rules.
     */
    ClusterNetworkPolicy clusterNetworkPolicy() {
        Random main = random;
        random = cnpRandom;
        try {
            String cluster = cluster();
            boolean byNamespaces = random.nextInt(3) == 0;
            ClusterNetworkPolicy.Selection subject = byNamespaces
                    ? new ClusterNetworkPolicy.Selection(selector("team", List.of("a", "b")), null)
                    : new ClusterNetworkPolicy.Selection(random.nextBoolean() ? LabelSelector.EVERYTHING : selector("team", List.of("a", "b")),
                            selector("app", List.of("web", "db", "cache")));
            String subjectKind = byNamespaces ? "ns" : "pods";
            return new ClusterNetworkPolicy(cluster, "cnp" + random.nextInt(4), random.nextBoolean() ? Rank.ADMIN : Rank.BASELINE,
                    random.nextInt(3), subject, cnpRules(cluster, subjectKind, true), cnpRules(cluster, subjectKind, false));
        } finally {
            random = main;
        }
    }

    private List<ClusterNetworkPolicy.Rule> cnpRules(String cluster, String subjectKind, boolean ingress) {
        List<ClusterNetworkPolicy.Rule> rules = new ArrayList<>();
        for (int r = random.nextInt(4); r > 0; r--) {
            Action action = pick(List.of(Action.ALLOW, Action.DENY, Action.PASS));
            String peerKind = CNP_PEERS.get(random.nextInt(ingress ? 2 : 3));
            List<ClusterNetworkPolicy.Peer> peers = new ArrayList<>();
            for (int n = 1 + random.nextInt(2); n > 0; n--) {
                peers.add(switch (peerKind) {
                    case "namespaces" -> new ClusterNetworkPolicy.Peer(
                            new ClusterNetworkPolicy.Selection(selector("team", List.of("a", "b")), null), null);
                    case "pods" -> new ClusterNetworkPolicy.Peer(new ClusterNetworkPolicy.Selection(
                            random.nextBoolean() ? LabelSelector.EVERYTHING : selector("team", List.of("a", "b")),
                            selector("app", List.of("web", "db", "cache"))), null);
                    default -> new ClusterNetworkPolicy.Peer(null, List.of(pick(List.of("10." + c(cluster) + ".1.0/28",
                            "10." + c(cluster) + ".0.0/16", "fd00:" + c(cluster) + "::/64", "192.0.2.0/24", "0.0.0.0/0"))));
                });
            }
            // a networks peer has no named ports (the reading refuses the pair)
            String portKind = CNP_PORTS.get(random.nextInt(peerKind.equals("networks") ? 3 : 4));
            List<ClusterNetworkPolicy.Port> ports = new ArrayList<>();
            switch (portKind) {
                case "number" -> {
                    for (int k = 1 + random.nextInt(2); k > 0; k--) {
                        int port = pick(List.of(80, 8080, 53, 9090));
                        ports.add(new ClusterNetworkPolicy.Port(port == 53 ? Protocol.UDP : pick(List.of(Protocol.TCP, Protocol.SCTP)), port, port, null));
                    }
                }
                case "range" -> ports.add(new ClusterNetworkPolicy.Port(Protocol.TCP, 8000, 9000, null));
                case "named" -> ports.add(new ClusterNetworkPolicy.Port(null, 0, 0, "http"));
                default -> { } // all traffic
            }
            rules.add(new ClusterNetworkPolicy.Rule(subjectKind + "-" + peerKind + "-" + portKind, action, peers, ports));
        }
        return rules;
    }

    private LabelSelector selector(String key, List<String> values) {
        return switch (random.nextInt(4)) {
            case 0 -> LabelSelector.EVERYTHING;
            case 1 -> new LabelSelector(Map.of(key, pick(values)), List.of());
            case 2 -> new LabelSelector(Map.of(), List.of(new LabelSelector.Requirement(key, LabelSelector.Operator.NotIn, List.of(pick(values)))));
            default -> new LabelSelector(Map.of(), List.of(new LabelSelector.Requirement(key, LabelSelector.Operator.Exists, List.of())));
        };
    }

    Workspace workspace() {
        int w = random.nextInt(3);
        List<Policy> policies = new ArrayList<>();
        for (int p = random.nextInt(4); p > 0; p--) {
            List<PortSpec> ports = new ArrayList<>();
            for (int k = 1 + random.nextInt(2); k > 0; k--) ports.add(port(pick(PORTS)));
            policies.add(new Policy("p" + p, Query.parse(pick(QUERIES)), Query.parse(pick(QUERIES)), ports,
                    random.nextInt(4) == 0 ? Action.DENY : Action.ALLOW,
                    random.nextBoolean() ? Rank.DEFAULT : Rank.ABSOLUTE, 10 * random.nextInt(3)));
        }
        return new Workspace("w" + w, Query.parse(pick(QUERIES)), random.nextBoolean() ? Action.ALLOW : Action.DENY,
                random.nextBoolean() ? Action.ALLOW : Action.DENY, policies, "random");
    }

    private static PortSpec port(String text) {
        String[] parts = text.split(" ");
        Protocol protocol = Protocol.parse(parts[0]).orElseThrow();
        if (parts.length == 1) return new PortSpec(protocol, PortRange.NONE);
        String[] range = parts[1].split("-");
        int from = Integer.parseInt(range[0]);
        return new PortSpec(protocol, new PortRange(from, range.length > 1 ? Integer.parseInt(range[1]) : from));
    }

    private static Labels k8sLabels(Map<String, String> k8s, String cluster, String type, Map<String, String> system) {
        Map<String, String> all = new HashMap<>();
        k8s.forEach((k, v) -> all.put(LabelKeys.imported(k), v));
        all.put(LabelKeys.CLUSTER_NAME, cluster);
        all.put(LabelKeys.WORKLOAD_TYPE, type);
        all.putAll(system);
        return new Labels(all);
    }
}
