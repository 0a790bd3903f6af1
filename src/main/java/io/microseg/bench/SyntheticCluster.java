package io.microseg.bench;

import io.microseg.inventory.ContainerPort;
import io.microseg.inventory.Endpoint;
import io.microseg.inventory.Host;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.Labels;
import io.microseg.inventory.Namespace;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.inventory.ServiceType;
import io.microseg.inventory.SliceEndpoints;
import io.microseg.inventory.TargetPort;
import io.microseg.net.Protocol;
import io.microseg.policy.Workspace;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded, realistic Kubernetes cluster ("prod") with hosts around it, built directly as inventory
 * records (as the translator would produce them) and workspaces, for benchmarks.
 *
 * <p>What it looks like, so that figures can be judged:
 * <ul>
 *   <li>nodes in three zones and three pools; 2% of them also described by a Host (host labels merge
 *       into the node); standalone hosts (databases, backup, bastion, monitoring, CI), one per 50 nodes;</li>
 *   <li>about 300 pods per namespace; ten namespaces per team; each namespace has one environment
 *       (60% production, 25% staging, 15% development);</li>
 *   <li>one deployment per service, replicas skewed (log-normal: many small, a few large), pods spread
 *       evenly over nodes; 1% pending (no IP yet), 2% not ready; a hostNetwork node-exporter on every
 *       node when there are at least four pods per node;</li>
 *   <li>services: 5% without selector, backed by an EndpointSlice of external addresses; 2%
 *       ExternalName; of the rest 6% NodePort, 4% LoadBalancer, 90% ClusterIP (8% of them
 *       headless); target ports named ({@code http}) or numbered, some with a second {@code metrics} port;</li>
 *   <li>policies (see {@link SyntheticPolicies}): mostly one app to one service, some per namespace,
 *       tier or team, a few DENY, a few from hosts, and node-port policies in an edge workspace whose
 *       scope includes the nodes.</li>
 * </ul>
 */
public final class SyntheticCluster {
    static final String CLUSTER = "prod";
    private static final String[] ZONES = {"zone-a", "zone-b", "zone-c"};
    private static final String[] POOLS = {"general", "general", "highmem"};
    private static final String[] TIERS = {"frontend", "backend", "backend", "db", "cache"};
    private static final String[] HOST_ROLES = {"db", "backup", "bastion", "monitoring", "ci"};

    final Random random;
    final Addressing addresses = new Addressing();
    final List<Node> nodes = new ArrayList<>();
    final List<Host> hosts = new ArrayList<>();
    final List<Namespace> namespaces = new ArrayList<>();
    final List<Deployment> deployments = new ArrayList<>();
    final Map<String, Pod> pods = new LinkedHashMap<>();
    final Map<String, Service> services = new LinkedHashMap<>();
    /** The deployment behind each service with a selector, by service id. */
    final Map<String, Deployment> backing = new HashMap<>();
    final Map<String, SliceEndpoints> slices = new LinkedHashMap<>();
    final List<Workspace> workspaces = new ArrayList<>();
    private final Map<String, String> environmentOf = new HashMap<>();
    private final Map<String, String> teamOf = new HashMap<>();
    private int nodePorts;
    private int podSerial;

    private SyntheticCluster(long seed) {
        this.random = new Random(seed);
    }

    public static SyntheticCluster generate(ClusterShape shape, long seed) {
        SyntheticCluster c = new SyntheticCluster(seed);
        if (shape.antrea()) {
            AntreaShape.populate(c, shape);
        } else {
            c.populate(shape);
            SyntheticPolicies.populate(c, shape.policies());
        }
        return c;
    }

    /** Every inventory object, as one source would deliver them. */
    public List<InventoryObject> objects() {
        List<InventoryObject> all = new ArrayList<>(nodes);
        all.addAll(hosts);
        all.addAll(namespaces);
        all.addAll(pods.values());
        all.addAll(services.values());
        all.addAll(slices.values());
        return all;
    }

    public List<Workspace> workspaces() {
        return List.copyOf(workspaces);
    }

