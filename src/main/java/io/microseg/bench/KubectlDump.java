package io.microseg.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.microseg.inventory.ContainerPort;
import io.microseg.inventory.Endpoint;
import io.microseg.inventory.EndpointResolver;
import io.microseg.inventory.Host;
import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.Labels;
import io.microseg.inventory.Namespace;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.inventory.ServiceType;
import io.microseg.inventory.SliceEndpoints;
import io.microseg.policy.Policy;
import io.microseg.policy.PortSpec;
import io.microseg.policy.Workspace;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Writes a {@link SyntheticCluster} as a user would feed it to {@code microseg compile}: the output of
 * {@code kubectl get nodes,namespaces,pods,services,endpointslices,deployments,replicasets -A -o yaml}
 * (or {@code -o json}) in one file, every object shaped as a real cluster's (managed fields, owner
 * references, probes, volumes, tolerations, status conditions, container statuses), beside the
 * cluster's {@code Cluster} and {@code Host} documents, and the cluster's workspaces as policy files:
 *
 * <pre>
 * DIR/inventory/cluster.yaml       microseg.io/v1 Cluster "prod"
 * DIR/inventory/hosts.yaml         microseg.io/v1 Host, one document each
 * DIR/inventory/kubectl-get.yaml   one kind: List (kubectl-get.json with json)
 * DIR/policies/workspaces.yaml     microseg.io/v1 Workspace, one document each
 * </pre>
 *
 * The inventory read back from these files is the cluster's: the same pods, services, nodes, hosts,
 * namespaces and endpoints (EndpointSlices list each service's ready backends as the endpoint
 * controller would). Deployments and ReplicaSets are there because real dumps have them; microseg
 * skips them. Objects are written one at a time, so a dump of any size takes little memory.
 */
public final class KubectlDump {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Instant EPOCH = Instant.parse("2025-03-02T08:00:00Z");
    private static final String TOLERATIONS_KEY_NOT_READY = "node.kubernetes.io/not-ready";
    private static final String TOLERATIONS_KEY_UNREACHABLE = "node.kubernetes.io/unreachable";

    private final SyntheticCluster cluster;
    private final Random random;
    private long resourceVersion = 184_220_000;
    /** The deployment of each pod, by pod key; pods of the node exporter have none. */
    private final Map<String, Deployment> deploymentOf = new HashMap<>();

    private KubectlDump(SyntheticCluster cluster, long seed) {
        this.cluster = cluster;
        this.random = new Random(seed);
        Map<String, Deployment> byApp = new HashMap<>();
        cluster.deployments.forEach(d -> byApp.put(d.namespace() + "/" + d.app(), d));
        for (Pod p : cluster.pods.values()) {
            String app = p.labels().get(LabelKeys.imported("app")).orElse("");
            Deployment d = byApp.get(p.namespace() + "/" + app);
            if (d != null) deploymentOf.put(p.key(), d);
        }
    }

