package io.microseg.inventory;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.microseg.net.Addresses;
import io.microseg.net.Protocol;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Turns the Kubernetes objects of one cluster into inventory records, one object at a time, so that
 * the folder reader and live informers share it. Objects that cannot be compiled into rules (a port
 * out of range, an address that is not an IP) are rejected with {@link Rejected}, which names the
 * field and what was expected; nothing here knows about files.
 */
public final class KubeTranslator {

    /** An object this translator refuses; an {@link IllegalArgumentException} so informers can treat it as such. */
    public static final class Rejected extends IllegalArgumentException {
        private final String object;
        private final String field;
        private final String expected;

        Rejected(String object, String field, String expected) {
            super(object + ": field " + field + ": " + expected);
            this.object = object;
            this.field = field;
            this.expected = expected;
        }

        /** "Service web/db": the object as error messages name it. */
        public String object() { return object; }

        /** The offending field as a path: {@code spec.ports[0].port}. */
        public String field() { return field; }

        /** What was expected there, and what was found. */
        public String expected() { return expected; }
    }

    private static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** IANA_SVC_NAME, which the API server requires of port names a targetPort refers to. */
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");

    private final String cluster;

    public KubeTranslator(String cluster) {
        if (cluster == null || cluster.isBlank() || cluster.contains("/")) {
            throw new IllegalArgumentException("a cluster name must be non-blank and without '/', got '" + cluster + "'");
        }
        this.cluster = cluster;
    }

    public String cluster() {
        return cluster;
    }

    public Node node(io.fabric8.kubernetes.api.model.Node node) {
        Subject at = subject("Node", node, false);
        List<String> ips = new ArrayList<>();
        List<NodeAddress> addresses = node.getStatus() == null ? null : node.getStatus().getAddresses();
        // InternalIP and ExternalIP only: Hostname and InternalDNS entries are names, not addresses.
        // Dual-stack nodes list one of each family; all of them are the node's.
        forEach(addresses, (address, i) -> {
            if ("InternalIP".equals(address.getType()) || "ExternalIP".equals(address.getType())) {
                ips.add(at.ip("status.addresses[" + i + "].address", address.getAddress()));
            }
        });
        Labels labels = importedLabels(at, node.getMetadata())
                .with(LabelKeys.CLUSTER_NAME, cluster)
                .with(LabelKeys.NODE_NAME, at.name)
                .with(LabelKeys.WORKLOAD_TYPE, "node");
        return new Node(cluster, at.name, labels, distinct(ips));
    }

    public Pod pod(io.fabric8.kubernetes.api.model.Pod pod) {
        Subject at = subject("Pod", pod, true);
        PodSpec spec = pod.getSpec() == null ? new PodSpec() : pod.getSpec();
        PodStatus status = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        boolean hostNetwork = Boolean.TRUE.equals(spec.getHostNetwork());
        String nodeName = blankToNull(spec.getNodeName());
        // A pod in phase Succeeded or Failed has stopped for good (a completed Job, an evicted pod),
        // yet its status keeps podIP, an address the network may already have given to a new pod:
        // it is no workload, gives no address to any set and backs no service.
        List<String> ips = finished(status) ? List.of() : podIps(at, status, hostNetwork);

        Labels labels = importedLabels(at, pod.getMetadata())
                .with(LabelKeys.CLUSTER_NAME, cluster)
                .with(LabelKeys.NAMESPACE, at.namespace)
                .with(LabelKeys.POD_NAME, at.name)
                .with(LabelKeys.WORKLOAD_TYPE, "pod");
        if (nodeName != null) labels = labels.with(LabelKeys.NODE_NAME, nodeName);
        boolean ready = pod.getMetadata().getDeletionTimestamp() == null && ready(status, ips);
        return new Pod(cluster, at.namespace, at.name, nodeName, ips, hostNetwork, ready, labels, containerPorts(at, spec));
    }

