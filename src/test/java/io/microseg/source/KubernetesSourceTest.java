package io.microseg.source;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeListBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.microseg.engine.Change;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.KubeTranslator;
import io.microseg.inventory.SliceEndpoints;
import io.microseg.policy.Action;
import io.microseg.policy.Policy;
import io.microseg.policy.Workspace;
import io.microseg.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * KubernetesSource against fabric8's mock API server in CRUD mode (watches work there with
 * fabric8 8.0.0): objects created, edited and deleted through the client come out as Changes.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesSourceTest {
    // The mock server logs every request at INFO through java.util.logging; keep the reference.
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    private static final String CLUSTER = "c1";
    private static final String SOURCE = "kubernetes:" + CLUSTER;
    private static final KubeTranslator TRANSLATOR = new KubeTranslator(CLUSTER);

    KubernetesMockServer server;
    KubernetesClient client;

    private final Recorder changes = new Recorder();
    private KubernetesSource source;

    @AfterEach
    void stop() {
        if (source != null) source.close();
    }

    private void start(boolean workspaces) throws Exception {
        source = new KubernetesSource(CLUSTER, client, changes, workspaces);
        source.start();
        source.synced().get(10, TimeUnit.SECONDS);
    }

    private <T extends HasMetadata> T create(Class<T> type, String yaml) {
        T object = client.getKubernetesSerialization().unmarshal(yaml, type);
        return client.resource(object).create();
    }

    private Node node(String name, String ip) {
        return create(Node.class, """
                apiVersion: v1
                kind: Node
                metadata: {name: %s, labels: {zone: a}}
                status: {addresses: [{type: InternalIP, address: %s}, {type: Hostname, address: %s}]}
                """.formatted(name, ip, name));
    }

    private Pod pod(String namespace, String name, String ip, String app) {
        return create(Pod.class, """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: %s, labels: {app: %s}}
                spec:
                  nodeName: n1
                  containers: [{name: main, image: x, ports: [{name: mongo, containerPort: 27017}]}]
                status: {phase: Running, podIP: %s, podIPs: [{ip: %s}]}
                """.formatted(name, namespace, app, ip, ip));
    }

    private Service service(String namespace, String name, String type) {
        return create(Service.class, """
                apiVersion: v1
                kind: Service
                metadata: {name: %s, namespace: %s}
                spec:
                  type: %s
                  clusterIP: 10.96.0.50
                  selector: {app: db}
                  ports: [{name: mongo, port: 27017, targetPort: mongo, nodePort: 30017}]
                """.formatted(name, namespace, type));
    }

    private EndpointSlice slice(String namespace, String name, String service, String ip) {
        return create(EndpointSlice.class, """
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: %s, namespace: %s, labels: {kubernetes.io/service-name: %s}}
                addressType: IPv4
                ports: [{name: mongo, port: 27017, protocol: TCP}]
                endpoints:
                  - addresses: [%s]
                    conditions: {ready: true}
                    targetRef: {kind: Pod, name: db-0, namespace: %s}
                """.formatted(name, namespace, service, ip, namespace));
    }

    private Namespace namespace(String name, String environment) {
        return create(Namespace.class, """
                apiVersion: v1
                kind: Namespace
                metadata: {name: %s, labels: {environment: %s}}
                """.formatted(name, environment));
    }

    private static List<String> keys(List<InventoryObject> objects) {
        return objects.stream().map(InventoryObject::key).toList();
    }

    private static boolean puts(Change c, String key) {
        return c instanceof Change.Put p && p.object().key().equals(key);
    }

    // ---- inventory

    @Test
    void initialReplaceHoldsExactlyTheExistingObjectsTranslated() throws Exception {
        node("n1", "10.0.0.11");
        namespace("data", "production");
        pod("data", "db-0", "10.244.1.10", "db");
        service("data", "db", "NodePort");
        slice("data", "db-abc", "db", "10.244.1.10");
        // Malformed: the translator refuses a service type it does not know. Skipped, not in the Replace.
        service("data", "odd", "Bogus");

        start(false);

        Change.Replace replace = changes.next(Change.Replace.class);
        assertThat(replace.source()).isEqualTo(SOURCE);
        assertThat(keys(replace.objects())).containsExactlyInAnyOrder(
                "node/c1/n1", "namespace/c1/data", "pod/c1/data/db-0", "service/c1/data/db", "endpointslice/c1/data/db-abc");
        // Translated as KubeTranslator translates what the API server holds.
        assertThat(replace.objects()).contains(
                TRANSLATOR.node(client.nodes().withName("n1").get()),
                TRANSLATOR.pod(client.pods().inNamespace("data").withName("db-0").get()),
                TRANSLATOR.service(client.services().inNamespace("data").withName("db").get()),
                TRANSLATOR.endpointSlice(client.discovery().v1().endpointSlices().inNamespace("data").withName("db-abc").get()),
                TRANSLATOR.namespace(client.namespaces().withName("data").get()));
        SliceEndpoints slice = (SliceEndpoints) replace.objects().stream()
                .filter(o -> o.key().equals("endpointslice/c1/data/db-abc")).findFirst().orElseThrow();
        assertThat(slice.endpoints()).singleElement().satisfies(e -> {
            assertThat(e.ip()).isEqualTo("10.244.1.10");
            assertThat(e.targetPort()).isEqualTo(27017);
            assertThat(e.podName()).isEqualTo("db-0");
        });
        // Nothing went out before the Replace: the cluster arrives whole, its pods never without its policies.
        assertThat(changes.all().indexOf(replace)).isZero();
        // Without workspaces, no Workspace informer asks the server anything.
        List<String> paths = new ArrayList<>();
        for (int i = server.getRequestCount(); i > 0; i--) paths.add(server.takeRequest(1, TimeUnit.SECONDS).getPath());
        assertThat(paths).noneMatch(p -> p.contains("microseg.io"));
    }

    @Test
    void putsAndRemovesFollowEveryKind() throws Exception {
        start(false);
        assertThat(changes.next(Change.Replace.class).objects()).isEmpty();

        node("n1", "10.0.0.11");
        Change.Put node = changes.next(Change.Put.class, c -> puts(c, "node/c1/n1"));
        assertThat(node.source()).isEqualTo(SOURCE);
        assertThat(((io.microseg.inventory.Node) node.object()).ips()).containsExactly("10.0.0.11");
        client.nodes().withName("n1").edit(n -> new NodeBuilder(n).editMetadata().addToLabels("environment", "production").endMetadata().build());
        Change.Put relabelled = changes.next(Change.Put.class, c -> puts(c, "node/c1/n1"));
        assertThat(((io.microseg.inventory.Node) relabelled.object()).labels().values())
                .containsEntry("orchestrator_environment", "production");

        namespace("data", "production");
        assertThat(changes.next(Change.Put.class, c -> puts(c, "namespace/c1/data")).object())
                .isEqualTo(TRANSLATOR.namespace(client.namespaces().withName("data").get()));

        pod("data", "db-0", "10.244.1.10", "db");
        Change.Put pod = changes.next(Change.Put.class, c -> puts(c, "pod/c1/data/db-0"));
        assertThat(pod.object()).isEqualTo(TRANSLATOR.pod(client.pods().inNamespace("data").withName("db-0").get()));
        assertThat(((io.microseg.inventory.Pod) pod.object()).ips()).containsExactly("10.244.1.10");

        // A pod without an IP yet is not malformed: it is kept, without addresses.
        create(Pod.class, """
                apiVersion: v1
                kind: Pod
                metadata: {name: pending, namespace: data, labels: {app: db}}
                spec: {containers: [{name: main, image: x}]}
                status: {phase: Pending}
                """);
        Change.Put pending = changes.next(Change.Put.class, c -> puts(c, "pod/c1/data/pending"));
        assertThat(((io.microseg.inventory.Pod) pending.object()).ips()).isEmpty();

        service("data", "db", "NodePort");
        Change.Put service = changes.next(Change.Put.class, c -> puts(c, "service/c1/data/db"));
        assertThat(((io.microseg.inventory.Service) service.object()).ports()).singleElement()
                .satisfies(p -> assertThat(p.nodePort()).isEqualTo(30017));
        client.services().inNamespace("data").withName("db").edit(s -> {
            s.getSpec().setType("ClusterIP");
            return s;
        });
        Change.Put clusterIp = changes.next(Change.Put.class, c -> puts(c, "service/c1/data/db"));
        assertThat(((io.microseg.inventory.Service) clusterIp.object()).type()).isEqualTo(io.microseg.inventory.ServiceType.ClusterIP);
        assertThat(((io.microseg.inventory.Service) clusterIp.object()).ports()).singleElement()
                .satisfies(p -> assertThat(p.nodePort()).isNull());

        slice("data", "db-abc", "db", "10.244.1.10");
        Change.Put slice = changes.next(Change.Put.class, c -> puts(c, "endpointslice/c1/data/db-abc"));
        assertThat(((SliceEndpoints) slice.object()).service()).isEqualTo("db");

        client.discovery().v1().endpointSlices().inNamespace("data").withName("db-abc").delete();
        assertThat(changes.next(Change.Remove.class).key()).isEqualTo("endpointslice/c1/data/db-abc");
        client.services().inNamespace("data").withName("db").delete();
        assertThat(changes.next(Change.Remove.class).key()).isEqualTo("service/c1/data/db");
        client.pods().inNamespace("data").withName("db-0").delete();
        assertThat(changes.next(Change.Remove.class).key()).isEqualTo("pod/c1/data/db-0");
        client.nodes().withName("n1").delete();
        assertThat(changes.next(Change.Remove.class).key()).isEqualTo("node/c1/n1");
        client.namespaces().withName("data").delete();
        Change.Remove ns = changes.next(Change.Remove.class);
        assertThat(ns.key()).isEqualTo("namespace/c1/data");
        assertThat(ns.source()).isEqualTo(SOURCE);
    }

    @Test
    void malformedObjectIsSkippedWithAWarningAndItsOldVersionRemoved() throws Exception {
        start(false);
        changes.next(Change.Replace.class);
        pod("data", "db-0", "10.244.1.10", "db");
        changes.next(Change.Put.class, c -> puts(c, "pod/c1/data/db-0"));

        try (LogCapture log = new LogCapture()) {
            int mark = changes.mark();
            client.pods().inNamespace("data").withName("db-0").edit(p -> {
                p.getStatus().setPodIP("10.244.1.300");
                p.getStatus().setPodIPs(null);
                return p;
            });
            // The old version no longer describes the cluster: it is withdrawn, and nothing is put instead.
            assertThat(changes.next(Change.Remove.class).key()).isEqualTo("pod/c1/data/db-0");
            Recorder.await(() -> log.text().contains("Pod data/db-0"), Duration.ofSeconds(5), log::text);
            assertThat(log.text()).contains("WARN").contains("skipping Pod data/db-0: field status.podIP")
                    .contains("10.244.1.300");
            assertThat(changes.since(mark)).noneMatch(c -> c instanceof Change.Put);
        }

        // The source goes on: other objects still arrive, and the pod comes back once it is valid again.
        node("n1", "10.0.0.11");
        changes.next(Change.Put.class, c -> puts(c, "node/c1/n1"));
        client.pods().inNamespace("data").withName("db-0").edit(p -> {
            p.getStatus().setPodIP("10.244.1.11");
            return p;
        });
        Change.Put back = changes.next(Change.Put.class, c -> puts(c, "pod/c1/data/db-0"));
        assertThat(((io.microseg.inventory.Pod) back.object()).ips()).containsExactly("10.244.1.11");

        // A malformed object that never was valid is skipped without a Remove; its deletion is silent too.
        int mark = changes.mark();
        service("data", "odd", "Bogus");
        client.services().inNamespace("data").withName("odd").delete();
        node("n2", "10.0.0.12");
        changes.next(Change.Put.class, c -> puts(c, "node/c1/n2"));
        assertThat(changes.since(mark)).noneMatch(c -> c.toString().contains("odd"));
    }

    /**
     * The nodes' first list shows a node ("ghost") the cluster no longer has, and their watch then
     * fails with 410 Gone: the informer relists, the ghost is removed, and a Replace with exactly what
     * the cluster holds follows. (The informer lists with resourceVersion=0 first, then watches from the
     * list's resourceVersion; after 410 it lists again without one.)
     */
    @Test
    void relistAfterGoneReplacesTheInventory() throws Exception {
        node("n1", "10.0.0.11");
        // Delayed, so that the nodes list last and their first list is the one the first Replace waits for.
        server.expect().get().delay(500, TimeUnit.MILLISECONDS).withPath("/api/v1/nodes?resourceVersion=0")
                .andReturn(200, new NodeListBuilder().withNewMetadata().withResourceVersion("1000").endMetadata()
                        .addToItems(new NodeBuilder().withNewMetadata().withName("ghost").withResourceVersion("999").endMetadata().build())
                        .build())
                .once();
        server.expect().get()
                .withPath("/api/v1/nodes?allowWatchBookmarks=true&resourceVersion=1000&timeoutSeconds=600&watch=true")
                .andUpgradeToWebSocket().open()
                .waitFor(200).andEmit(new WatchEvent(new StatusBuilder().withCode(410).withReason("Expired")
                        .withMessage("too old resource version: 1000").build(), "ERROR"))
                .done().once();

        start(false);
        assertThat(keys(changes.next(Change.Replace.class).objects())).containsExactly("node/c1/ghost");

        Change.Remove ghost = changes.next(Change.Remove.class);
        assertThat(ghost.key()).isEqualTo("node/c1/ghost");
        Change.Replace relisted = changes.next(Change.Replace.class);
        assertThat(relisted.objects()).containsExactly(TRANSLATOR.node(client.nodes().withName("n1").get()));

        // And the new watch follows the cluster.
        node("n2", "10.0.0.12");
        changes.next(Change.Put.class, c -> puts(c, "node/c1/n2"));
    }

    @Test
    void closedSourceEmitsNothing() throws Exception {
        start(false);
        changes.next(Change.Replace.class);
        // A second source on the same cluster, left open: once it has the new node, the closed one would have had it too.
        Recorder witnessed = new Recorder();
        KubernetesSource witness = new KubernetesSource(CLUSTER, client, witnessed, false);
        try {
            witness.start();
            witness.synced().get(10, TimeUnit.SECONDS);
            source.close();
            int mark = changes.mark();
            node("n1", "10.0.0.11");
            witnessed.next(Change.Put.class, c -> puts(c, "node/c1/n1"));
            assertThat(changes.since(mark)).isEmpty();
        } finally {
            witness.close();
        }
    }

    // ---- NetworkPolicies

    private NetworkPolicy networkPolicy(String namespace, String name, String fromApp) {
        return create(NetworkPolicy.class, networkPolicyYaml(namespace, name, fromApp, "In"));
    }

    /** Selects app=db and allows TCP 27017 from pods whose app is (operator) {@code fromApp}. */
    private static String networkPolicyYaml(String namespace, String name, String fromApp, String operator) {
        return """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: %s, namespace: %s}
                spec:
                  podSelector: {matchLabels: {app: db}}
                  ingress:
                    - from: [{podSelector: {matchExpressions: [{key: app, operator: %s, values: [%s]}]}}]
                      ports: [{protocol: TCP, port: 27017}]
                """.formatted(name, namespace, operator, fromApp);
    }

    @Test
    void networkPoliciesArePutUpdatedAndRemoved() throws Exception {
        networkPolicy("data", "from-web", "web");
        start(false);
        // Listed at start: in the first Replace, translated as from a file.
        Change.Replace replace = changes.next(Change.Replace.class);
        io.microseg.inventory.NetworkPolicy initial = TRANSLATOR.networkPolicy(
                client.network().v1().networkPolicies().inNamespace("data").withName("from-web").get());
        assertThat(replace.objects()).containsExactly(initial);
        assertThat(initial.key()).isEqualTo("networkpolicy/c1/data/from-web");
        assertThat(initial.ingress()).singleElement().satisfies(r -> assertThat(r.from()).singleElement()
                .satisfies(peer -> assertThat(peer.pods().requirements()).singleElement()
                        .satisfies(req -> assertThat(req.values()).containsExactly("web"))));

        // Created after the start: put.
        networkPolicy("web", "from-api", "api");
        Change.Put created = changes.next(Change.Put.class, c -> puts(c, "networkpolicy/c1/web/from-api"));
        assertThat(created.source()).isEqualTo(SOURCE);

        // Updated: put again, with the new peers.
        client.network().v1().networkPolicies().inNamespace("data").withName("from-web").edit(np -> {
            np.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector().getMatchExpressions().get(0).setValues(List.of("web", "batch"));
            return np;
        });
        Change.Put updated = changes.next(Change.Put.class, c -> puts(c, "networkpolicy/c1/data/from-web"));
        assertThat(((io.microseg.inventory.NetworkPolicy) updated.object()).ingress().get(0).from().get(0).pods().requirements().get(0).values())
                .containsExactlyInAnyOrder("web", "batch");

        // Deleted: removed.
        client.network().v1().networkPolicies().inNamespace("data").withName("from-web").delete();
        Change.Remove removed = changes.next(Change.Remove.class);
        assertThat(removed.key()).isEqualTo("networkpolicy/c1/data/from-web");
        assertThat(removed.source()).isEqualTo(SOURCE);
    }

    /**
     * A NetworkPolicy closes traffic: a version microseg refuses must not withdraw the one in force
     * (which would open the pods it isolates), unlike a refused pod. It stays through a relist too,
     * and goes only when the policy is deleted or fixed.
     */
    @Test
    void aRefusedNetworkPolicyEditLeavesTheLastGoodVersionInForceThroughARelist() throws Exception {
        // The cluster holds a version microseg refuses (operator Gt); the first list shows a good one, at
        // resourceVersion 1000, and the watch from there fails with 410 Gone: the relist brings the refused one.
        create(NetworkPolicy.class, networkPolicyYaml("data", "np", "web", "Gt"));
        NetworkPolicy good = client.getKubernetesSerialization().unmarshal(networkPolicyYaml("data", "np", "web", "In"), NetworkPolicy.class);
        good.getMetadata().setResourceVersion("999");
        server.expect().get().withPath("/apis/networking.k8s.io/v1/networkpolicies?resourceVersion=0")
                .andReturn(200, new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyListBuilder()
                        .withMetadata(new io.fabric8.kubernetes.api.model.ListMetaBuilder().withResourceVersion("1000").build())
                        .addToItems(good).build())
                .once();
        server.expect().get()
                .withPath("/apis/networking.k8s.io/v1/networkpolicies?allowWatchBookmarks=true&resourceVersion=1000&timeoutSeconds=600&watch=true")
                .andUpgradeToWebSocket().open()
                .waitFor(300).andEmit(new WatchEvent(new StatusBuilder().withCode(410).withReason("Expired")
                        .withMessage("too old resource version: 1000").build(), "ERROR"))
                .done().once();

        try (LogCapture log = new LogCapture()) {
            start(false);
            io.microseg.inventory.NetworkPolicy inForce = TRANSLATOR.networkPolicy(good);
            assertThat(changes.next(Change.Replace.class).objects()).containsExactly(inForce);

            // The relist: the refused version is reported, nothing is withdrawn, and the Replace keeps the good one.
            Change.Replace relisted = changes.next(Change.Replace.class);
            assertThat(relisted.objects()).containsExactly(inForce);
            assertThat(log.text()).contains("WARN").contains("refusing NetworkPolicy data/np: field spec.ingress[0].from[0].podSelector.matchExpressions[0].operator")
                    .contains("its last good version stays in force");
            assertThat(changes.all()).noneMatch(c -> c instanceof Change.Remove);
        }

        // Fixed: the new version is put.
        client.network().v1().networkPolicies().inNamespace("data").withName("np").edit(np -> {
            np.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector().getMatchExpressions().get(0).setOperator("NotIn");
            return np;
        });
        Change.Put fixed = changes.next(Change.Put.class, c -> puts(c, "networkpolicy/c1/data/np"));
        assertThat(((io.microseg.inventory.NetworkPolicy) fixed.object()).ingress().get(0).from().get(0).pods().requirements().get(0).operator())
                .isEqualTo(io.microseg.netpol.LabelSelector.Operator.NotIn);

        // Refused again, then deleted: the refused edit keeps it, the deletion removes it.
        client.network().v1().networkPolicies().inNamespace("data").withName("np").edit(np -> {
            np.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector().getMatchExpressions().get(0).setOperator("Lt");
            return np;
        });
        client.network().v1().networkPolicies().inNamespace("data").withName("np").delete();
        Change.Remove removed = changes.next(Change.Remove.class);
        assertThat(removed.key()).isEqualTo("networkpolicy/c1/data/np");
        assertThat(changes.all()).filteredOn(c -> c instanceof Change.Remove).hasSize(1);

        // A policy refused from its first version was never in force: nothing is put, nor removed.
        int mark = changes.mark();
        create(NetworkPolicy.class, networkPolicyYaml("data", "never", "web", "Gt"));
        client.network().v1().networkPolicies().inNamespace("data").withName("never").delete();
        node("n1", "10.0.0.11");
        changes.next(Change.Put.class, c -> puts(c, "node/c1/n1"));
        assertThat(changes.since(mark)).noneMatch(c -> c.toString().contains("never"));
    }

    // ---- ClusterNetworkPolicies

    private MixedOperation<GenericKubernetesResource, ?, Resource<GenericKubernetesResource>> cnps() {
        return client.genericKubernetesResources(KubeApi.CLUSTER_NETWORK_POLICY_RESOURCE);
    }

    /** An Admin Deny on app=db's ingress from app=web on TCP {@code port}; {@code portField} lets a test write a field the schema lacks. */
    private GenericKubernetesResource cnp(String name, String portField, int port) {
        return client.getKubernetesSerialization().unmarshal("""
                apiVersion: policy.networking.k8s.io/v1alpha2
                kind: ClusterNetworkPolicy
                metadata: {name: %s}
                spec:
                  tier: Admin
                  priority: 10
                  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}
                  ingress:
                    - name: deny-web
                      action: Deny
                      from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}]
                      protocols: [{tcp: {%s: {number: %d}}}]
                """.formatted(name, portField, port), GenericKubernetesResource.class);
    }

    private static int denyPort(Change c) {
        var policy = (io.microseg.inventory.ClusterNetworkPolicy) ((Change.Put) c).object();
        return policy.ingress().get(0).ports().get(0).start();
    }

    /**
     * ClusterNetworkPolicies are read by the same strict reader as files; like a NetworkPolicy, a version
     * microseg refuses (here the field {@code ports} of an earlier draft, which ignoring would widen the
     * Deny's reading) leaves the last good one in force, through a relist too; deletion withdraws it.
     */
    @Test
    void clusterNetworkPoliciesArePutAndARefusedEditLeavesTheLastGoodVersion() throws Exception {
        cnps().resource(cnp("guard", "destinationPort", 27017)).create();
        start(false);
        Change.Replace replace = changes.next(Change.Replace.class);
        assertThat(keys(replace.objects())).containsExactly("clusternetworkpolicy/c1/guard");
        var initial = (io.microseg.inventory.ClusterNetworkPolicy) replace.objects().get(0);
        assertThat(initial.tier()).isEqualTo(io.microseg.policy.Rank.ADMIN);
        assertThat(initial.ingress().get(0).ports().get(0).start()).isEqualTo(27017);

        // Edited: put with the new port.
        cnps().resource(cnp("guard", "destinationPort", 5432)).update();
        assertThat(denyPort(changes.next(Change.Put.class, c -> puts(c, "clusternetworkpolicy/c1/guard")))).isEqualTo(5432);

        // Refused edit: warned, nothing put nor removed; the Replace of a relist keeps the good version.
        int mark = changes.mark();
        try (LogCapture log = new LogCapture()) {
            cnps().resource(cnp("guard", "ports", 80)).update();
            for (int i = 0; i < 100 && !log.text().contains("refusing ClusterNetworkPolicy guard"); i++) Thread.sleep(50);
            assertThat(log.text()).contains("WARN").contains("refusing ClusterNetworkPolicy guard: field spec.ingress[0].protocols[0].tcp")
                    .contains("its last good version stays in force");
        }
        node("n1", "10.0.0.11");
        changes.next(Change.Put.class, c -> puts(c, "node/c1/n1"));
        assertThat(changes.since(mark)).noneMatch(c -> c.toString().contains("guard"));

        // Deleted: removed.
        cnps().withName("guard").delete();
        Change.Remove removed = changes.next(Change.Remove.class);
        assertThat(removed.key()).isEqualTo("clusternetworkpolicy/c1/guard");
        assertThat(removed.source()).isEqualTo(SOURCE);
    }

    /** A cluster without the network-policy-api CRD (404 on its list) still syncs, without ClusterNetworkPolicies, and says so. */
    @Test
    void aClusterThatDoesNotServeClusterNetworkPoliciesStillSyncs() throws Exception {
        server.expect().get().withPath("/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies?resourceVersion=0")
                .andReturn(404, new StatusBuilder().withCode(404).withReason("NotFound").withMessage("the server could not find the requested resource").build())
                .always();
        node("n1", "10.0.0.11");
        try (LogCapture log = new LogCapture()) {
            start(false);
            assertThat(keys(changes.next(Change.Replace.class).objects())).containsExactly("node/c1/n1");
            assertThat(log.text()).contains("ClusterNetworkPolicies are not followed");
        }
    }

    /**
     * A cluster that serves ClusterNetworkPolicies but refuses microseg their list (403: RBAC without
     * them) fails the sync: they may exist and close traffic, so the cluster's inventory is not put in
     * force without them, and the error says which resource to grant.
     */
    @Test
    void aClusterThatRefusesTheClusterNetworkPolicyListFailsTheSyncAndDeliversNothing() throws Exception {
        server.expect().get().withPath("/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies?resourceVersion=0")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden")
                        .withMessage("clusternetworkpolicies.policy.networking.k8s.io is forbidden: User \"system:serviceaccount:microseg:microseg\""
                                + " cannot list resource \"clusternetworkpolicies\" in API group \"policy.networking.k8s.io\" at the cluster scope").build())
                .always();
        node("n1", "10.0.0.11");
        try (LogCapture log = new LogCapture()) {
            source = new KubernetesSource(CLUSTER, client, changes, false);
            source.start();
            java.util.concurrent.ExecutionException failed = org.assertj.core.api.Assertions.catchThrowableOfType(
                    java.util.concurrent.ExecutionException.class, () -> source.synced().get(10, TimeUnit.SECONDS));
            assertThat(failed).as("the sync fails").isNotNull();
            Throwable cause = failed.getCause();
            while (cause != null && !(cause instanceof io.fabric8.kubernetes.client.KubernetesClientException)) cause = cause.getCause();
            assertThat(cause).as("the list's refusal is the cause").isNotNull();
            assertThat(((io.fabric8.kubernetes.client.KubernetesClientException) cause).getCode()).isEqualTo(403);
            assertThat(failed.getMessage()).contains("kubernetes:c1: cannot list clusternetworkpolicies.policy.networking.k8s.io (HTTP 403:"
                    + " clusternetworkpolicies.policy.networking.k8s.io is forbidden: User").contains("microseg needs list and watch on them");
            assertThat(log.text()).contains("ERROR")
                    .contains("the ClusterNetworkPolicy informer could not start (may microseg list clusternetworkpolicies.policy.networking.k8s.io?)")
                    .contains("403")
                    .doesNotContain("ClusterNetworkPolicies are not followed");
            // The other informers listed, but nothing reaches the sink: no inventory of this cluster without its policies.
            Thread.sleep(500);
            assertThat(changes.all()).noneMatch(c -> c instanceof Change.Replace || c instanceof Change.Put);
        }
    }

    // ---- workspaces

    private MixedOperation<GenericKubernetesResource, ?, Resource<GenericKubernetesResource>> workspaces() {
        return client.genericKubernetesResources(KubeApi.WORKSPACE_RESOURCE);
    }

    private GenericKubernetesResource workspace(String name, String consumer, String catchAllIngress) {
        return client.getKubernetesSerialization().unmarshal("""
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: %s}
                spec:
                  scope: "orchestrator_system/cluster_name = c1 OR environment = production"
                  catchAll: {ingress: %s, egress: ALLOW}
                  policies:
                    - id: production-to-db
                      consumer: "%s"
                      provider: "orchestrator_system/service_name = db"
                      ports: ["TCP 27017"]
                      action: ALLOW
                      rank: DEFAULT
                      priority: 100
                """.formatted(name, catchAllIngress, consumer), GenericKubernetesResource.class);
    }

    private static boolean workspacesOf(Change c, String name) {
        return c instanceof Change.Workspaces w && w.source().equals(SOURCE + "/workspaces/" + name);
    }

    @Test
    void workspaceResourcesBecomeWorkspacesAndBadOnesLeaveTheLastGoodVersion() throws Exception {
        try (FileInputStream crd = new FileInputStream("config/crd/workspaces.microseg.io.yaml")) {
            client.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
        workspaces().resource(workspace("prod", "environment = production OR orchestrator_environment = production", "DENY")).create();

        start(true);
        Change.Workspaces initial = changes.next(Change.Workspaces.class, c -> workspacesOf(c, "prod"));
        assertThat(initial.workspaces()).singleElement().satisfies(ws -> {
            assertThat(ws.name()).isEqualTo("prod");
            assertThat(ws.catchAllIngress()).isEqualTo(Action.DENY);
            assertThat(ws.catchAllEgress()).isEqualTo(Action.ALLOW);
            assertThat(ws.source()).isEqualTo("kubernetes:c1/workspaces/prod");
            Policy p = ws.policies().get(0);
            assertThat(p.id()).isEqualTo("production-to-db");
            assertThat(p.action()).isEqualTo(Action.ALLOW);
            assertThat(ws.qualify(p)).isEqualTo("prod/production-to-db");
        });

        try (LogCapture log = new LogCapture()) {
            int mark = changes.mark();
            // A bad query: refused with PolicyReader's message, nothing emitted.
            workspaces().withName("prod").edit(r -> workspace("prod", "environment = = production", "DENY"));
            Recorder.await(() -> log.text().contains("Workspace prod refused"), Duration.ofSeconds(5), log::text);
            assertThat(log.text()).contains("WARN").contains("kubernetes:c1/workspaces/prod")
                    .contains("field spec.policies[0].consumer");
            // Events of one informer are handled in order: once a later workspace arrives, the bad edit is done with.
            workspaces().resource(workspace("other", "*", "ALLOW")).create();
            changes.next(Change.Workspaces.class, c -> workspacesOf(c, "other"));
            assertThat(changes.since(mark)).noneMatch(c -> workspacesOf(c, "prod"));
        }

        // A valid edit is emitted.
        workspaces().withName("prod").edit(r -> workspace("prod", "environment = staging", "ALLOW"));
        Change.Workspaces edited = changes.next(Change.Workspaces.class, c -> workspacesOf(c, "prod"));
        Workspace ws = edited.workspaces().get(0);
        assertThat(ws.catchAllIngress()).isEqualTo(Action.ALLOW);
        assertThat(ws.policies().get(0).consumer()).isNotEqualTo(initial.workspaces().get(0).policies().get(0).consumer());
        assertThat(ws.enforcement()).isEqualTo(io.microseg.policy.Enforcement.ENFORCE);

        // Audit mode is an ordinary edit of spec.enforcement.
        workspaces().withName("prod").edit(r -> {
            GenericKubernetesResource audited = workspace("prod", "environment = staging", "ALLOW");
            @SuppressWarnings("unchecked")
            var spec = (java.util.Map<String, Object>) audited.getAdditionalProperties().get("spec");
            spec.put("enforcement", "audit");
            return audited;
        });
        assertThat(changes.next(Change.Workspaces.class, c -> workspacesOf(c, "prod")).workspaces().get(0).enforcement())
                .isEqualTo(io.microseg.policy.Enforcement.AUDIT);

        // Deleted: the source holds no workspace any more.
        workspaces().withName("prod").delete();
        assertThat(changes.next(Change.Workspaces.class, c -> workspacesOf(c, "prod")).workspaces()).isEmpty();
    }

    @Test
    void crdDescribesTheWorkspaceDocument() throws IOException {
        var crd = client.getKubernetesSerialization().unmarshal(
                Files.readString(Path.of("config/crd/workspaces.microseg.io.yaml")),
                io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class);
        assertThat(crd.getMetadata().getName()).isEqualTo("workspaces.microseg.io");
        assertThat(crd.getSpec().getGroup()).isEqualTo(KubeApi.WORKSPACE_RESOURCE.getGroup());
        assertThat(crd.getSpec().getScope()).isEqualTo("Cluster");
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo("Workspace");
        assertThat(crd.getSpec().getNames().getPlural()).isEqualTo(KubeApi.WORKSPACE_RESOURCE.getPlural());
        var version = crd.getSpec().getVersions().get(0);
        assertThat(version.getName()).isEqualTo("v1");
        var spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
        assertThat(spec.getProperties()).containsOnlyKeys("scope", "catchAll", "enforcement", "policies");
        assertThat(spec.getProperties().get("enforcement").getEnum()).extracting(Object::toString).containsExactly("\"enforce\"", "\"audit\"");
        var catchAll = spec.getProperties().get("catchAll").getProperties();
        for (String direction : List.of("ingress", "egress")) {
            assertThat(catchAll.get(direction).getEnum()).extracting(Object::toString).containsExactly("\"ALLOW\"", "\"DENY\"");
        }
        var policy = spec.getProperties().get("policies").getItems().getSchema();
        assertThat(policy.getProperties()).containsOnlyKeys("id", "consumer", "provider", "ports", "action", "rank", "priority");
        assertThat(policy.getRequired()).containsExactlyInAnyOrder("id", "consumer", "provider", "ports", "action");
        assertThat(policy.getProperties().get("priority").getType()).isEqualTo("integer");
    }

    @Test
    void connectReadsTheGivenKubeconfigAndContext(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String url = client.getConfiguration().getMasterUrl();
        Path kubeconfig = dir.resolve("config");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                current-context: elsewhere
                clusters:
                  - name: mock
                    cluster: {server: "%s", insecure-skip-tls-verify: true}
                  - name: nowhere
                    cluster: {server: "https://nowhere.invalid:6443"}
                contexts:
                  - name: mock
                    context: {cluster: mock, user: tester, namespace: data}
                  - name: elsewhere
                    context: {cluster: nowhere, user: tester}
                users:
                  - name: tester
                    user: {token: secret}
                """.formatted(url));
        node("n1", "10.0.0.11");
        try (KubernetesClient connected = KubeApi.connect("mock", kubeconfig.toString())) {
            assertThat(connected.getConfiguration().getMasterUrl()).isEqualTo(url);
            assertThat(connected.getConfiguration().getNamespace()).isEqualTo("data");
            assertThat(connected.nodes().list().getItems()).extracting(n -> n.getMetadata().getName()).containsExactly("n1");
        }
        try (KubernetesClient current = KubeApi.connect(null, kubeconfig.toString())) {
            assertThat(current.getConfiguration().getMasterUrl()).startsWith("https://nowhere.invalid:6443");
        }
    }

    // ---- what the install must let the source read

    /**
     * The API calls the source really makes, mapped to RBAC's (group, resource, verb): exactly the
     * resources of {@link KubernetesSource#READS}, each only listed and watched, in all namespaces.
     * The install's ClusterRole is checked against READS (ManifestsTest), so an informer added
     * without its entry there fails here before it fails on a cluster with 403.
     */
    @Test
    void readsExactlyTheResourcesItDeclaresAndOnlyListsAndWatchesThem() throws Exception {
        start(true);
        Set<String> calls = new TreeSet<>();
        Set<ApiResource> resources = new HashSet<>();
        for (int i = server.getRequestCount(); i > 0; i--) {
            io.fabric8.mockwebserver.http.RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS);
            ApiResource resource = apiResource(r.getPath());
            resources.add(resource);
            boolean watch = r.getPath().contains("watch=true");
            calls.add(r.getMethod() + " " + resource + " " + (watch ? "watch" : "list"));
            assertThat(r.getMethod()).as(r.getPath()).isEqualTo("GET");
            assertThat(r.getPath()).as("a read of one object by name, or in one namespace: %s", r.getPath())
                    .doesNotContainPattern("/namespaces/[^/?]+/");
        }
        assertThat(resources).containsExactlyInAnyOrderElementsOf(KubeApi.READS);
        assertThat(calls).hasSize(2 * KubeApi.READS.size());
    }

    /** {@code /api/v1/pods?watch=true} is ("", pods); {@code /apis/discovery.k8s.io/v1/endpointslices} is (discovery.k8s.io, endpointslices). */
    private static ApiResource apiResource(String path) {
        String[] parts = path.split("\\?", 2)[0].split("/");
        // "", "api", "v1", resource...  or  "", "apis", group, version, resource...
        if (parts.length > 3 && parts[1].equals("api")) return new ApiResource("", parts[3]);
        if (parts.length > 4 && parts[1].equals("apis")) return new ApiResource(parts[2], parts[4]);
        throw new AssertionError("not a Kubernetes API path: " + path);
    }
}