    public int podCount() {
        return pods.size();
    }

    private void populate(ClusterShape shape) {
        for (int i = 0; i < shape.nodes(); i++) addNode(i);
        for (int i = 0; i < Math.max(3, shape.nodes() / 50); i++) addHost(i);
        int teams = Math.max(1, shape.namespaces() / 10);
        for (int i = 0; i < shape.namespaces(); i++) {
            double r = random.nextDouble();
            String env = r < 0.60 ? "production" : r < 0.85 ? "staging" : "development";
            addNamespace(String.format("ns-%05d", i + 1), env, String.format("team-%03d", i % teams + 1));
        }

        int pods = shape.pods();
        if (pods >= 4 * shape.nodes()) {
            addNamespace("monitoring", "production", "platform");
            Deployment exporter = new Deployment("monitoring", "node-exporter", "backend", "production", "platform",
                    hash(), List.of(new ContainerPort("metrics", 9100, Protocol.TCP)), false);
            for (Node n : nodes) addPod(exporter, n, true);
            pods -= nodes.size();
        }

        int withoutSelector = shape.services() / 20;
        int externalNames = shape.services() / 50;
        int selected = Math.max(0, shape.services() - withoutSelector - externalNames);
        int deploymentCount = Math.max(1, Math.min(pods, selected));
        List<ServiceType> types = new ArrayList<>();
        for (int i = 0; i < deploymentCount; i++) {
            double r = random.nextDouble();
            ServiceType type = i >= selected ? null
                    : r < 0.06 ? ServiceType.NodePort : r < 0.10 ? ServiceType.LoadBalancer : ServiceType.ClusterIP;
            types.add(type);
            // The pods behind a node port are labelled as exposed, which the edge workspace's scope selects.
            deployments.add(newDeployment(i, type == ServiceType.NodePort || type == ServiceType.LoadBalancer));
        }
        int[] replicas = replicas(deploymentCount, pods);
        for (int i = 0; i < deploymentCount; i++) {
            for (int r = 0; r < replicas[i]; r++) addPod(deployments.get(i));
        }
        for (int i = 0; i < deploymentCount; i++) {
            if (types.get(i) != null) addService(deployments.get(i), types.get(i));
        }
        for (int i = 0; i < withoutSelector; i++) addExternalService(i);
        for (int i = 0; i < externalNames; i++) addExternalName(i);
    }

    // ---- nodes and hosts

    private void addNode(int i) {
        String name = String.format("node-%05d", i + 1);
        String ip = addresses.node();
        Labels labels = kube(Map.of("topology.kubernetes.io/zone", ZONES[i % ZONES.length], "pool", POOLS[i % POOLS.length],
                "kubernetes.io/os", "linux"), Map.of(LabelKeys.NODE_NAME, name, LabelKeys.WORKLOAD_TYPE, "node"));
        nodes.add(new Node(CLUSTER, name, labels, List.of(ip)));
        if (i % 50 == 7) {
            // The machine under this node is also known as a host: its labels join the node's.
            hosts.add(new Host("k8s-" + name, new Labels(Map.of("environment", "production", "datacenter", "dc1",
                    "role", "k8s-node")), List.of(ip)));
        }
    }

    private void addHost(int i) {
        String role = HOST_ROLES[i % HOST_ROLES.length];
        hosts.add(new Host(String.format("%s-%03d", role, i + 1), new Labels(Map.of(
                "environment", i % 3 == 2 ? "staging" : "production", "role", role, "datacenter", i % 2 == 0 ? "dc1" : "dc2")),
                List.of(addresses.host())));
    }

    private void addNamespace(String name, String environment, String team) {
        environmentOf.put(name, environment);
        teamOf.put(name, team);
        namespaces.add(new Namespace(CLUSTER, name, kube(Map.of("environment", environment, "team", team),
                Map.of(LabelKeys.NAMESPACE, name))));
    }

    // ---- deployments and pods

