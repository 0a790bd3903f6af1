package io.microseg.explain;

import io.microseg.controlplane.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.net.Protocol;
import io.microseg.policy.Direction;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Flows traced through the compiled rules: the demo (the seed's example) and a lab of edge cases. */
class TraceTest {
    private static RuleBase rules;
    private static Trace demo;
    private static Compilation demoCompilation;

    @BeforeAll
    static void compileDemo() {
        rules = RuleBase.packaged();
        Inventory inv = InventoryReader.read(Path.of("config/demo/inventory"));
        List<Workspace> ws = PolicyReader.read(Path.of("config/demo/policies"));
        demoCompilation = new Compiler(rules).compile(inv, ws);
        demo = Trace.of(demoCompilation, inv, ws);
    }

    // ------------------------------------------------------------ the demo

    @Test
    void productionHostThroughTheNodePortIsAllowedAndEveryHopShowsItsRuleAndDrlLocation() {
        FlowTrace t = demo.trace("host/backup-prod", "node/demo/node-1", "tcp/30017");

        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.path()).contains("node port 30017 of service/demo/data/db").contains("node/demo/node-1");
        // source egress, the entry node's check of the original source, then for each of the two pods:
        // the node forwarding, the pod's ingress
        assertThat(t.hops()).extracting(Hop::step).containsExactly(Hop.Step.SOURCE_EGRESS, Hop.Step.ENTRY_NODE_INGRESS,
                Hop.Step.NODE_FORWARD, Hop.Step.DESTINATION_INGRESS, Hop.Step.NODE_FORWARD, Hop.Step.DESTINATION_INGRESS);
        assertThat(t.hops()).allSatisfy(h -> {
            assertThat(h.verdict()).isEqualTo(Verdict.ALLOW);
            assertThat(h.rule()).as("deciding rule of %s", h).isNotNull();
            assertThat(h.rule().policy()).isEqualTo("demo/production-to-db");
            assertThat(h.rule().justifications()).isNotEmpty()
                    .allSatisfy(j -> assertThat(j.source().location()).matches("rules/services\\.drl:\\d+"));
        });
        Hop source = t.hops().get(0);
        assertThat(source.enforcer()).isEqualTo("host/backup-prod");
        assertThat(source.peerAddress()).isEqualTo("10.0.0.11");
        assertThat(source.port()).isEqualTo(30017);
        assertThat(source.rule().rule()).isEqualTo("Consumers reach the node port on every node of the service's cluster");
        Hop entry = t.hops().get(1);
        assertThat(entry.enforcer()).isEqualTo("node/demo/node-1");
        assertThat(entry.direction()).isEqualTo(Direction.INGRESS);
        assertThat(entry.peerAddress()).as("the original source").isEqualTo("192.168.10.5");
        assertThat(entry.localAddress()).isEqualTo("10.0.0.11");
        assertThat(entry.port()).isEqualTo(30017);
        assertThat(entry.rule().rule()).isEqualTo("The nodes accept the consumers on the node port");
        Hop forward = t.hops().get(2);
        assertThat(forward.enforcer()).isEqualTo("node/demo/node-1");
        assertThat(forward.port()).isEqualTo(27017);
        assertThat(forward.rule().rule()).isEqualTo("The nodes of the cluster forward to the provider pods on the target port");
        Hop sameNode = t.hops().get(3);
        assertThat(sameNode.workload()).isEqualTo("pod/demo/data/db-0");
        assertThat(sameNode.peer()).isEqualTo("node/demo/node-1 (a pod-side address of the node, masquerade)");
        assertThat(sameNode.peerAddress()).as("routing picks it on the node: not in the inventory").isNull();
        assertThat(sameNode.peerMemberOf()).isEqualTo("nodes:demo");
        assertThat(sameNode.rule().rule()).isEqualTo("Provider pods accept the nodes of the cluster on the target port");
        Hop otherNode = t.hops().get(5);
        assertThat(otherNode.workload()).isEqualTo("pod/demo/data/db-1");
        assertThat(otherNode.peerAddress()).as("SNAT to the entry node, externalTrafficPolicy Cluster").isEqualTo("10.0.0.11");
        assertThat(otherNode.rule().rule()).isEqualTo("Provider pods accept the nodes of the cluster on the target port");

        String text = TraceText.write(t, sets());
        assertThat(text).startsWith("flow host/backup-prod -> node/demo/node-1 TCP 30017: ALLOW")
                .contains("2. entry node accepts the original source on node/demo/node-1: INGRESS from host/backup-prod"
                        + " 192.168.10.5 TCP 30017 at 10.0.0.11: ALLOW")
                .contains("INGRESS from node/demo/node-1 (a pod-side address of the node, masquerade) TCP 27017: ALLOW")
                .contains(drlLine("Consumers reach the node port on every node of the service's cluster"))
                .contains(drlLine("The nodes accept the consumers on the node port"))
                .contains(drlLine("The nodes of the cluster forward to the provider pods on the target port"))
                .contains(drlLine("Provider pods accept the nodes of the cluster on the target port"))
                .contains("verdict: ALLOW");
    }

    /** "(rules/services.drl:N)" of a DRL rule, N its line in the rules folder. */
    static String drlLine(String rule) {
        return "(rules/services.drl:" + TestFiles.lineOf(Path.of("rules/services.drl"), "rule \"" + rule + "\"") + ")";
    }

    @Test
    void theDemoNodePortAdmitsOnlyConsumersAtEitherNodeWhateverTheBackend() {
        for (String node : List.of("node/demo/node-1", "node/demo/node-2")) {
            FlowTrace unmanaged = demo.trace("203.0.113.9", node, "tcp/30017");
            assertThat(unmanaged.verdict()).as(node).isEqualTo(Verdict.DENY);
            assertThat(unmanaged.denied()).as(node).singleElement().satisfies(h -> {
                assertThat(h.step()).isEqualTo(Hop.Step.ENTRY_NODE_INGRESS);
                assertThat(h.workload()).isEqualTo(node);
                assertThat(h.rule().policy()).isEqualTo("demo/catch-all");
                assertThat(h.why()).anyMatch(w -> w.startsWith("demo/production-to-db: consumer query did not match"));
            });
            FlowTrace consumer = demo.trace("host/backup-prod", node, "tcp/30017");
            assertThat(consumer.verdict()).as(node).isEqualTo(Verdict.ALLOW);
            FlowTrace pod = demo.trace("pod/demo/web/web-prod-0", node, "tcp/30017");
            assertThat(pod.verdict()).as(node).isEqualTo(Verdict.ALLOW);
        }
    }

    @Test
    void aBackendOnTheEntryNodeAcceptsTheMasqueradedNodeAddress() {
        // node-2 runs db-1: its ingress sees node-2's own pod-side address, db-0 on node-1 sees node-2's InternalIP
        FlowTrace t = demo.trace("host/backup-prod", "node/demo/node-2", "tcp/30017");
        List<Hop> ingress = t.hops().stream().filter(h -> h.step() == Hop.Step.DESTINATION_INGRESS).toList();
        assertThat(ingress).extracting(Hop::workload, Hop::peerAddress, Hop::peerMemberOf, Hop::verdict).containsExactly(
                org.assertj.core.groups.Tuple.tuple("pod/demo/data/db-0", "10.0.0.12", null, Verdict.ALLOW),
                org.assertj.core.groups.Tuple.tuple("pod/demo/data/db-1", null, "nodes:demo", Verdict.ALLOW));
        assertThat(ingress.get(1).rule().peerSet()).isEqualTo("nodes:demo");
        assertThat(t.notes()).anyMatch(n -> n.startsWith("masquerade: a backend on node/demo/node-2 itself sees the connection"));
    }

    @Test
    void productionPodToTheClusterIpIsAllowed() {
        FlowTrace t = demo.trace("pod/demo/web/web-prod-0", "10.96.0.50", "tcp/27017");

        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.to()).isEqualTo("service/demo/data/db");
        assertThat(t.hops()).extracting(Hop::step, Hop::workload).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Hop.Step.SOURCE_EGRESS, "pod/demo/web/web-prod-0"),
                org.assertj.core.groups.Tuple.tuple(Hop.Step.DESTINATION_INGRESS, "pod/demo/data/db-0"),
                org.assertj.core.groups.Tuple.tuple(Hop.Step.DESTINATION_INGRESS, "pod/demo/data/db-1"));
        assertThat(t.hops().get(0).rule().peerSet()).isEqualTo("clusterip:demo/data/db");
        assertThat(t.hops().get(1).peerAddress()).as("pod-to-service traffic keeps its source").isEqualTo("10.244.1.20");
        assertThat(t.hops().get(1).rule().rule()).isEqualTo("Provider pods accept the consumers on the target port");
    }

    @Test
    void theServiceCanBeNamedByIdOrInKubernetesDnsForm() {
        for (String name : List.of("service/demo/data/db", "db.data", "db.data.svc", "db.data.svc.cluster.local")) {
            FlowTrace t = demo.trace("pod/demo/web/web-prod-0", name, "tcp/27017");
            assertThat(t.to()).as(name).isEqualTo("service/demo/data/db");
            assertThat(t.verdict()).as(name).isEqualTo(Verdict.ALLOW);
        }
    }

    @Test
    void developmentPodToTheServiceIsDeniedBecauseTheConsumerQueryDidNotMatch() {
        FlowTrace t = demo.trace("pod/demo/web/web-dev-0", "db.data", "tcp/27017");

        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
        Hop source = t.hops().get(0);
        assertThat(source.verdict()).isEqualTo(Verdict.DENY);
        assertThat(source.rule().policy()).isEqualTo("demo/catch-all");
        assertThat(source.why()).singleElement().asString()
                .startsWith("demo/production-to-db: consumer query did not match: orchestrator_environment = development")
                .contains("the query wants orchestrator_environment = production");
        assertThat(TraceText.write(t, sets())).contains("why no ALLOW rule decided").contains("verdict: DENY");
    }

    @Test
    void productionPodStraightToTheDbPodIsDeniedBecauseThePolicyOpensTheService() {
        FlowTrace t = demo.trace("pod/demo/web/web-prod-0", "10.244.1.10", "tcp/27017");

        assertThat(t.to()).isEqualTo("pod/demo/data/db-0");
        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
        assertThat(t.hops()).extracting(Hop::verdict).containsExactly(Verdict.DENY, Verdict.ALLOW);
        assertThat(t.hops().get(0).why()).singleElement().asString()
                .contains("the policy opens the service, not the pod").contains("ClusterIP 10.96.0.50:27017");
    }

    @Test
    void theWrongPortIsDeniedBecauseThePortDiffers() {
        FlowTrace t = demo.trace("pod/demo/web/web-prod-0", "db.data", "tcp/27018");

        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
        assertThat(t.why()).anyMatch(w -> w.contains("port differs: the policy opens TCP 27017, the flow is TCP 27018"));
        assertThat(t.blocked()).anyMatch(b -> b.contains("has no port TCP 27018"));
    }

    @Test
    void anUnknownAddressIsUnmanagedAndIsJudgedAtTheEntryNode() {
        FlowTrace t = demo.trace("203.0.113.9", "10.0.0.12", "tcp/30017");

        assertThat(t.from()).isEqualTo("outside 203.0.113.9");
        assertThat(t.hops().get(0).verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.hops().get(0).decision()).isEqualTo("unmanaged: an address in no inventory has no agent and no rules"
                + " of its own, not enforced");
        // the nodes and pods admit "the nodes" after DNAT; the entry node still sees, and denies, the original source
        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
        assertThat(t.hops().get(1).step()).isEqualTo(Hop.Step.ENTRY_NODE_INGRESS);
        assertThat(t.hops().get(1).verdict()).isEqualTo(Verdict.DENY);
    }

    @Test
    void badEndsAndPortsAreInputErrors() {
        assertThatThrownBy(() -> demo.trace("pod/demo/web/nope", "db.data", "tcp/27017"))
                .isInstanceOf(InputException.class).hasMessageContaining("--from").hasMessageContaining("pod/demo/web/nope");
        assertThatThrownBy(() -> demo.trace("host/backup-prod", "nope.data", "tcp/27017"))
                .isInstanceOf(InputException.class).hasMessageContaining("no service nope in namespace data");
        assertThatThrownBy(() -> Trace.Port.parse("tcp/70000")).isInstanceOf(InputException.class).hasMessageContaining("--port");
        assertThat(Trace.Port.parse("udp/53")).isEqualTo(new Trace.Port(Protocol.UDP, 53));
        assertThat(Trace.Port.parse("SCTP/3868")).isEqualTo(new Trace.Port(Protocol.SCTP, 3868));
        assertThat(Trace.Port.parse("icmp")).isEqualTo(new Trace.Port(Protocol.ICMP, 0));
    }

    // ------------------------------------------------------------ the lab of edge cases

    /** Nodes in their own workspace (catch-all DENY); the shop workspace's scope leaves them out. */
    private static final String LAB_INVENTORY = """
            {apiVersion: microseg.io/v1, kind: Cluster, metadata: {name: lab}}
            ---
            {apiVersion: v1, kind: Node, metadata: {name: node-1}, status: {addresses: [{type: InternalIP, address: 10.0.0.1}]}}
            ---
            {apiVersion: v1, kind: Node, metadata: {name: node-2}, status: {addresses: [{type: InternalIP, address: 10.0.0.2}]}}
            ---
            {apiVersion: microseg.io/v1, kind: Host, metadata: {name: ext, labels: {role: client}}, spec: {ips: [192.168.1.5]}}
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: client-0, namespace: shop, labels: {role: client}},
             spec: {nodeName: node-1}, status: {phase: Running, podIP: 10.244.1.10}}
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: client-1, namespace: shop, labels: {role: client}},
             spec: {nodeName: node-1}, status: {phase: Pending}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop}
            spec:
              type: NodePort
              clusterIP: 10.96.0.20
              selector: {app: web}
              ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30080}]
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: web-0, namespace: shop, labels: {app: web}},
             spec: {nodeName: node-2}, status: {phase: Running, podIP: 10.244.2.30}}
            ---
            {apiVersion: v1, kind: Service, metadata: {name: billing, namespace: shop},
             spec: {type: ExternalName, externalName: billing.example.com, ports: [{name: https, protocol: TCP, port: 443}]}}
            ---
            {apiVersion: v1, kind: Service, metadata: {name: api, namespace: shop},
             spec: {clusterIP: 10.96.0.40, selector: {app: api}, ports: [{name: web, protocol: TCP, port: 80, targetPort: http}]}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: api-a, namespace: shop, labels: {app: api}}
            spec: {nodeName: node-1, containers: [{name: api, image: api, ports: [{name: http, containerPort: 8080}]}]}
            status: {phase: Running, podIP: 10.244.1.20}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: api-c, namespace: shop, labels: {app: api}}
            spec: {nodeName: node-1, containers: [{name: api, image: api, ports: [{name: metrics, containerPort: 9100}]}]}
            status: {phase: Running, podIP: 10.244.1.22}
            """;

    private static final String LAB_POLICIES = """
            apiVersion: microseg.io/v1
            kind: Workspace
            metadata: {name: shop}
            spec:
              scope: "orchestrator_system/namespace = shop OR role = client"
              catchAll: {ingress: DENY, egress: DENY}
              policies:
                - {id: clients-to-web, consumer: "role = client OR orchestrator_role = client",
                   provider: "orchestrator_system/service_name = web", ports: ["TCP 80"], action: ALLOW}
                - {id: clients-to-billing, consumer: "orchestrator_role = client",
                   provider: "orchestrator_system/service_name = billing", ports: ["TCP 443"], action: ALLOW}
                - {id: clients-to-api, consumer: "orchestrator_role = client",
                   provider: "orchestrator_system/service_name = api", ports: ["TCP 80"], action: ALLOW}
            ---
            apiVersion: microseg.io/v1
            kind: Workspace
            metadata: {name: infra}
            spec:
              scope: "orchestrator_system/workload_type = node"
              catchAll: {ingress: DENY, egress: DENY}
            """;

    private static Trace lab() {
        Inventory inv = InventoryReader.read(YamlDocuments.parse("lab.yaml", LAB_INVENTORY));
        List<Workspace> ws = PolicyReader.read(YamlDocuments.parse("lab-policies.yaml", LAB_POLICIES));
        return Trace.of(new Compiler(rules).compile(inv, ws), inv, ws);
    }

    @Test
    void aScopeThatExcludesTheNodesLeavesNoForwardingRuleOnThem() {
        FlowTrace t = lab().trace("host/ext", "node/lab/node-1", "tcp/30080");

        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
        assertThat(t.hops().get(0).verdict()).as("the consumer's own egress to the node port").isEqualTo(Verdict.ALLOW);
        Hop entry = t.hops().get(1);
        assertThat(entry.step()).isEqualTo(Hop.Step.ENTRY_NODE_INGRESS);
        assertThat(entry.verdict()).isEqualTo(Verdict.DENY);
        assertThat(entry.why()).singleElement().asString()
                .startsWith("shop/clients-to-web: the scope of workspace shop excludes the nodes (node/lab/node-1): no rule on"
                        + " them accepts the consumers");
        Hop forward = t.hops().get(2);
        assertThat(forward.step()).isEqualTo(Hop.Step.NODE_FORWARD);
        assertThat(forward.direction()).isEqualTo(Direction.EGRESS);
        assertThat(forward.verdict()).isEqualTo(Verdict.DENY);
        assertThat(forward.rule().policy()).isEqualTo("infra/catch-all");
        assertThat(forward.why()).singleElement().asString()
                .startsWith("shop/clients-to-web: the scope of workspace shop excludes the nodes (node/lab/node-1)");
    }

    @Test
    void aPodWithoutAnIpSendsNothing() {
        Trace lab = lab();
        FlowTrace from = lab.trace("pod/lab/shop/client-1", "web.shop", "tcp/80");
        assertThat(from.verdict()).isEqualTo(Verdict.DENY);
        assertThat(from.hops()).isEmpty();
        assertThat(from.why()).singleElement().asString().contains("pod/lab/shop/client-1 has no IP (not started yet");
    }

    @Test
    void anExternalNameServiceGetsNoRules() {
        FlowTrace t = lab().trace("pod/lab/shop/client-0", "billing.shop", "tcp/443");

        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
        assertThat(t.path()).contains("ExternalName");
        assertThat(t.hops()).singleElement().satisfies(h -> {
            assertThat(h.rule().policy()).isEqualTo("shop/catch-all");
            assertThat(h.why()).singleElement().asString()
                    .isEqualTo("shop/clients-to-billing: service/lab/shop/billing is ExternalName: the policy generates no rules for it");
        });
    }

    @Test
    void aPodWithoutTheNamedTargetPortIsNoEndpointAndGetsNoRule() {
        Trace lab = lab();
        FlowTrace direct = lab.trace("pod/lab/shop/client-0", "pod/lab/shop/api-c", "tcp/9100");
        assertThat(direct.verdict()).isEqualTo(Verdict.DENY);
        assertThat(direct.why()).anyMatch(w -> w.startsWith("shop/clients-to-api: the named target port is missing on that pod: "
                + "pod/lab/shop/api-c has no container port named http"));

        FlowTrace viaService = lab.trace("pod/lab/shop/client-0", "api.shop", "tcp/80");
        assertThat(viaService.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(viaService.hops()).extracting(Hop::workload).containsExactly("pod/lab/shop/client-0", "pod/lab/shop/api-a");
        assertThat(viaService.hops().get(1).port()).as("the named port resolved on api-a").isEqualTo(8080);
        assertThat(viaService.notes()).anyMatch(n -> n.startsWith("pod/lab/shop/api-c is selected by service/lab/shop/api but has"
                + " no container port named http"));
    }

    @Test
    void aHostCannotReachAClusterIpAndIsToldTheWayIn() {
        FlowTrace t = lab().trace("host/ext", "10.96.0.20", "tcp/80");
        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
        assertThat(t.blocked()).anyMatch(b -> b.contains("a ClusterIP is reachable only from inside its cluster")
                && b.contains("node port 30080"));
    }

    @Test
    void aHostNamingTheServiceGoesThroughTheNodePort() {
        FlowTrace t = lab().trace("host/ext", "web.shop", "tcp/80");
        assertThat(t.hops().get(0).peerAddress()).isEqualTo("10.0.0.1");
        assertThat(t.hops().get(0).port()).isEqualTo(30080);
        assertThat(t.notes()).anyMatch(n -> n.contains("traced through node/lab/node-1 (first of 2; name a node, its IP or --via NODE"));
    }

    private static Map<String, AddressSet> sets() {
        return demoCompilation.sets().stream().collect(Collectors.toMap(AddressSet::id, Function.identity()));
    }
}