    public Service service(io.fabric8.kubernetes.api.model.Service service) {
        Subject at = subject("Service", service, true);
        ServiceSpec spec = service.getSpec();
        // The API server fills a spec in (type, clusterIP); without one there is nothing to say what the service is.
        if (spec == null) throw at.reject("spec", "expected the service's spec (its ports, selector and clusterIP), found none");
        ServiceType type = serviceType(at, spec.getType());
        List<String> clusterIps = clusterIps(at, spec, type);
        List<String> lbIps = new ArrayList<>();
        if (type == ServiceType.LoadBalancer && service.getStatus() != null && service.getStatus().getLoadBalancer() != null) {
            // Ingress entries with only a hostname (cloud load balancers known by DNS name) have no IP to write a rule for.
            forEach(service.getStatus().getLoadBalancer().getIngress(), (LoadBalancerIngress ingress, Integer i) -> {
                if (ingress.getIp() != null) lbIps.add(at.ip("status.loadBalancer.ingress[" + i + "].ip", ingress.getIp()));
            });
        }
        Map<String, String> selector = selector(spec.getSelector());
        boolean nodePorts = type == ServiceType.NodePort
                || (type == ServiceType.LoadBalancer && !Boolean.FALSE.equals(spec.getAllocateLoadBalancerNodePorts()));
        boolean externalTrafficLocal = (type == ServiceType.NodePort || type == ServiceType.LoadBalancer)
                && "Local".equals(spec.getExternalTrafficPolicy());
        Labels labels = importedLabels(at, service.getMetadata())
                .with(LabelKeys.CLUSTER_NAME, cluster)
                .with(LabelKeys.NAMESPACE, at.namespace)
                .with(LabelKeys.SERVICE_NAME, at.name)
                .with(LabelKeys.WORKLOAD_TYPE, "service")
                .with(LabelKeys.SERVICE_TYPE, type.name());
        return new Service(cluster, at.namespace, at.name, type, clusterIps, distinct(lbIps), selector,
                servicePorts(at, spec.getPorts(), nodePorts), externalTrafficLocal, labels);
    }

    public Namespace namespace(io.fabric8.kubernetes.api.model.Namespace namespace) {
        Subject at = subject("Namespace", namespace, false);
        Labels labels = importedLabels(at, namespace.getMetadata())
                .with(LabelKeys.CLUSTER_NAME, cluster)
                .with(LabelKeys.NAMESPACE, at.name);
        return new Namespace(cluster, at.name, labels);
    }

    /**
     * A networking.k8s.io/v1 NetworkPolicy, read as strictly as from a file
     * ({@link io.microseg.netpol.NetworkPolicyTranslator}): a field microseg cannot enforce is a
     * {@link Rejected} naming it, never ignored.
     */
    public NetworkPolicy networkPolicy(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy policy) {
        Subject at = subject("NetworkPolicy", policy, true);
        try {
            return io.microseg.netpol.NetworkPolicyTranslator.translate(cluster, policy);
        } catch (io.microseg.netpol.NetworkPolicyTranslator.Rejected e) {
            throw at.reject(e.field(), e.expected());
        }
    }

    /**
     * A policy.networking.k8s.io ClusterNetworkPolicy (a custom resource fabric8 has no model of), given as
     * the resource's tree, read as strictly as from a file ({@link io.microseg.netpol.CnpReader}): a field
     * microseg cannot enforce is a {@link Rejected} naming it, never ignored.
     */
    public ClusterNetworkPolicy clusterNetworkPolicy(com.fasterxml.jackson.databind.JsonNode resource) {
        String object = "ClusterNetworkPolicy " + resource.path("metadata").path("name").asText("<unnamed>");
        try {
            return io.microseg.netpol.CnpReader.read(cluster, new io.microseg.input.Document("kubernetes:" + cluster, 0, resource));
        } catch (io.microseg.input.InputException e) {
            throw new Rejected(object, e.field() == null ? "" : e.field(), e.expected() == null ? e.getMessage() : e.expected());
        }
    }