    private Deployment newDeployment(int i, boolean exposed) {
        Namespace ns = namespaces.get(random.nextInt(namespaces.size()));
        while (ns.name().equals("monitoring")) ns = namespaces.get(random.nextInt(namespaces.size()));
        String tier = TIERS[random.nextInt(TIERS.length)];
        List<ContainerPort> ports = switch (tier) {
            case "db" -> List.of(new ContainerPort("db", 5432, Protocol.TCP));
            case "cache" -> List.of(new ContainerPort("redis", 6379, Protocol.TCP));
            default -> List.of(new ContainerPort("http", random.nextBoolean() ? 8080 : 8000, Protocol.TCP),
                    new ContainerPort("metrics", 9090, Protocol.TCP));
        };
        return new Deployment(ns.name(), String.format("%s-%05d", tier, i + 1), tier, environmentOf.get(ns.name()),
                teamOf.get(ns.name()), hash(), ports, exposed);
    }

    /** Replicas per deployment: at least one each, the rest log-normally skewed, summing to {@code pods}. */
    private int[] replicas(int deployments, int pods) {
        int[] r = new int[deployments];
        double[] w = new double[deployments];
        double total = 0;
        for (int i = 0; i < deployments; i++) total += w[i] = Math.exp(random.nextGaussian());
        int left = pods - deployments;
        int given = 0;
        for (int i = 0; i < deployments; i++) {
            r[i] = 1 + (int) Math.floor(Math.max(0, left) * w[i] / total);
            given += r[i];
        }
        while (given < pods) {
            r[random.nextInt(deployments)]++;
            given++;
        }
        return r;
    }

    /** A new pod of a deployment on a random node, as the scheduler would place it. */
    Pod addPod(Deployment d) {
        return addPod(d, nodes.get(random.nextInt(nodes.size())), false);
    }

    private Pod addPod(Deployment d, Node placed, boolean hostNetwork) {
        String node = placed.name();
        double r = random.nextDouble();
        boolean pending = !hostNetwork && r < 0.01;
        String name = d.app() + "-" + d.templateHash() + "-" + suffix();
        List<String> ips = pending ? List.of()
                : hostNetwork ? placed.ips()
                : List.of(addresses.pod());
        Pod pod = new Pod(CLUSTER, d.namespace(), name, pending ? null : node, ips, hostNetwork, !pending && r > 0.03,
                podLabels(d, name, pending ? null : node), d.ports());
        pods.put(pod.key(), pod);
        return pod;
    }

    static Labels podLabels(Deployment d, String name, String node) {
        Map<String, String> k8s = new HashMap<>();
        k8s.put("app", d.app());
        k8s.put("tier", d.tier());
        k8s.put("environment", d.environment());
        k8s.put("team", d.team());
        k8s.put("pod-template-hash", d.templateHash());
        if (d.exposed()) k8s.put("exposure", "public");
        Map<String, String> system = new HashMap<>();
        system.put(LabelKeys.NAMESPACE, d.namespace());
        system.put(LabelKeys.POD_NAME, name);
        system.put(LabelKeys.WORKLOAD_TYPE, "pod");
        if (node != null) system.put(LabelKeys.NODE_NAME, node);
        return kube(k8s, system);
    }

    // ---- services

    private void addService(Deployment d, ServiceType type) {
        boolean headless = type == ServiceType.ClusterIP && random.nextInt(100) < 8;
        Service s = service(d, type, headless, random.nextInt(100) < 20);
        services.put(s.id(), s);
        backing.put(s.id(), d);
    }