    /** Writes {@code cluster} under {@code dir}; {@code json} for {@code -o json}. Returns the dump file. */
    public static Path write(SyntheticCluster cluster, long seed, Path dir, boolean json) {
        try {
            Path inventory = Files.createDirectories(dir.resolve("inventory"));
            Path policies = Files.createDirectories(dir.resolve("policies"));
            KubectlDump dump = new KubectlDump(cluster, seed);
            Files.writeString(inventory.resolve("cluster.yaml"), "apiVersion: microseg.io/v1\nkind: Cluster\nmetadata:\n  name: "
                    + SyntheticCluster.CLUSTER + "\n");
            dump.writeHosts(inventory.resolve("hosts.yaml"));
            dump.writeWorkspaces(policies.resolve("workspaces.yaml"));
            Path file = inventory.resolve(json ? "kubectl-get.json" : "kubectl-get.yaml");
            try (OutputStream out = Files.newOutputStream(file)) {
                dump.writeList(out, json);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- the list

    private void writeList(OutputStream out, boolean json) throws IOException {
        ObjectMapper mapper = json ? new ObjectMapper() : new ObjectMapper(YAMLFactory.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .build());
        try (JsonGenerator g = mapper.createGenerator(out)) {
            if (json) g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("apiVersion", "v1");
            g.writeArrayFieldStart("items");
            for (Node n : cluster.nodes) mapper.writeTree(g, node(n));
            for (Namespace n : cluster.namespaces) mapper.writeTree(g, namespace(n));
            for (Pod p : cluster.pods.values()) mapper.writeTree(g, pod(p));
            for (Service s : cluster.services.values()) mapper.writeTree(g, service(s));
            for (ObjectNode slice : slices()) mapper.writeTree(g, slice);
            for (Deployment d : cluster.deployments) {
                mapper.writeTree(g, deployment(d));
                mapper.writeTree(g, replicaSet(d));
            }
            g.writeEndArray();
            g.writeStringField("kind", "List");
            g.writeObjectFieldStart("metadata");
            g.writeStringField("resourceVersion", "");
            g.writeEndObject();
            g.writeEndObject();
        }
    }

    private ObjectNode node(Node n) {
        String ip = n.ips().get(0);
        ObjectNode labels = kubernetesLabels(n.labels());
        ObjectNode meta = meta(n.name(), null, labels)
                .set("annotations", obj("kubeadm.alpha.kubernetes.io/cri-socket", "unix:///run/containerd/containerd.sock",
                        "node.alpha.kubernetes.io/ttl", "0", "volumes.kubernetes.io/controller-managed-attach-detach", "true"));
        meta.set("managedFields", arr(
                managed("kubeadm", "Update", null, obj("f:metadata", obj("f:annotations", obj("f:kubeadm.alpha.kubernetes.io/cri-socket", obj())))),
                managed("kubelet", "Update", null, obj("f:metadata", obj("f:annotations", obj(".", obj(),
                        "f:volumes.kubernetes.io/controller-managed-attach-detach", obj()), "f:labels", fieldsOf(labels)))),
                managed("kube-controller-manager", "Update", null, obj("f:spec", obj("f:podCIDR", obj(), "f:podCIDRs", obj(".", obj())))),
                managed("kubelet", "Update", "status", obj("f:status", obj("f:allocatable", obj("f:cpu", obj(), "f:memory", obj()),
                        "f:conditions", obj("k:{\"type\":\"Ready\"}", obj("f:lastHeartbeatTime", obj(), "f:message", obj())),
                        "f:images", obj(), "f:nodeInfo", obj("f:bootID", obj()))))));
        int third = cluster.nodes.indexOf(n) % 250;
        ObjectNode status = obj(
                "addresses", arr(obj("address", ip, "type", "InternalIP"), obj("address", n.name(), "type", "Hostname")),
                "allocatable", obj("cpu", "15800m", "ephemeral-storage", "95551679124", "hugepages-1Gi", "0", "hugepages-2Mi", "0",
                        "memory", "63221632Ki", "pods", "110"),
                "capacity", obj("cpu", "16", "ephemeral-storage", "103680100Ki", "hugepages-1Gi", "0", "hugepages-2Mi", "0",
                        "memory", "65371008Ki", "pods", "110"),
                "conditions", arr(
                        condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")),
                "daemonEndpoints", obj("kubeletEndpoint", obj("Port", 10250)),
                "images", arr(
                        obj("names", arr("registry.k8s.io/etcd@sha256:" + hex(64), "registry.k8s.io/etcd:3.5.15-0"), "sizeBytes", 56909194),
                        obj("names", arr("registry.k8s.io/kube-proxy@sha256:" + hex(64), "registry.k8s.io/kube-proxy:v1.31.4"), "sizeBytes", 30229262),
                        obj("names", arr("docker.io/library/nginx@sha256:" + hex(64), "docker.io/library/nginx:1.27"), "sizeBytes", 72955450),
                        obj("names", arr("registry.k8s.io/pause@sha256:" + hex(64), "registry.k8s.io/pause:3.10"), "sizeBytes", 320368)),
                "nodeInfo", obj("architecture", "amd64", "bootID", uuid("boot/" + n.name()), "containerRuntimeVersion", "containerd://1.7.24",
                        "kernelVersion", "6.8.0-51-generic", "kubeProxyVersion", "v1.31.4", "kubeletVersion", "v1.31.4",
                        "machineID", hex(32), "operatingSystem", "linux", "osImage", "Ubuntu 24.04.1 LTS", "systemUUID", uuid("system/" + n.name())));
        String cidr = "10.244." + third + ".0/24";
        return obj("apiVersion", "v1", "kind", "Node", "metadata", meta,
                "spec", obj("podCIDR", cidr, "podCIDRs", arr(cidr), "providerID", "kind://docker/prod/" + n.name()),
                "status", status);
    }

    private ObjectNode namespace(Namespace n) {
        ObjectNode labels = kubernetesLabels(n.labels());
        ObjectNode meta = meta(n.name(), null, labels);
        meta.set("managedFields", arr(managed("kubectl-client-side-apply", "Update", null,
                obj("f:metadata", obj("f:labels", fieldsOf(labels))))));
        return obj("apiVersion", "v1", "kind", "Namespace", "metadata", meta,
                "spec", obj("finalizers", arr("kubernetes")), "status", obj("phase", "Active"));
    }

    private ObjectNode pod(Pod p) {
        Deployment d = deploymentOf.get(p.key());
        boolean exporter = d == null;
        String app = p.labels().get(LabelKeys.imported("app")).orElse("node-exporter");
        String owner = exporter ? "node-exporter" : d.app() + "-" + d.templateHash();
        ObjectNode labels = kubernetesLabels(p.labels());
        ObjectNode meta = meta(p.name(), p.namespace(), labels);
        meta.put("generateName", exporter ? "node-exporter-" : owner + "-");
        meta.set("annotations", obj("kubectl.kubernetes.io/restartedAt", time(3_600), "prometheus.io/scrape", "true"));
        meta.set("ownerReferences", arr(obj("apiVersion", "apps/v1", "blockOwnerDeletion", true, "controller", true,
                "kind", exporter ? "DaemonSet" : "ReplicaSet", "name", owner, "uid", uuid(p.namespace() + "/" + owner))));
        String container = exporter ? "node-exporter" : app;
        ObjectNode ports = NODES.objectNode();
        for (ContainerPort cp : p.containerPorts()) {
            ports.set("k:{\"containerPort\":" + cp.port() + ",\"protocol\":\"" + cp.protocol() + "\"}",
                    obj(".", obj(), "f:containerPort", obj(), "f:name", obj(), "f:protocol", obj()));
        }
        meta.set("managedFields", arr(
                managed("kube-controller-manager", "Update", null, obj(
                        "f:metadata", obj("f:annotations", obj(".", obj(), "f:kubectl.kubernetes.io/restartedAt", obj()),
                                "f:generateName", obj(), "f:labels", fieldsOf(labels),
                                "f:ownerReferences", obj(".", obj(), "k:{\"uid\":\"" + uuid(p.namespace() + "/" + owner) + "\"}", obj())),
                        "f:spec", obj("f:containers", obj("k:{\"name\":\"" + container + "\"}", obj(".", obj(), "f:image", obj(),
                                "f:imagePullPolicy", obj(), "f:livenessProbe", obj(".", obj(), "f:httpGet", obj(".", obj(), "f:path", obj(),
                                        "f:port", obj(), "f:scheme", obj())), "f:name", obj(), "f:ports", ports,
                                "f:resources", obj(".", obj(), "f:limits", obj(".", obj(), "f:memory", obj()), "f:requests", obj(".", obj(),
                                        "f:cpu", obj(), "f:memory", obj())), "f:terminationMessagePath", obj())),
                                "f:dnsPolicy", obj(), "f:enableServiceLinks", obj(), "f:restartPolicy", obj(), "f:schedulerName", obj(),
                                "f:securityContext", obj(), "f:terminationGracePeriodSeconds", obj()))),
                managed("kubelet", "Update", "status", obj("f:status", obj(
                        "f:conditions", obj("k:{\"type\":\"ContainersReady\"}", obj(".", obj(), "f:lastProbeTime", obj(), "f:lastTransitionTime", obj(),
                                "f:status", obj(), "f:type", obj()), "k:{\"type\":\"Initialized\"}", obj(".", obj(), "f:lastProbeTime", obj(),
                                "f:lastTransitionTime", obj(), "f:status", obj(), "f:type", obj()), "k:{\"type\":\"Ready\"}", obj(".", obj(),
                                "f:lastProbeTime", obj(), "f:lastTransitionTime", obj(), "f:status", obj(), "f:type", obj())),
                        "f:containerStatuses", obj(), "f:hostIP", obj(), "f:hostIPs", obj(), "f:phase", obj(), "f:podIP", obj(),
                        "f:podIPs", obj(".", obj(), "k:{\"ip\":\"" + (p.ips().isEmpty() ? "" : p.ips().get(0)) + "\"}", obj(".", obj(), "f:ip", obj())),
                        "f:startTime", obj())))));

        ArrayNode containerPorts = NODES.arrayNode();
        for (ContainerPort cp : p.containerPorts()) {
            ObjectNode port = obj("containerPort", cp.port());
            if (cp.name() != null) port.put("name", cp.name());
            port.put("protocol", cp.protocol().name());
            containerPorts.add(port);
        }
        String probePort = p.containerPorts().isEmpty() ? "8080" : String.valueOf(p.containerPorts().get(0).port());
        String volume = "kube-api-access-" + suffix(5);
        ObjectNode c = obj("env", arr(obj("name", "POD_NAME", "valueFrom", obj("fieldRef", obj("apiVersion", "v1", "fieldPath", "metadata.name"))),
                        obj("name", "LOG_LEVEL", "value", "info")),
                "image", exporter ? "quay.io/prometheus/node-exporter:v1.8.2" : "registry.example.com/" + app + ":1." + (random.nextInt(40) + 1) + ".0",
                "imagePullPolicy", "IfNotPresent",
                "livenessProbe", obj("failureThreshold", 3, "httpGet", obj("path", "/healthz", "port", Integer.parseInt(probePort), "scheme", "HTTP"),
                        "initialDelaySeconds", 10, "periodSeconds", 10, "successThreshold", 1, "timeoutSeconds", 1),
                "name", container, "ports", containerPorts,
                "readinessProbe", obj("failureThreshold", 3, "httpGet", obj("path", "/ready", "port", Integer.parseInt(probePort), "scheme", "HTTP"),
                        "periodSeconds", 5, "successThreshold", 1, "timeoutSeconds", 1),
                "resources", obj("limits", obj("memory", "512Mi"), "requests", obj("cpu", "100m", "memory", "256Mi")),
                "terminationMessagePath", "/dev/termination-log", "terminationMessagePolicy", "File",
                "volumeMounts", arr(obj("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount", "name", volume, "readOnly", true)));
        ObjectNode spec = obj("containers", arr(c), "dnsPolicy", p.hostNetwork() ? "ClusterFirstWithHostNet" : "ClusterFirst",
                "enableServiceLinks", true);
        if (p.hostNetwork()) spec.put("hostNetwork", true);
        if (p.nodeName() != null) spec.put("nodeName", p.nodeName());
        spec.put("preemptionPolicy", "PreemptLowerPriority").put("priority", 0).put("restartPolicy", "Always")
                .put("schedulerName", "default-scheduler");
        spec.set("securityContext", obj());
        spec.put("serviceAccount", "default").put("serviceAccountName", "default").put("terminationGracePeriodSeconds", 30);
        spec.set("tolerations", arr(
                obj("effect", "NoExecute", "key", TOLERATIONS_KEY_NOT_READY, "operator", "Exists", "tolerationSeconds", 300),
                obj("effect", "NoExecute", "key", TOLERATIONS_KEY_UNREACHABLE, "operator", "Exists", "tolerationSeconds", 300)));
        spec.set("volumes", arr(obj("name", volume, "projected", obj("defaultMode", 420, "sources", arr(
                obj("serviceAccountToken", obj("expirationSeconds", 3607, "path", "token")),
                obj("configMap", obj("items", arr(obj("key", "ca.crt", "path", "ca.crt")), "name", "kube-root-ca.crt")),
                obj("downwardAPI", obj("items", arr(obj("fieldRef", obj("apiVersion", "v1", "fieldPath", "metadata.namespace"),
                        "path", "namespace")))))))));
        return obj("apiVersion", "v1", "kind", "Pod", "metadata", meta, "spec", spec, "status", podStatus(p, container, c));
    }

    private ObjectNode podStatus(Pod p, String container, ObjectNode c) {
        String started = time(7_200);
        if (p.nodeName() == null) { // pending: not scheduled
            return obj("conditions", arr(obj("lastProbeTime", null, "lastTransitionTime", started,
                            "message", "0/" + cluster.nodes.size() + " nodes are available: 1 Insufficient cpu.",
                            "reason", "Unschedulable", "status", "False", "type", "PodScheduled")),
                    "phase", "Pending", "qosClass", "Burstable");
        }
        String ready = p.ready() ? "True" : "False";
        String hostIp = cluster.nodes.stream().filter(n -> n.name().equals(p.nodeName())).findFirst()
                .map(n -> n.ips().get(0)).orElse("10.0.0.1");
        ObjectNode state = p.ready() ? obj("running", obj("startedAt", started))
                : obj("waiting", obj("message", "back-off 5m0s restarting failed container", "reason", "CrashLoopBackOff"));
        ObjectNode status = obj("conditions", arr(
                        podCondition("PodReadyToStartContainers", "True", started),
                        podCondition("Initialized", "True", started),
                        podCondition("Ready", ready, started),
                        podCondition("ContainersReady", ready, started),
                        podCondition("PodScheduled", "True", started)),
                "containerStatuses", arr(obj("containerID", "containerd://" + hex(64), "image", c.get("image").asText(),
                        "imageID", c.get("image").asText().replaceAll(":[^:]*$", "") + "@sha256:" + hex(64),
                        "lastState", obj(), "name", container, "ready", p.ready(), "restartCount", p.ready() ? 0 : 7,
                        "started", p.ready(), "state", state,
                        "volumeMounts", arr(obj("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount", "name",
                                c.get("volumeMounts").get(0).get("name").asText(), "readOnly", true, "recursiveReadOnly", "Disabled")))),
                "hostIP", hostIp, "hostIPs", arr(obj("ip", hostIp)), "phase", "Running");
        if (!p.ips().isEmpty()) {
            status.put("podIP", p.ips().get(0));
            ArrayNode ips = NODES.arrayNode();
            p.ips().forEach(ip -> ips.add(obj("ip", ip)));
            status.set("podIPs", ips);
        }
        status.put("qosClass", "Burstable").put("startTime", started);
        return status;
    }

    private ObjectNode service(Service s) {
        ObjectNode labels = kubernetesLabels(s.labels());
        ObjectNode meta = meta(s.name(), s.namespace(), labels);
        meta.set("annotations", obj("kubectl.kubernetes.io/last-applied-configuration", "{\"apiVersion\":\"v1\",\"kind\":\"Service\","
                + "\"metadata\":{\"annotations\":{},\"name\":\"" + s.name() + "\",\"namespace\":\"" + s.namespace() + "\"},\"spec\":{\"type\":\""
                + s.type() + "\"}}\n"));
        meta.set("managedFields", arr(managed("kubectl-client-side-apply", "Update", null, obj(
                "f:metadata", obj("f:annotations", obj(".", obj(), "f:kubectl.kubernetes.io/last-applied-configuration", obj()),
                        "f:labels", fieldsOf(labels)),
                "f:spec", obj("f:internalTrafficPolicy", obj(), "f:ports", obj(".", obj()), "f:selector", obj(), "f:sessionAffinity", obj(),
                        "f:type", obj())))));
        ObjectNode spec = NODES.objectNode();
        if (s.type() == ServiceType.ExternalName) {
            spec.put("externalName", s.name() + ".db.example.com");
            spec.set("ports", ports(s));
            spec.put("sessionAffinity", "None").put("type", "ExternalName");
            return obj("apiVersion", "v1", "kind", "Service", "metadata", meta, "spec", spec, "status", obj("loadBalancer", obj()));
        }
        boolean nodePorts = s.type() == ServiceType.NodePort || s.type() == ServiceType.LoadBalancer;
        if (nodePorts) spec.put("allocateLoadBalancerNodePorts", true);
        String clusterIp = s.clusterIps().isEmpty() ? "None" : s.clusterIps().get(0);
        spec.put("clusterIP", clusterIp);
        spec.set("clusterIPs", arr(clusterIp));
        if (s.type() == ServiceType.NodePort || s.type() == ServiceType.LoadBalancer) {
            spec.put("externalTrafficPolicy", s.externalTrafficLocal() ? "Local" : "Cluster");
        }
        spec.put("internalTrafficPolicy", "Cluster");
        spec.set("ipFamilies", arr("IPv4"));
        spec.put("ipFamilyPolicy", "SingleStack");
        spec.set("ports", ports(s));
        if (s.selector() != null) spec.set("selector", stringMap(s.selector()));
        spec.put("sessionAffinity", "None").put("type", s.type().name());
        ObjectNode lb = NODES.objectNode();
        if (!s.loadBalancerIps().isEmpty()) {
            ArrayNode ingress = NODES.arrayNode();
            s.loadBalancerIps().forEach(ip -> ingress.add(obj("ip", ip, "ipMode", "VIP")));
            lb.set("ingress", ingress);
        }
        return obj("apiVersion", "v1", "kind", "Service", "metadata", meta, "spec", spec, "status", obj("loadBalancer", lb));
    }

    private static ArrayNode ports(Service s) {
        ArrayNode ports = NODES.arrayNode();
        for (ServicePort sp : s.ports()) {
            ObjectNode port = NODES.objectNode();
            if (sp.name() != null) port.put("name", sp.name());
            if (sp.nodePort() != null) port.put("nodePort", sp.nodePort());
            port.put("port", sp.port()).put("protocol", sp.protocol().name());
            if (sp.targetPort().isNamed()) port.put("targetPort", sp.targetPort().name());
            else port.put("targetPort", sp.targetPort().number());
            ports.add(port);
        }
        return ports;
    }

    /**
     * The slices the cluster has (services without selector), and, for every service with one, what the
     * endpoint controller writes: one slice per set of resolved ports, listing the ready pods.
     */
    private List<ObjectNode> slices() {
        List<ObjectNode> out = new ArrayList<>();
        for (SliceEndpoints s : cluster.slices.values()) out.add(slice(s.namespace(), s.name(), s.service(), s.endpoints()));
        EndpointResolver.Resolution resolved = EndpointResolver.resolve(
                cluster.services.values().stream().filter(s -> s.selector() != null).toList(), cluster.pods.values(), List.of());
        Map<String, List<Endpoint>> byService = new LinkedHashMap<>();
        for (Endpoint e : resolved.endpoints()) byService.computeIfAbsent(e.serviceId(), k -> new ArrayList<>()).add(e);
        byService.forEach((service, endpoints) -> {
            Map<String, List<Endpoint>> byAddress = new LinkedHashMap<>();
            for (Endpoint e : endpoints) byAddress.computeIfAbsent(e.ip(), k -> new ArrayList<>()).add(e);
            Map<String, List<Endpoint>> byPorts = new LinkedHashMap<>();
            byAddress.values().forEach(list -> byPorts.computeIfAbsent(portsOf(list), k -> new ArrayList<>()).addAll(list));
            for (List<Endpoint> group : byPorts.values()) {
                Endpoint first = group.get(0);
                out.add(slice(first.namespace(), first.service() + "-" + suffix(5), first.service(), group));
            }
        });
        return out;
    }

    private static String portsOf(List<Endpoint> endpoints) {
        TreeMap<String, String> ports = new TreeMap<>();
        endpoints.forEach(e -> ports.put(e.portKey() + "/" + e.protocol(), String.valueOf(e.targetPort())));
        return ports.toString();
    }

    private ObjectNode slice(String namespace, String name, String service, List<Endpoint> endpoints) {
        ObjectNode labels = obj("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io",
                "kubernetes.io/service-name", service);
        ObjectNode meta = meta(name, namespace, labels);
        meta.put("generateName", service + "-");
        meta.set("ownerReferences", arr(obj("apiVersion", "v1", "blockOwnerDeletion", true, "controller", true, "kind", "Service",
                "name", service, "uid", uuid(namespace + "/service/" + service))));
        meta.set("managedFields", arr(managed("endpointslice-controller.k8s.io", "Update", null, obj("f:addressType", obj(),
                "f:endpoints", obj(), "f:metadata", obj("f:generateName", obj(), "f:labels", fieldsOf(labels)), "f:ports", obj()))));
        Map<String, ObjectNode> ports = new LinkedHashMap<>();
        Map<String, ObjectNode> addresses = new LinkedHashMap<>();
        for (Endpoint e : endpoints) {
            ports.computeIfAbsent(e.portKey() + "/" + e.protocol(), k -> obj("name", e.portKey(), "port", e.targetPort(),
                    "protocol", e.protocol().name()));
            addresses.computeIfAbsent(e.ip(), ip -> {
                ObjectNode ep = obj("addresses", arr(ip), "conditions", obj("ready", true, "serving", true, "terminating", false));
                if (e.podName() != null) {
                    Pod pod = cluster.pods.get("pod/" + e.cluster() + "/" + e.namespace() + "/" + e.podName());
                    if (pod != null && pod.nodeName() != null) ep.put("nodeName", pod.nodeName());
                    ep.set("targetRef", obj("kind", "Pod", "name", e.podName(), "namespace", e.namespace(),
                            "uid", uuid(e.namespace() + "/pod/" + e.podName())));
                }
                return ep;
            });
        }
        ArrayNode eps = NODES.arrayNode();
        addresses.values().forEach(eps::add);
        ArrayNode ps = NODES.arrayNode();
        ports.values().forEach(ps::add);
        return obj("addressType", "IPv4", "apiVersion", "discovery.k8s.io/v1", "endpoints", eps, "kind", "EndpointSlice",
                "metadata", meta, "ports", ps);
    }

    private ObjectNode deployment(Deployment d) {
        ObjectNode labels = obj("app", d.app(), "team", d.team());
        ObjectNode meta = meta(d.app(), d.namespace(), labels);
        meta.set("annotations", obj("deployment.kubernetes.io/revision", "3"));
        meta.set("managedFields", arr(managed("kubectl-client-side-apply", "Update", null, obj("f:metadata", obj("f:labels", fieldsOf(labels)),
                "f:spec", obj("f:progressDeadlineSeconds", obj(), "f:replicas", obj(), "f:revisionHistoryLimit", obj(), "f:selector", obj(),
                        "f:strategy", obj("f:rollingUpdate", obj(".", obj(), "f:maxSurge", obj(), "f:maxUnavailable", obj()), "f:type", obj()),
                        "f:template", obj("f:metadata", obj("f:labels", obj(".", obj(), "f:app", obj())))))),
                managed("kube-controller-manager", "Update", "status", obj("f:status", obj("f:availableReplicas", obj(),
                        "f:conditions", obj(".", obj()), "f:observedGeneration", obj(), "f:readyReplicas", obj(), "f:replicas", obj())))));
        return obj("apiVersion", "apps/v1", "kind", "Deployment", "metadata", meta,
                "spec", obj("progressDeadlineSeconds", 600, "replicas", 2, "revisionHistoryLimit", 10,
                        "selector", obj("matchLabels", obj("app", d.app())),
                        "strategy", obj("rollingUpdate", obj("maxSurge", "25%", "maxUnavailable", "25%"), "type", "RollingUpdate"),
                        "template", template(d)),
                "status", obj("availableReplicas", 2, "conditions", arr(
                                obj("lastTransitionTime", time(86_400), "lastUpdateTime", time(86_400), "message", "Deployment has minimum availability.",
                                        "reason", "MinimumReplicasAvailable", "status", "True", "type", "Available"),
                                obj("lastTransitionTime", time(86_400), "lastUpdateTime", time(3_600), "message",
                                        "ReplicaSet \"" + d.app() + "-" + d.templateHash() + "\" has successfully progressed.",
                                        "reason", "NewReplicaSetAvailable", "status", "True", "type", "Progressing")),
                        "observedGeneration", 3, "readyReplicas", 2, "replicas", 2, "updatedReplicas", 2));
    }

    private ObjectNode replicaSet(Deployment d) {
        String name = d.app() + "-" + d.templateHash();
        ObjectNode labels = obj("app", d.app(), "pod-template-hash", d.templateHash());
        ObjectNode meta = meta(name, d.namespace(), labels);
        meta.set("annotations", obj("deployment.kubernetes.io/desired-replicas", "2", "deployment.kubernetes.io/max-replicas", "3",
                "deployment.kubernetes.io/revision", "3"));
        meta.set("ownerReferences", arr(obj("apiVersion", "apps/v1", "blockOwnerDeletion", true, "controller", true, "kind", "Deployment",
                "name", d.app(), "uid", uuid(d.namespace() + "/deployment/" + d.app()))));
        meta.set("managedFields", arr(managed("kube-controller-manager", "Update", null, obj("f:metadata", obj("f:labels", fieldsOf(labels),
                        "f:ownerReferences", obj(".", obj())), "f:spec", obj("f:replicas", obj(), "f:selector", obj(), "f:template", obj()))),
                managed("kube-controller-manager", "Update", "status", obj("f:status", obj("f:availableReplicas", obj(),
                        "f:fullyLabeledReplicas", obj(), "f:observedGeneration", obj(), "f:readyReplicas", obj(), "f:replicas", obj())))));
        return obj("apiVersion", "apps/v1", "kind", "ReplicaSet", "metadata", meta,
                "spec", obj("replicas", 2, "selector", obj("matchLabels", obj("app", d.app(), "pod-template-hash", d.templateHash())),
                        "template", template(d)),
                "status", obj("availableReplicas", 2, "fullyLabeledReplicas", 2, "observedGeneration", 3, "readyReplicas", 2, "replicas", 2));
    }

    private ObjectNode template(Deployment d) {
        ArrayNode ports = NODES.arrayNode();
        for (ContainerPort cp : d.ports()) ports.add(obj("containerPort", cp.port(), "name", cp.name(), "protocol", cp.protocol().name()));
        return obj("metadata", obj("annotations", obj("kubectl.kubernetes.io/restartedAt", time(3_600)), "creationTimestamp", null,
                        "labels", obj("app", d.app(), "environment", d.environment(), "team", d.team(), "tier", d.tier())),
                "spec", obj("containers", arr(obj("image", "registry.example.com/" + d.app() + ":1.4.0", "imagePullPolicy", "IfNotPresent",
                                "name", d.app(), "ports", ports, "resources", obj("limits", obj("memory", "512Mi"),
                                        "requests", obj("cpu", "100m", "memory", "256Mi")),
                                "terminationMessagePath", "/dev/termination-log", "terminationMessagePolicy", "File")),
                        "dnsPolicy", "ClusterFirst", "restartPolicy", "Always", "schedulerName", "default-scheduler",
                        "securityContext", obj(), "terminationGracePeriodSeconds", 30));
    }

    // ---- the other files

    private void writeHosts(Path file) throws IOException {
        StringBuilder out = new StringBuilder();
        for (Host h : cluster.hosts) {
            out.append("---\napiVersion: microseg.io/v1\nkind: Host\nmetadata:\n  name: ").append(h.name()).append("\n  labels:\n");
            h.labels().values().forEach((k, v) -> out.append("    ").append(k).append(": \"").append(v).append("\"\n"));
            out.append("spec:\n  ips:\n");
            h.ips().forEach(ip -> out.append("  - ").append(ip).append('\n'));
        }
        Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
    }

    private void writeWorkspaces(Path file) throws IOException {
        StringBuilder out = new StringBuilder();
        for (Workspace w : cluster.workspaces) {
            out.append("---\napiVersion: microseg.io/v1\nkind: Workspace\nmetadata:\n  name: ").append(w.name()).append('\n')
                    .append("spec:\n  scope: ").append(quoted(w.scope().text())).append('\n')
                    .append("  catchAll: {ingress: ").append(w.catchAllIngress()).append(", egress: ").append(w.catchAllEgress()).append("}\n")
                    .append("  policies:\n");
            for (Policy p : w.policies()) {
                out.append("  - id: ").append(p.id()).append('\n')
                        .append("    consumer: ").append(quoted(p.consumer().text())).append('\n')
                        .append("    provider: ").append(quoted(p.provider().text())).append('\n')
                        .append("    ports: [");
                for (int i = 0; i < p.ports().size(); i++) {
                    PortSpec port = p.ports().get(i);
                    out.append(i == 0 ? "" : ", ").append(quoted(port.toString()));
                }
                out.append("]\n    action: ").append(p.action()).append('\n')
                        .append("    rank: ").append(p.rank()).append('\n')
                        .append("    priority: ").append(p.priority()).append('\n');
            }
        }
        Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
    }

    private static String quoted(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    // ---- shared shapes

    private ObjectNode meta(String name, String namespace, ObjectNode labels) {
        ObjectNode meta = NODES.objectNode();
        meta.put("creationTimestamp", time(30L * 86_400));
        if (labels != null && !labels.isEmpty()) meta.set("labels", labels);
        meta.put("name", name);
        if (namespace != null) meta.put("namespace", namespace);
        meta.put("resourceVersion", Long.toString(resourceVersion++));
        meta.put("uid", uuid((namespace == null ? "" : namespace) + "/" + name));
        return meta;
    }

    private ObjectNode managed(String manager, String operation, String subresource, ObjectNode fields) {
        ObjectNode m = obj("apiVersion", "v1", "fieldsType", "FieldsV1", "fieldsV1", fields, "manager", manager, "operation", operation);
        if (subresource != null) m.put("subresource", subresource);
        m.put("time", time(86_400));
        return m;
    }

    private static ObjectNode condition(String type, String status, String reason, String message) {
        return obj("lastHeartbeatTime", "2025-03-02T07:58:12Z", "lastTransitionTime", "2025-02-01T09:12:40Z", "message", message,
                "reason", reason, "status", status, "type", type);
    }

    private static ObjectNode podCondition(String type, String status, String at) {
        return obj("lastProbeTime", null, "lastTransitionTime", at, "status", status, "type", type);
    }

    /** The Kubernetes labels of an imported object: its orchestrator_ labels, less the system ones, unprefixed. */
    private static ObjectNode kubernetesLabels(Labels labels) {
        ObjectNode out = NODES.objectNode();
        labels.values().forEach((k, v) -> {
            if (k.startsWith(LabelKeys.ORCHESTRATOR_PREFIX) && !k.startsWith("orchestrator_system/")) {
                out.put(k.substring(LabelKeys.ORCHESTRATOR_PREFIX.length()), v);
            }
        });
        return out;
    }

    private static ObjectNode fieldsOf(ObjectNode labels) {
        ObjectNode fields = obj(".", obj());
        labels.fieldNames().forEachRemaining(k -> fields.set("f:" + k, obj()));
        return fields;
    }

    private static ObjectNode stringMap(Map<String, String> map) {
        ObjectNode out = NODES.objectNode();
        new TreeMap<>(map).forEach(out::put);
        return out;
    }

    private String time(long withinSeconds) {
        return EPOCH.minusSeconds((long) (random.nextDouble() * withinSeconds)).toString();
    }

    private static String uuid(String of) {
        return UUID.nameUUIDFromBytes(of.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private String hex(int digits) {
        StringBuilder s = new StringBuilder(digits);
        for (int i = 0; i < digits; i++) s.append(Character.forDigit(random.nextInt(16), 16));
        return s.toString();
    }

    private String suffix(int length) {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return s.toString();
    }

    private static ObjectNode obj(Object... keysAndValues) {
        ObjectNode o = NODES.objectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) o.set((String) keysAndValues[i], value(keysAndValues[i + 1]));
        return o;
    }

    private static ArrayNode arr(Object... values) {
        ArrayNode a = NODES.arrayNode();
        for (Object v : values) a.add(value(v));
        return a;
    }

    private static JsonNode value(Object v) {
        if (v == null) return NODES.nullNode();
        if (v instanceof JsonNode n) return n;
        if (v instanceof String s) return NODES.textNode(s);
        if (v instanceof Integer i) return NODES.numberNode(i);
        if (v instanceof Long l) return NODES.numberNode(l);
        if (v instanceof Boolean b) return NODES.booleanNode(b);
        throw new IllegalArgumentException("no JSON value for " + v.getClass());
    }
}