    /**
     * The ready endpoints of a discovery.k8s.io/v1 slice: one per ready endpoint, address and slice port.
     * The slice port number is the target port as resolved for these backends, which is how named
     * target ports differ from pod to pod.
     */
    public SliceEndpoints endpointSlice(EndpointSlice slice) {
        Subject at = subject("EndpointSlice", slice, true);
        Map<String, String> k8sLabels = slice.getMetadata().getLabels();
        String service = k8sLabels == null ? null : blankToNull(k8sLabels.get(SERVICE_NAME_LABEL));
        if (service == null) {
            throw at.reject("metadata.labels[\"" + SERVICE_NAME_LABEL + "\"]", "expected the name of the service this slice belongs to, found none");
        }
        // FQDN slices (deprecated) list DNS names: there is no address to write a rule for.
        if ("FQDN".equals(slice.getAddressType())) return new SliceEndpoints(cluster, at.namespace, at.name, service, List.of());

        record Port(String key, Protocol protocol, int number) {}
        List<Port> ports = new ArrayList<>();
        forEach(slice.getPorts(), (EndpointPort p, Integer i) -> {
            String field = "ports[" + i + "]";
            // A null port means "all ports", which no service port can name as a target: nothing to compile.
            if (p.getPort() == null) return;
            ports.add(new Port(p.getName() == null ? "" : p.getName(), at.protocol(field + ".protocol", p.getProtocol()),
                    at.port(field + ".port", p.getPort())));
        });

        List<Endpoint> endpoints = new ArrayList<>();
        forEach(slice.getEndpoints(), (io.fabric8.kubernetes.api.model.discovery.v1.Endpoint e, Integer i) -> {
            List<String> addresses = new ArrayList<>();
            forEach(e.getAddresses(), (String a, Integer j) -> addresses.add(at.ip("endpoints[" + i + "].addresses[" + j + "]", a)));
            EndpointConditions conditions = e.getConditions();
            // Kubernetes: a null ready condition is "unknown" and consumers must treat it as ready.
            boolean ready = conditions == null || conditions.getReady() == null || conditions.getReady();
            if (!ready) return;
            ObjectReference ref = e.getTargetRef();
            String podName = ref != null && "Pod".equals(ref.getKind()) ? blankToNull(ref.getName()) : null;
            for (String address : addresses) {
                for (Port port : ports) {
                    endpoints.add(new Endpoint(cluster, at.namespace, service, port.key, port.protocol, port.number, address, podName));
                }
            }
        });
        return new SliceEndpoints(cluster, at.namespace, at.name, service, endpoints);
    }

    // ---- pods

    private static List<String> podIps(Subject at, PodStatus status, boolean hostNetwork) {
        List<String> ips = new ArrayList<>();
        forEach(status.getPodIPs(), (PodIP ip, Integer i) -> ips.add(at.ip("status.podIPs[" + i + "].ip", ip.getIp())));
        // podIPs[0] is podIP when both are given; a bad podIP is refused even then, as it says the input is wrong.
        String podIp = blankToNull(status.getPodIP()) == null ? null : at.ip("status.podIP", status.getPodIP());
        if (ips.isEmpty() && podIp != null) ips.add(podIp);
        // A hostNetwork pod's addresses are its node's; the kubelet reports them as host IPs too, which
        // covers manifests that give only those.
        if (ips.isEmpty() && hostNetwork) {
            forEach(status.getHostIPs(), (io.fabric8.kubernetes.api.model.HostIP ip, Integer i) ->
                    ips.add(at.ip("status.hostIPs[" + i + "].ip", ip.getIp())));
            if (ips.isEmpty() && blankToNull(status.getHostIP()) != null) ips.add(at.ip("status.hostIP", status.getHostIP()));
        }
        return distinct(ips);
    }