    /** A service of a deployment with this type; node ports are allocated anew. */
    Service service(Deployment d, ServiceType type, boolean headless, boolean local) {
        boolean nodePort = type == ServiceType.NodePort || type == ServiceType.LoadBalancer;
        List<ServicePort> ports = new ArrayList<>();
        ContainerPort main = d.ports().get(0);
        boolean named = random.nextInt(100) < 60;
        TargetPort target = named ? TargetPort.named(main.name()) : TargetPort.of(main.port());
        int port = main.name().equals("http") ? 80 : main.port();
        boolean metrics = d.ports().size() > 1 && random.nextInt(100) < 30;
        ports.add(new ServicePort(metrics ? main.name() : null, Protocol.TCP, port, target, nodePort ? nextNodePort() : null));
        if (metrics) ports.add(new ServicePort("metrics", Protocol.TCP, 9090, TargetPort.named("metrics"), nodePort ? nextNodePort() : null));
        List<String> clusterIps = headless ? List.of() : List.of(addresses.clusterIp());
        List<String> lb = type == ServiceType.LoadBalancer && random.nextInt(10) != 0 ? List.of(addresses.loadBalancer()) : List.of();
        return new Service(CLUSTER, d.namespace(), d.app(), type, clusterIps, lb, Map.of("app", d.app()), ports,
                nodePort && local, serviceLabels(d.namespace(), d.app(), type, Map.of("app", d.app(), "team", d.team())));
    }

    private int nextNodePort() {
        return 30000 + (nodePorts++ % 2768);
    }

    /** A service without a selector, for a database outside the cluster: its slice lists the addresses. */
    private void addExternalService(int i) {
        Namespace ns = namespaces.get(i % namespaces.size());
        String name = String.format("external-db-%04d", i + 1);
        Service s = new Service(CLUSTER, ns.name(), name, ServiceType.ClusterIP, List.of(addresses.clusterIp()), List.of(), null,
                List.of(new ServicePort(null, Protocol.TCP, 5432, TargetPort.of(5432), null)), false,
                serviceLabels(ns.name(), name, ServiceType.ClusterIP, Map.of("team", teamOf.get(ns.name()))));
        services.put(s.id(), s);
        List<Endpoint> endpoints = new ArrayList<>();
        for (int e = 0; e < 2 + random.nextInt(3); e++) endpoints.add(externalEndpoint(s, addresses.external()));
        SliceEndpoints slice = new SliceEndpoints(CLUSTER, ns.name(), name + "-x1", name, endpoints);
        slices.put(slice.key(), slice);
    }

    static Endpoint externalEndpoint(Service s, String ip) {
        return new Endpoint(CLUSTER, s.namespace(), s.name(), "", Protocol.TCP, 5432, ip, null);
    }

    private void addExternalName(int i) {
        Namespace ns = namespaces.get(i % namespaces.size());
        String name = String.format("alias-%04d", i + 1);
        Service s = new Service(CLUSTER, ns.name(), name, ServiceType.ExternalName, List.of(), List.of(), null,
                List.of(new ServicePort(null, Protocol.TCP, 443, TargetPort.of(443), null)), false,
                serviceLabels(ns.name(), name, ServiceType.ExternalName, Map.of("team", teamOf.get(ns.name()))));
        services.put(s.id(), s);
    }

    static Labels serviceLabels(String namespace, String name, ServiceType type, Map<String, String> k8s) {
        return kube(k8s, Map.of(LabelKeys.NAMESPACE, namespace, LabelKeys.SERVICE_NAME, name,
                LabelKeys.WORKLOAD_TYPE, "service", LabelKeys.SERVICE_TYPE, type.name()));
    }

    // ---- shared

    /** Kubernetes labels under the orchestrator_ prefix plus the system labels, as the translator imports them. */
    static Labels kube(Map<String, String> k8s, Map<String, String> system) {
        Map<String, String> all = new HashMap<>();
        k8s.forEach((k, v) -> all.put(LabelKeys.imported(k), v));
        all.put(LabelKeys.CLUSTER_NAME, CLUSTER);
        all.putAll(system);
        return new Labels(all);
    }

    String hash() {
        return Integer.toString(0x10000000 + random.nextInt(0x6fffffff), 36).substring(0, 6);
    }

    /** Unique per pod (as the ReplicaSet controller's random suffixes are, in practice). */
    String suffix() {
        String s = Integer.toString(podSerial++, 36);
        return "00000".substring(Math.min(5, s.length())) + s;
    }

    String environmentOf(String namespace) {
        return environmentOf.get(namespace);
    }

    String teamOf(String namespace) {
        return teamOf.get(namespace);
    }
}
