package io.microseg.source;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.microseg.controlplane.CompiledRule;
import io.microseg.compile.RuleBase;
import io.microseg.engine.Change;
import io.microseg.engine.ChangeSet;
import io.microseg.engine.Engine;
import io.microseg.controlplane.SetChange;
import io.microseg.policy.Direction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live path end to end: the mock API server, KubernetesSource, the Engine. The seed's example
 * (production consumers to the `db` NodePort service on TCP 27017, in a workspace whose scope holds
 * the nodes) is edited through the API, and each edit must change exactly what it should.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesEngineTest {
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    private static final String NODE_PORT_EGRESS = "Consumers reach the node port on every node of the service's cluster";
    private static final String NODES_FORWARD = "The nodes of the cluster forward to the provider pods on the target port";
    private static final String PROVIDERS_ACCEPT_NODES = "Provider pods accept the nodes of the cluster on the target port";
    private static final String NODES_ACCEPT_CONSUMERS = "The nodes accept the consumers on the node port";
    private static final String CLUSTER_IP_EGRESS = "Consumer pods reach the service's ClusterIP on the service port";
    private static final String PROVIDERS_ACCEPT_CONSUMERS = "Provider pods accept the consumers on the target port";
    private static final String POLICY = "seed/production-to-db";

    private static RuleBase rules;

    KubernetesMockServer server;
    KubernetesClient client;

    private final Recorder changes = new Recorder();
    private final List<ChangeSet> changeSets = new ArrayList<>();
    private Engine engine;
    private KubernetesSource source;

    @BeforeAll
    static void loadRules() {
        rules = RuleBase.packaged();
    }

    @AfterEach
    void stop() {
        if (source != null) source.close();
        if (engine != null) engine.close();
    }

    private void pod(String namespace, String name, String node, String ip, String labels) {
        new SeedCluster(client).pod(namespace, name, node, ip, labels);
    }

    private GenericKubernetesResource workspace(int priority) {
        return client.getKubernetesSerialization().unmarshal("""
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: seed}
                spec:
                  scope: "orchestrator_system/cluster_name = demo"
                  catchAll: {ingress: DENY, egress: DENY}
                  policies:
                    - id: production-to-db
                      consumer: "environment = production OR orchestrator_environment = production"
                      provider: "orchestrator_system/service_name = db"
                      ports: ["TCP 27017"]
                      action: ALLOW
                      priority: %d
                """.formatted(priority), GenericKubernetesResource.class);
    }

    /** The seed's cluster: two nodes, the db NodePort service (targetPort by name), one db pod, a production and a development web pod. */
    private void seedCluster() throws Exception {
        SeedCluster seed = new SeedCluster(client);
        seed.nodes(2);
        seed.create(io.fabric8.kubernetes.api.model.Namespace.class, "apiVersion: v1\nkind: Namespace\nmetadata: {name: data}\n");
        seed.create(io.fabric8.kubernetes.api.model.Namespace.class, "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n");
        seed.dbService();
        pod("data", "db-0", "node-1", "10.244.1.10", "{app: db}");
        pod("web", "web-prod-0", "node-1", "10.244.1.20", "{app: web, environment: production}");
        pod("web", "web-dev-0", "node-2", "10.244.2.20", "{app: web, environment: development}");
        seed.workspaceCrd();
        client.genericKubernetesResources(KubeApi.WORKSPACE_RESOURCE).resource(workspace(100)).create();

        engine = new Engine(rules);
        engine.subscribe(c -> {
            synchronized (changeSets) {
                changeSets.add(c);
            }
        });
        engine.start();
        source = new KubernetesSource("demo", client, c -> {
            engine.submit(c); // first: once the recorder has it, a sync() barrier comes after it
            changes.accept(c);
        }, true);
        source.start();
        source.synced().get(10, TimeUnit.SECONDS);
        engine.sync().get(30, TimeUnit.SECONDS);
    }

    private int mark() {
        synchronized (changeSets) {
            return changeSets.size();
        }
    }

    /** Waits for the source to emit a matching change, lets the engine apply it, and merges the change sets since {@code mark}. */
    private Delta after(int mark, Predicate<Change> emitted) throws Exception {
        changes.next(Change.class, emitted::test);
        engine.sync().get(30, TimeUnit.SECONDS);
        synchronized (changeSets) {
            return new Delta(List.copyOf(changeSets.subList(mark, changeSets.size())));
        }
    }

    private static Predicate<Change> puts(String key) {
        return c -> c instanceof Change.Put p && p.object().key().equals(key);
    }

    /** Several change sets as one: the rules added and removed overall (a rule added then removed is neither). */
    private record Delta(List<ChangeSet> sets) {
        List<CompiledRule> added() {
            return net().get(0);
        }

        List<CompiledRule> removed() {
            return net().get(1);
        }

        private List<List<CompiledRule>> net() {
            Map<String, CompiledRule> added = new LinkedHashMap<>();
            Map<String, CompiledRule> removed = new LinkedHashMap<>();
            for (ChangeSet s : sets) {
                for (CompiledRule r : s.rulesRemoved()) if (added.remove(r.id()) == null) removed.put(r.id(), r);
                for (CompiledRule r : s.rulesAdded()) if (removed.remove(r.id()) == null) added.put(r.id(), r);
            }
            return List.of(List.copyOf(added.values()), List.copyOf(removed.values()));
        }

        List<SetChange> setChanges() {
            List<SetChange> all = new ArrayList<>();
            sets.forEach(s -> all.addAll(s.sets()));
            return all;
        }
    }

    private List<CompiledRule> rulesNow() {
        return engine.snapshot().compilation().rules();
    }

    private static Set<String> ruleNames(List<CompiledRule> rules) {
        return Set.copyOf(rules.stream().map(CompiledRule::rule).toList());
    }

    @Test
    void theSeedsRulesFollowTheClusterAndTheWorkspace() throws Exception {
        seedCluster();

        // The seed's four rule families, from objects that came through the API.
        List<CompiledRule> initial = rulesNow();
        assertThat(ruleNames(initial)).contains(NODE_PORT_EGRESS, CLUSTER_IP_EGRESS, NODES_FORWARD,
                PROVIDERS_ACCEPT_NODES, PROVIDERS_ACCEPT_CONSUMERS);
        assertThat(initial).filteredOn(r -> r.rule().equals(NODES_FORWARD))
                .extracting(CompiledRule::workload).containsExactlyInAnyOrder("node/demo/node-1", "node/demo/node-2");
        assertThat(initial).filteredOn(r -> r.rule().equals(PROVIDERS_ACCEPT_NODES))
                .singleElement().satisfies(r -> {
                    assertThat(r.workload()).isEqualTo("pod/demo/data/db-0");
                    assertThat(r.ports()).isEqualTo("27017");
                });
        assertThat(engine.snapshot().compilation().sets()).filteredOn(s -> s.id().equals("backends:demo/data/db:tcp/27017"))
                .singleElement().satisfies(s -> assertThat(s.members()).containsExactly("10.244.1.10"));

        // 1. Scaling the provider: one more db pod changes set members, and adds only the new pod's own rules.
        int mark = mark();
        pod("data", "db-1", "node-2", "10.244.2.10", "{app: db}");
        Delta scaled = after(mark, puts("pod/demo/data/db-1"));
        assertThat(scaled.removed()).isEmpty();
        assertThat(scaled.added()).isNotEmpty().allSatisfy(r -> assertThat(r.workload()).isEqualTo("pod/demo/data/db-1"));
        assertThat(ruleNames(scaled.added())).contains(PROVIDERS_ACCEPT_NODES, PROVIDERS_ACCEPT_CONSUMERS);
        assertThat(scaled.setChanges()).anySatisfy(s -> {
            assertThat(s.set()).isEqualTo("backends:demo/data/db:tcp/27017");
            assertThat(s.added()).containsExactly("10.244.2.10");
            assertThat(s.removed()).isEmpty();
        });

        // 2. The named container port moves: db-0's "mongo" is now 28017 (the old port keeps another name).
        mark = mark();
        client.pods().inNamespace("data").withName("db-0").edit(p -> {
            List<ContainerPort> ports = List.of(
                    new ContainerPortBuilder().withName("legacy").withContainerPort(27017).withProtocol("TCP").build(),
                    new ContainerPortBuilder().withName("mongo").withContainerPort(28017).withProtocol("TCP").build());
            p.getSpec().getContainers().get(0).setPorts(ports);
            return p;
        });
        Delta moved = after(mark, puts("pod/demo/data/db-0"));
        Predicate<CompiledRule> db0PolicyIngress = r -> r.workload().equals("pod/demo/data/db-0")
                && r.direction() == Direction.INGRESS && POLICY.equals(r.policy());
        assertThat(moved.removed()).filteredOn(db0PolicyIngress).isNotEmpty().allSatisfy(r -> assertThat(r.ports()).isEqualTo("27017"));
        assertThat(moved.added()).filteredOn(db0PolicyIngress).isNotEmpty().allSatisfy(r -> assertThat(r.ports()).isEqualTo("28017"));
        assertThat(rulesNow()).filteredOn(db0PolicyIngress).extracting(CompiledRule::ports).containsOnly("28017");
        // db-1 still listens on 27017: the nodes now forward to both target ports.
        assertThat(rulesNow()).filteredOn(r -> r.rule().equals(NODES_FORWARD) && r.workload().equals("node/demo/node-1"))
                .extracting(CompiledRule::ports).containsExactlyInAnyOrder("27017", "28017");

        // 3. A consumer pod relabelled out of the consumer query loses its egress rules.
        mark = mark();
        client.pods().inNamespace("web").withName("web-prod-0").edit(p -> {
            p.getMetadata().getLabels().put("environment", "development");
            return p;
        });
        Delta relabelled = after(mark, puts("pod/demo/web/web-prod-0"));
        Predicate<CompiledRule> webProdEgress = r -> r.workload().equals("pod/demo/web/web-prod-0")
                && r.direction() == Direction.EGRESS && POLICY.equals(r.policy());
        assertThat(relabelled.removed()).filteredOn(webProdEgress).extracting(CompiledRule::rule)
                .containsExactlyInAnyOrder(NODE_PORT_EGRESS, CLUSTER_IP_EGRESS);
        assertThat(relabelled.added()).filteredOn(webProdEgress).isEmpty();
        assertThat(rulesNow()).filteredOn(webProdEgress).isEmpty();
        // Put it back: the workspace edit below has consumers to work on.
        mark = mark();
        client.pods().inNamespace("web").withName("web-prod-0").edit(p -> {
            p.getMetadata().getLabels().put("environment", "production");
            return p;
        });
        assertThat(after(mark, puts("pod/demo/web/web-prod-0")).added()).filteredOn(webProdEgress).isNotEmpty();

        // 4. Editing the Workspace resource through the API changes the rules: a new priority for the policy.
        mark = mark();
        client.genericKubernetesResources(KubeApi.WORKSPACE_RESOURCE).withName("seed").edit(r -> workspace(50));
        Delta edited = after(mark, c -> c instanceof Change.Workspaces w && w.source().equals("kubernetes:demo/workspaces/seed"));
        assertThat(edited.removed()).filteredOn(r -> POLICY.equals(r.policy())).isNotEmpty()
                .allSatisfy(r -> assertThat(r.priority()).isEqualTo(100));
        assertThat(edited.added()).filteredOn(r -> POLICY.equals(r.policy())).hasSameSizeAs(
                        edited.removed().stream().filter(r -> POLICY.equals(r.policy())).toList())
                .allSatisfy(r -> assertThat(r.priority()).isEqualTo(50));
        assertThat(rulesNow()).filteredOn(r -> POLICY.equals(r.policy())).isNotEmpty()
                .allSatisfy(r -> assertThat(r.priority()).isEqualTo(50));

        // 5. NodePort to ClusterIP: the node-port rules go, the ClusterIP ones stay.
        mark = mark();
        client.services().inNamespace("data").withName("db").edit(s -> {
            s.getSpec().setType("ClusterIP");
            s.getSpec().getPorts().get(0).setNodePort(null);
            return s;
        });
        Delta clusterIp = after(mark, puts("service/demo/data/db"));
        assertThat(ruleNames(clusterIp.removed())).containsExactlyInAnyOrder(NODE_PORT_EGRESS, NODES_FORWARD, PROVIDERS_ACCEPT_NODES,
                NODES_ACCEPT_CONSUMERS);
        assertThat(clusterIp.added()).isEmpty();
        assertThat(ruleNames(rulesNow())).doesNotContain(NODE_PORT_EGRESS, NODES_FORWARD, PROVIDERS_ACCEPT_NODES, NODES_ACCEPT_CONSUMERS)
                .contains(CLUSTER_IP_EGRESS, PROVIDERS_ACCEPT_CONSUMERS);
    }

    private static final String NETPOL_ALLOW = "Pods a NetworkPolicy selects accept the peers of its ingress rules on the rule's ports";
    private static final String NETPOL_ISOLATION = "Pods a NetworkPolicy selects for ingress refuse what no ingress rule allows";
    private static final String NETPOL = "netpol/demo/data/db-from-web";

    private Set<String> members(String set) {
        return engine.snapshot().compilation().sets().stream().filter(s -> s.id().equals(set))
                .findFirst().map(s -> Set.copyOf(s.members())).orElse(Set.of());
    }

    private List<CompiledRule> netpolRules() {
        return rulesNow().stream().filter(r -> r.policy() != null && r.policy().startsWith(NETPOL)).toList();
    }

    /**
     * A NetworkPolicy written through the API becomes rules (an allow per peer and port before the
     * isolation DENY); editing its peers, relabelling a namespace its namespace selector reads, and
     * deleting it change them, each within one batch.
     */
    @Test
    void aNetworkPolicyFromTheClusterFollowsItsCreationUpdatesAndDeletion() throws Exception {
        seedCluster();
        assertThat(rulesNow()).noneMatch(r -> r.policy() != null && r.policy().startsWith("netpol/"));

        // 1. Created: db-0 accepts production pods of namespaces labelled team=web on 27017, and nothing else.
        int mark = mark();
        new SeedCluster(client).create(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: db-from-web, namespace: data}
                spec:
                  podSelector: {matchLabels: {app: db}}
                  ingress:
                    - from: [{namespaceSelector: {matchLabels: {team: web}}, podSelector: {matchLabels: {environment: production}}}]
                      ports: [{port: 27017}]
                """);
        Delta created = after(mark, puts("networkpolicy/demo/data/db-from-web"));
        assertThat(created.removed()).isEmpty();
        assertThat(created.added()).extracting(CompiledRule::rule).containsExactlyInAnyOrder(NETPOL_ISOLATION);
        CompiledRule isolation = created.added().get(0);
        assertThat(isolation.workload()).isEqualTo("pod/demo/data/db-0");
        assertThat(isolation.direction()).isEqualTo(Direction.INGRESS);
        assertThat(isolation.action()).isEqualTo(io.microseg.policy.Action.DENY);
        assertThat(isolation.policy()).isEqualTo(NETPOL + "/isolation");

        // 2. The namespace web gets the label the selector asks for: the allow appears, from web-prod-0 only.
        mark = mark();
        client.namespaces().withName("web").edit(n -> {
            n.getMetadata().setLabels(new java.util.HashMap<>(Map.of("team", "web")));
            return n;
        });
        Delta labelled = after(mark, puts("namespace/demo/web"));
        assertThat(labelled.removed()).isEmpty();
        assertThat(labelled.added()).singleElement().satisfies(r -> {
            assertThat(r.rule()).isEqualTo(NETPOL_ALLOW);
            assertThat(r.workload()).isEqualTo("pod/demo/data/db-0");
            assertThat(r.policy()).isEqualTo(NETPOL);
            assertThat(r.ports()).isEqualTo("27017");
            assertThat(members(r.peerSet())).containsExactly("10.244.1.20");
        });

        // 3. Updated: the peer now asks for development pods; the allow's peers follow.
        mark = mark();
        client.network().v1().networkPolicies().inNamespace("data").withName("db-from-web").edit(np -> {
            np.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector().setMatchLabels(Map.of("environment", "development"));
            return np;
        });
        after(mark, puts("networkpolicy/demo/data/db-from-web"));
        assertThat(netpolRules()).filteredOn(r -> r.rule().equals(NETPOL_ALLOW)).singleElement()
                .satisfies(r -> assertThat(members(r.peerSet())).containsExactly("10.244.2.20"));
        assertThat(netpolRules()).filteredOn(r -> r.rule().equals(NETPOL_ISOLATION)).hasSize(1);

        // 4. Deleted: every rule of the policy goes, and nothing else changes.
        List<CompiledRule> before = netpolRules();
        mark = mark();
        client.network().v1().networkPolicies().inNamespace("data").withName("db-from-web").delete();
        Delta deleted = after(mark, c -> c instanceof Change.Remove r && r.key().equals("networkpolicy/demo/data/db-from-web"));
        assertThat(deleted.added()).isEmpty();
        assertThat(deleted.removed()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(netpolRules()).isEmpty();
    }
}