    /** Whether the pod is in a terminal phase: all its containers have stopped and will not restart. */
    private static boolean finished(PodStatus status) {
        String phase = blankToNull(status.getPhase());
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /**
     * The kubelet's Ready condition when there is one. Hand-written manifests often carry no status
     * conditions at all; such a pod is taken as ready when it has an address and is (or may be) Running.
     */
    private static boolean ready(PodStatus status, List<String> ips) {
        if (status.getConditions() != null) {
            for (PodCondition c : status.getConditions()) {
                if (c != null && "Ready".equals(c.getType())) return "True".equals(c.getStatus());
            }
        }
        String phase = blankToNull(status.getPhase());
        return !ips.isEmpty() && (phase == null || phase.equals("Running"));
    }

    /**
     * Ports of the app containers and of sidecars (init containers that keep running, restartPolicy
     * Always): the same set Kubernetes searches when it resolves a named target port.
     */
    private static List<ContainerPort> containerPorts(Subject at, PodSpec spec) {
        List<ContainerPort> ports = new ArrayList<>();
        collectPorts(at, "spec.containers", spec.getContainers(), c -> true, ports);
        collectPorts(at, "spec.initContainers", spec.getInitContainers(), c -> "Always".equals(c.getRestartPolicy()), ports);
        return ports;
    }

    private static void collectPorts(Subject at, String field, List<Container> containers,
                                     Predicate<Container> serving, List<ContainerPort> into) {
        forEach(containers, (Container c, Integer i) -> {
            if (!serving.test(c)) return;
            forEach(c.getPorts(), (io.fabric8.kubernetes.api.model.ContainerPort p, Integer j) -> {
                String f = field + "[" + i + "].ports[" + j + "]";
                into.add(new ContainerPort(blankToNull(p.getName()), at.port(f + ".containerPort", p.getContainerPort()),
                        at.protocol(f + ".protocol", p.getProtocol())));
            });
        });
    }

    // ---- services

    private static ServiceType serviceType(Subject at, String type) {
        if (type == null || type.isBlank()) return ServiceType.ClusterIP;
        for (ServiceType t : ServiceType.values()) {
            if (t.name().equals(type)) return t;
        }
        throw at.reject("spec.type", "expected one of ClusterIP, NodePort, LoadBalancer, ExternalName, found '" + type + "'");
    }

    private static List<String> clusterIps(Subject at, ServiceSpec spec, ServiceType type) {
        if (type == ServiceType.ExternalName) return List.of(); // a DNS alias: no virtual IP exists
        if ("None".equals(spec.getClusterIP())) return List.of(); // headless
        List<String> ips = new ArrayList<>();
        if (spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty()) {
            if ("None".equals(spec.getClusterIPs().get(0))) return List.of();
            forEach(spec.getClusterIPs(), (String ip, Integer i) -> ips.add(at.ip("spec.clusterIPs[" + i + "]", ip)));
        } else if (blankToNull(spec.getClusterIP()) != null) {
            ips.add(at.ip("spec.clusterIP", spec.getClusterIP()));
        }
        return distinct(ips);
    }

    /** Absent and empty both mean "no selector" (endpoints from slices only); {@code app:} without a value selects the empty value. */
    private static Map<String, String> selector(Map<String, String> selector) {
        if (selector == null || selector.isEmpty()) return null;
        Map<String, String> result = new LinkedHashMap<>();
        selector.forEach((k, v) -> result.put(k, v == null ? "" : v));
        return result;
    }

    private static List<ServicePort> servicePorts(Subject at, List<io.fabric8.kubernetes.api.model.ServicePort> ports,
                                                  boolean nodePorts) {
        List<ServicePort> result = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int count = ports == null ? 0 : ports.size();
        forEach(ports, (io.fabric8.kubernetes.api.model.ServicePort p, Integer i) -> {
            String field = "spec.ports[" + i + "]";
            String name = blankToNull(p.getName());
            // EndpointSlices refer to service ports by name: with several ports, names must tell them apart.
            if (count > 1 && name == null) {
                throw at.reject(field + ".name", "expected a name: every port of a multi-port service needs one");
            }
            if (name != null && !names.add(name)) {
                throw at.reject(field + ".name", "expected a port name unique in this service, found '" + name + "' twice");
            }
            Protocol protocol = at.protocol(field + ".protocol", p.getProtocol());
            int port = at.port(field + ".port", p.getPort());
            TargetPort target = targetPort(at, field + ".targetPort", p.getTargetPort(), port);
            Integer nodePort = nodePorts && p.getNodePort() != null ? at.port(field + ".nodePort", p.getNodePort()) : null;
            result.add(new ServicePort(name, protocol, port, target, nodePort));
        });
        return result;
    }

    private static TargetPort targetPort(Subject at, String field, IntOrString value, int port) {
        Object v = value == null ? null : value.getValue();
        if (v == null) return TargetPort.of(port); // the API server defaults targetPort to port
        if (v instanceof Integer n) return TargetPort.of(at.port(field, n));
        if (v instanceof String s && validPortName(s)) return TargetPort.named(s);
        throw at.reject(field, "expected a port number in 1..65535 or a container port name (1-15 lower-case letters,"
                + " digits and '-', with a letter), found '" + v + "'");
    }

    private static boolean validPortName(String s) {
        return PORT_NAME.matcher(s).matches() && !s.contains("--") && s.chars().anyMatch(Character::isLetter);
    }

    // ---- shared

    private Subject subject(String kind, HasMetadata object, boolean namespaced) {
        ObjectMeta meta = object.getMetadata();
        String name = meta == null ? null : blankToNull(meta.getName());
        String namespace = namespaced && meta != null ? blankToNull(meta.getNamespace()) : null;
        String described = kind + " " + (namespace == null ? "" : namespace + "/") + (name == null ? "<unnamed>" : name);
        Subject at = new Subject(described, namespace, name);
        if (name == null) throw at.reject("metadata.name", "expected the object's name, found none");
        if (name.contains("/")) throw at.reject("metadata.name", "expected a name without '/', found '" + name + "'");
        // kubectl apply would put an object without a namespace in the current context's namespace,
        // which a file cannot know: guessing "default" could give rules to the wrong pods.
        if (namespaced && namespace == null) {
            throw at.reject("metadata.namespace", "expected the namespace of this " + kind + ", found none");
        }
        if (namespace != null && namespace.contains("/")) {
            throw at.reject("metadata.namespace", "expected a namespace without '/', found '" + namespace + "'");
        }
        return at;
    }

    /** Kubernetes labels under the orchestrator_ prefix; system labels are added afterwards, so they win. */
    private static Labels importedLabels(Subject at, ObjectMeta meta) {
        Map<String, String> imported = new LinkedHashMap<>();
        if (meta != null && meta.getLabels() != null) {
            meta.getLabels().forEach((k, v) -> {
                String problem = LabelLimits.problem(k, v);
                if (problem != null) throw at.reject("metadata.labels[\"" + k + "\"]", problem);
                imported.put(LabelKeys.imported(k), v);
            });
        }
        return new Labels(imported);
    }

    /** The object being translated, for error messages. */
    private record Subject(String object, String namespace, String name) {
        Rejected reject(String field, String expected) {
            return new Rejected(object, field, expected);
        }

        int port(String field, Integer port) {
            if (port == null) throw reject(field, "expected a port in 1..65535, found none");
            if (port < 1 || port > 65535) throw reject(field, "expected a port in 1..65535, found " + port);
            return port;
        }

        /** Kubernetes' default protocol is TCP; ports of Services and Pods are TCP, UDP or SCTP. */
        Protocol protocol(String field, String text) {
            if (text == null || text.isBlank()) return Protocol.TCP;
            Protocol p = Protocol.parse(text).filter(Protocol::hasPorts).orElse(null);
            if (p == null || !p.name().equals(text)) throw reject(field, "expected TCP, UDP or SCTP, found '" + text + "'");
            return p;
        }

        String ip(String field, String text) {
            if (text == null) throw reject(field, "expected an IPv4 or IPv6 address, found none");
            if (!Addresses.isAddress(text)) throw reject(field, "expected an IPv4 or IPv6 address, found '" + text + "'");
            return text.trim();
        }
    }

    private interface Indexed<T> {
        void accept(T item, Integer index);
    }

    private static <T> void forEach(List<T> items, Indexed<T> action) {
        if (items == null) return;
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) != null) action.accept(items.get(i), i);
        }
    }

    private static List<String> distinct(List<String> items) {
        return List.copyOf(new LinkedHashSet<>(items));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
