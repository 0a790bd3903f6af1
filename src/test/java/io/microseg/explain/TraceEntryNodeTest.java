package io.microseg.explain;

import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.net.Protocol;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Traffic that enters a cluster at a node, traced as the dataplane enforces it: the entry node's
 * check of the original source, masquerade to a node-local address for a backend on the entry node,
 * the entry node of a load balancer, {@code via}, and sources outside every inventory.
 */
class TraceEntryNodeTest {
    private static final String INVENTORY = """
            {apiVersion: microseg.io/v1, kind: Cluster, metadata: {name: lab}}
            ---
            {apiVersion: v1, kind: Node, metadata: {name: node-1}, status: {addresses: [{type: InternalIP, address: 10.0.0.1}]}}
            ---
            {apiVersion: v1, kind: Node, metadata: {name: node-2}, status: {addresses: [{type: InternalIP, address: 10.0.0.2}]}}
            ---
            {apiVersion: v1, kind: Node, metadata: {name: node-3, labels: {node.kubernetes.io/exclude-from-external-load-balancers: ""}},
             status: {addresses: [{type: InternalIP, address: 10.0.0.3}]}}
            ---
            {apiVersion: microseg.io/v1, kind: Host, metadata: {name: ext, labels: {role: client}}, spec: {ips: [192.168.1.5]}}
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: web-0, namespace: shop, labels: {app: web}},
             spec: {nodeName: node-1}, status: {phase: Running, podIP: 10.244.1.30}}
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: web-1, namespace: shop, labels: {app: web}},
             spec: {nodeName: node-2}, status: {phase: Running, podIP: 10.244.2.30}}
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: api-0, namespace: shop, labels: {app: api}},
             spec: {nodeName: node-2}, status: {phase: Running, podIP: 10.244.2.40}}
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: batch-0, namespace: shop, labels: {app: batch}},
             spec: {nodeName: node-3}, status: {phase: Running, podIP: 10.244.3.50}}
            ---
            {apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop},
             spec: {type: NodePort, clusterIP: 10.96.0.10, selector: {app: web},
                    ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30080}]}}
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: edge-0, namespace: shop, labels: {app: edge}},
             spec: {nodeName: node-2, hostNetwork: true}, status: {phase: Running, podIP: 10.0.0.2, hostIP: 10.0.0.2}}
            ---
            {apiVersion: v1, kind: Service, metadata: {name: edge, namespace: shop},
             spec: {type: NodePort, clusterIP: 10.96.0.50, selector: {app: edge},
                    ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30090}]}}
            ---
            {apiVersion: v1, kind: Service, metadata: {name: front, namespace: shop},
             spec: {type: LoadBalancer, clusterIP: 10.96.0.20, selector: {app: web},
                    ports: [{name: https, protocol: TCP, port: 443, targetPort: 8443, nodePort: 30443}]},
             status: {loadBalancer: {ingress: [{ip: 203.0.113.20}]}}}
            ---
            {apiVersion: v1, kind: Service, metadata: {name: quiet, namespace: shop},
             spec: {type: LoadBalancer, clusterIP: 10.96.0.60, selector: {app: web},
                    ports: [{name: https, protocol: TCP, port: 9443, targetPort: 9443, nodePort: 30943}]},
             status: {loadBalancer: {ingress: [{ip: 203.0.113.60}]}}}
            ---
            {apiVersion: v1, kind: Service, metadata: {name: api, namespace: shop},
             spec: {type: LoadBalancer, externalTrafficPolicy: Local, clusterIP: 10.96.0.30, selector: {app: api},
                    ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30081}]},
             status: {loadBalancer: {ingress: [{ip: 203.0.113.30}]}}}
            ---
            {apiVersion: v1, kind: Service, metadata: {name: batch, namespace: shop},
             spec: {type: LoadBalancer, externalTrafficPolicy: Local, clusterIP: 10.96.0.40, selector: {app: batch},
                    ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30082}]},
             status: {loadBalancer: {ingress: [{ip: 203.0.113.40}]}}}
            """;

    /** Everything denied unless a policy opens it; the partner subnet is an address-only consumer of front and provider for web. */
    private static final String POLICIES = """
            apiVersion: microseg.io/v1
            kind: Workspace
            metadata: {name: lab}
            spec:
              scope: "*"
              catchAll: {ingress: DENY, egress: DENY}
              policies:
                - {id: clients-to-web, consumer: "role = client", provider: "orchestrator_system/service_name = web",
                   ports: ["TCP 80"], action: ALLOW}
                - {id: clients-to-front, consumer: "role = client", provider: "orchestrator_system/service_name = front",
                   ports: ["TCP 443"], action: ALLOW}
                - {id: partner-to-front, consumer: "address in subnet 198.51.100.0/24",
                   provider: "orchestrator_system/service_name = front", ports: ["TCP 443"], action: ALLOW}
                - {id: clients-to-api, consumer: "role = client", provider: "orchestrator_system/service_name = api",
                   ports: ["TCP 80"], action: ALLOW}
                - {id: clients-to-batch, consumer: "role = client", provider: "orchestrator_system/service_name = batch",
                   ports: ["TCP 80"], action: ALLOW}
                - {id: clients-to-edge, consumer: "role = client", provider: "orchestrator_system/service_name = edge",
                   ports: ["TCP 80"], action: ALLOW}
                - {id: web-to-partner, consumer: "orchestrator_app = web", provider: "address in subnet 198.51.100.0/24",
                   ports: ["TCP 443"], action: ALLOW}
            """;

    private static Trace lab;

    @BeforeAll
    static void compile() {
        Inventory inv = InventoryReader.read(YamlDocuments.parse("lab.yaml", INVENTORY));
        List<Workspace> ws = PolicyReader.read(YamlDocuments.parse("lab-policies.yaml", POLICIES));
        lab = Trace.of(new Compiler(RuleBase.packaged()).compile(inv, ws), inv, ws);
    }

    private static Hop step(FlowTrace t, Hop.Step step) {
        return t.hops().stream().filter(h -> h.step() == step).findFirst().orElseThrow();
    }

    // ------------------------------------------------------------ the entry node's check

    @Test
    void aNodePortAdmitsTheConsumersAtTheEntryNodeAndDeniesAnUnmanagedSource() {
        FlowTrace consumer = lab.trace("host/ext", "node/lab/node-2", "tcp/30080");
        assertThat(consumer.verdict()).isEqualTo(Verdict.ALLOW);
        Hop entry = step(consumer, Hop.Step.ENTRY_NODE_INGRESS);
        assertThat(entry).extracting(Hop::enforcer, Hop::peerAddress, Hop::localAddress, Hop::port)
                .containsExactly("node/lab/node-2", "192.168.1.5", "10.0.0.2", 30080);
        assertThat(entry.rule().rule()).isEqualTo("The nodes accept the consumers on the node port");
        assertThat(consumer.hops()).extracting(Hop::step).containsSubsequence(Hop.Step.SOURCE_EGRESS, Hop.Step.ENTRY_NODE_INGRESS,
                Hop.Step.NODE_FORWARD, Hop.Step.DESTINATION_INGRESS);

        FlowTrace unmanaged = lab.trace("203.0.113.7", "node/lab/node-2", "tcp/30080");
        assertThat(unmanaged.verdict()).isEqualTo(Verdict.DENY);
        assertThat(unmanaged.hops().get(0).decision()).startsWith("unmanaged:");
        assertThat(unmanaged.denied()).extracting(Hop::step, Hop::workload)
                .containsExactly(tuple(Hop.Step.ENTRY_NODE_INGRESS, "node/lab/node-2"));
        assertThat(unmanaged.denied().get(0).why()).anyMatch(w -> w.startsWith("lab/clients-to-web: consumer query did not match:"
                + " outside 203.0.113.7 has no labels"));
    }

    @Test
    void theBackendOnTheEntryNodeSeesAMasqueradedNodeAddressAndTheOtherTheEntryNodesAddress() {
        FlowTrace t = lab.trace("host/ext", "node/lab/node-1", "tcp/30080");
        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.hops().stream().filter(h -> h.step() == Hop.Step.DESTINATION_INGRESS))
                .extracting(Hop::workload, Hop::peer, Hop::peerAddress, Hop::peerMemberOf, Hop::verdict)
                .containsExactly(
                        tuple("pod/lab/shop/web-0", "node/lab/node-1 (a pod-side address of the node, masquerade)", null, "nodes:lab",
                                Verdict.ALLOW),
                        tuple("pod/lab/shop/web-1", "node/lab/node-1", "10.0.0.1", null, Verdict.ALLOW));
        assertThat(t.path()).contains("masquerade");
    }

    @Test
    void aHostNetworkBackendOnTheEntryNodeIsDeliveredLocallyAndSeesTheSource() {
        FlowTrace here = lab.trace("host/ext", "node/lab/node-2", "tcp/30090");
        assertThat(here.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(here.hops()).extracting(Hop::step, Hop::enforcer, Hop::peerAddress, Hop::port).containsExactly(
                tuple(Hop.Step.SOURCE_EGRESS, "host/ext", "10.0.0.2", 30090),
                tuple(Hop.Step.DESTINATION_INGRESS, "node/lab/node-2", "192.168.1.5", 8080));
        assertThat(here.hops().get(1).rule().rule()).isEqualTo("Provider pods accept the consumers on the target port");

        FlowTrace elsewhere = lab.trace("host/ext", "node/lab/node-1", "tcp/30090");
        assertThat(elsewhere.hops()).extracting(Hop::step, Hop::enforcer, Hop::peerAddress).containsExactly(
                tuple(Hop.Step.SOURCE_EGRESS, "host/ext", "10.0.0.1"),
                tuple(Hop.Step.ENTRY_NODE_INGRESS, "node/lab/node-1", "192.168.1.5"),
                tuple(Hop.Step.NODE_FORWARD, "node/lab/node-1", "10.0.0.2"),
                tuple(Hop.Step.DESTINATION_INGRESS, "node/lab/node-2", "10.0.0.1"));
        assertThat(elsewhere.verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void aRuleLimitedToTheLoadBalancersAddressesDoesNotOpenTheNodesOwnAddress() {
        // the nodes accept the clients on TCP 443 at 203.0.113.20 only (local set), not at their own address
        FlowTrace direct = lab.trace("host/ext", "node/lab/node-1", "tcp/443");
        Hop ingress = step(direct, Hop.Step.DESTINATION_INGRESS);
        assertThat(ingress.localAddress()).isEqualTo("10.0.0.1");
        assertThat(ingress.verdict()).isEqualTo(Verdict.DENY);
        assertThat(ingress.rule().policy()).isEqualTo("lab/catch-all");
    }

    // ------------------------------------------------------------ load balancers

    @Test
    void aLoadBalancerAddressIsCheckedAtTheEntryNodeOnTheServicePortAndSkipsExcludedNodes() {
        FlowTrace t = lab.trace("host/ext", "203.0.113.20", "tcp/443");
        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.to()).isEqualTo("service/lab/shop/front");
        Hop entry = step(t, Hop.Step.ENTRY_NODE_INGRESS);
        assertThat(entry).extracting(Hop::enforcer, Hop::peerAddress, Hop::localAddress, Hop::port)
                .containsExactly("node/lab/node-1", "192.168.1.5", "203.0.113.20", 443);
        assertThat(entry.rule().rule()).isEqualTo("The nodes accept the consumers on the load balancer's addresses");
        assertThat(entry.rule().localSet()).isEqualTo("loadbalancer:lab/shop/front");
        assertThat(t.notes()).anyMatch(n -> n.startsWith("the load balancer sends to every node of cluster lab; not node/lab/node-3"
                + " (labelled node.kubernetes.io/exclude-from-external-load-balancers): traced through node/lab/node-1 (first of 2;"));

        FlowTrace unmanaged = lab.trace("203.0.113.7", "203.0.113.20", "tcp/443");
        assertThat(unmanaged.denied()).extracting(Hop::step).containsExactly(Hop.Step.ENTRY_NODE_INGRESS);
    }

    @Test
    void aLoadBalancerAddressNoNodeRuleNamesIsNotJudgedOnTheNode() {
        // no policy opens quiet: the agent's forward chain catches only local sets its node's INGRESS rules use
        FlowTrace t = lab.trace("host/ext", "203.0.113.60", "tcp/9443");
        assertThat(t.hops()).extracting(Hop::step, Hop::workload).containsExactly(
                tuple(Hop.Step.SOURCE_EGRESS, "host/ext"),
                tuple(Hop.Step.DESTINATION_INGRESS, "pod/lab/shop/web-0"),
                tuple(Hop.Step.DESTINATION_INGRESS, "pod/lab/shop/web-1"));
        assertThat(t.notes()).contains("no INGRESS rule of node/lab/node-1 is limited to load-balancer address 203.0.113.60 (a local"
                + " set): the node's firewall does not judge connections DNATed from it, only the backends' rules do");
        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
    }

    @Test
    void aLocalLoadBalancerEntersAtANodeWithAReadyBackendAndTheBackendSeesTheSource() {
        FlowTrace t = lab.trace("host/ext", "api.shop", "tcp/80");
        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(step(t, Hop.Step.ENTRY_NODE_INGRESS).workload()).as("api-0 runs on node-2 only").isEqualTo("node/lab/node-2");
        assertThat(t.notes()).anyMatch(n -> n.startsWith("the load balancer sends to the nodes that run a ready backend of"
                + " service/lab/shop/api (externalTrafficPolicy Local") && n.endsWith("traced through node/lab/node-2"));
        Hop ingress = step(t, Hop.Step.DESTINATION_INGRESS);
        assertThat(ingress.peer()).isEqualTo("host/ext");
        assertThat(ingress.peerAddress()).isEqualTo("192.168.1.5");
    }

    @Test
    void aLocalLoadBalancerWhoseOnlyBackendIsOnAnExcludedNodeIsBlocked() {
        FlowTrace t = lab.trace("host/ext", "batch.shop", "tcp/80");
        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
        assertThat(t.blocked()).singleElement().asString()
                .isEqualTo("externalTrafficPolicy Local: no node of cluster lab runs a ready backend of service/lab/shop/batch"
                        + " port 80; not node/lab/node-3 (labelled node.kubernetes.io/exclude-from-external-load-balancers),"
                        + " so the load balancer has no healthy node to send to");
        assertThat(t.hops()).extracting(Hop::step).containsExactly(Hop.Step.SOURCE_EGRESS);

        FlowTrace forced = lab.trace("host/ext", "batch.shop", Protocol.TCP, 80, "node-3");
        assertThat(forced.verdict()).as("--via still reaches the backend on node-3").isEqualTo(Verdict.ALLOW);
        assertThat(forced.notes()).anyMatch(n -> n.startsWith("node/lab/node-3 is labelled"
                + " node.kubernetes.io/exclude-from-external-load-balancers: a load balancer sends it nothing"));
    }

    // ------------------------------------------------------------ via

    @Test
    void viaPicksTheEntryNodeByIdNameOrAddress() {
        for (String via : List.of("node/lab/node-2", "node-2", "10.0.0.2")) {
            FlowTrace t = lab.trace("host/ext", "web.shop", Protocol.TCP, 80, via);
            assertThat(step(t, Hop.Step.ENTRY_NODE_INGRESS).workload()).as(via).isEqualTo("node/lab/node-2");
            assertThat(step(t, Hop.Step.SOURCE_EGRESS).peerAddress()).as(via).isEqualTo("10.0.0.2");
        }
        FlowTrace local = lab.trace("host/ext", "api.shop", Protocol.TCP, 80, "node-1");
        assertThat(local.verdict()).isEqualTo(Verdict.DENY);
        assertThat(local.blocked()).containsExactly("externalTrafficPolicy Local: node/lab/node-1 runs no backend of"
                + " service/lab/shop/api, so kube-proxy drops load-balancer traffic there");
    }

    @Test
    void viaIsAnInputErrorWhenItNamesNoNodeOrTheFlowEntersAtNone() {
        assertThatThrownBy(() -> lab.trace("host/ext", "web.shop", Protocol.TCP, 80, "node-9"))
                .isInstanceOf(InputException.class).hasMessageContaining("--via").hasMessageContaining("'node-9'");
        assertThatThrownBy(() -> lab.trace("host/ext", "web.shop", Protocol.TCP, 80, "192.168.1.5"))
                .as("a host's address").isInstanceOf(InputException.class).hasMessageContaining("expected a node of the inventory");
        assertThatThrownBy(() -> lab.trace("host/ext", "node/lab/node-1", Protocol.TCP, 30080, "node-2"))
                .isInstanceOf(InputException.class).hasMessageContaining("expected the node the flow is addressed to (node/lab/node-1)");
        assertThatThrownBy(() -> lab.trace("pod/lab/shop/web-0", "api.shop", Protocol.TCP, 80, "node-2"))
                .as("a ClusterIP flow").isInstanceOf(InputException.class)
                .hasMessageContaining("expected a flow that enters at a node").hasMessageContaining("ClusterIP 10.96.0.30");
    }

    @Test
    void viaMustBeANodeOfTheServicesCluster() {
        Inventory inv = InventoryReader.read(Path.of("tests/fixtures/multi-cluster"));
        List<Workspace> ws = PolicyReader.read(YamlDocuments.parse("p.yaml", """
                {apiVersion: microseg.io/v1, kind: Workspace, metadata: {name: shop},
                 spec: {scope: "*", catchAll: {ingress: ALLOW, egress: ALLOW}}}
                """));
        Trace t = Trace.of(new Compiler(RuleBase.packaged()).compile(inv, ws), inv, ws);
        assertThatThrownBy(() -> t.trace("192.0.2.1", "service/east/shop/db", Protocol.TCP, 30432, "node/west/node-1"))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("expected a node of cluster east (the cluster of service/east/shop/db), found node/west/node-1");
        assertThatThrownBy(() -> t.trace("192.0.2.1", "service/east/shop/db", Protocol.TCP, 30432, "node-1"))
                .isInstanceOf(InputException.class).hasMessageContaining("expected one node named node-1");
        assertThat(t.trace("192.0.2.1", "service/east/shop/db", Protocol.TCP, 30432, "10.1.0.1").verdict()).isEqualTo(Verdict.ALLOW);
    }

    // ------------------------------------------------------------ outside addresses

    @Test
    void anOutsideSourceIsDecidedByTheCidrsOfAddressOnlyConsumers() {
        FlowTrace partner = lab.trace("198.51.100.7", "203.0.113.20", "tcp/443");
        assertThat(partner.from()).isEqualTo("outside 198.51.100.7");
        assertThat(partner.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(partner.hops().get(0).decision()).isEqualTo("unmanaged: an address in no inventory has no agent and no rules"
                + " of its own, not enforced");
        Hop entry = step(partner, Hop.Step.ENTRY_NODE_INGRESS);
        assertThat(entry.rule().policy()).isEqualTo("lab/partner-to-front");

        FlowTrace stranger = lab.trace("198.51.101.7", "203.0.113.20", "tcp/443");
        assertThat(stranger.verdict()).isEqualTo(Verdict.DENY);
        assertThat(stranger.denied()).extracting(Hop::step).containsExactly(Hop.Step.ENTRY_NODE_INGRESS);
    }

    @Test
    void anOutsideDestinationIsUnmanagedAndTheSourcesEgressDecidesByCidrMembership() {
        FlowTrace partner = lab.trace("pod/lab/shop/web-0", "198.51.100.7", "tcp/443");
        assertThat(partner.to()).isEqualTo("outside 198.51.100.7");
        assertThat(partner.hops()).extracting(Hop::step, Hop::verdict).containsExactly(
                tuple(Hop.Step.SOURCE_EGRESS, Verdict.ALLOW), tuple(Hop.Step.DESTINATION_INGRESS, Verdict.ALLOW));
        assertThat(partner.hops().get(0).rule().policy()).isEqualTo("lab/web-to-partner");
        assertThat(partner.hops().get(1).decision()).startsWith("unmanaged:");

        FlowTrace elsewhere = lab.trace("pod/lab/shop/web-0", "198.51.101.7", "tcp/443");
        assertThat(elsewhere.verdict()).isEqualTo(Verdict.DENY);
        assertThat(elsewhere.hops().get(0).rule().policy()).isEqualTo("lab/catch-all");
    }

    // ------------------------------------------------------------ a pod addressing a load balancer

    /** A pod client of front on node-1; a policy of higher priority denies it on every node's port 443. */
    private static final String POD_CLIENT = """
            {apiVersion: microseg.io/v1, kind: Cluster, metadata: {name: lab}}
            ---
            {apiVersion: v1, kind: Node, metadata: {name: node-1}, status: {addresses: [{type: InternalIP, address: 10.0.0.1}]}}
            ---
            {apiVersion: v1, kind: Node, metadata: {name: node-2}, status: {addresses: [{type: InternalIP, address: 10.0.0.2}]}}
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: client-0, namespace: shop, labels: {role: client}},
             spec: {nodeName: node-1}, status: {phase: Running, podIP: 10.244.1.10}}
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: web-0, namespace: shop, labels: {app: web}},
             spec: {nodeName: node-1}, status: {phase: Running, podIP: 10.244.1.30}}
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: web-1, namespace: shop, labels: {app: web}},
             spec: {nodeName: node-2}, status: {phase: Running, podIP: 10.244.2.30}}
            ---
            {apiVersion: v1, kind: Service, metadata: {name: front, namespace: shop},
             spec: {type: LoadBalancer, clusterIP: 10.96.0.20, selector: {app: web},
                    ports: [{name: https, protocol: TCP, port: 443, targetPort: 8443, nodePort: 30443}]},
             status: {loadBalancer: {ingress: [{ip: 203.0.113.20}]}}}
            ---
            {apiVersion: v1, kind: Service, metadata: {name: local, namespace: shop},
             spec: {type: LoadBalancer, externalTrafficPolicy: Local, clusterIP: 10.96.0.21, selector: {app: web},
                    ports: [{name: https, protocol: TCP, port: 9443, targetPort: 9443, nodePort: 30444}]},
             status: {loadBalancer: {ingress: [{ip: 203.0.113.21}]}}}
            """;

    private static Trace podClient(String extraPolicy) {
        Inventory inv = InventoryReader.read(YamlDocuments.parse("pod-client.yaml", POD_CLIENT));
        List<Workspace> ws = PolicyReader.read(YamlDocuments.parse("pod-client-policies.yaml", """
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: lab}
                spec:
                  scope: "*"
                  catchAll: {ingress: DENY, egress: DENY}
                  policies:
                    - {id: clients-to-front, consumer: "orchestrator_role = client", provider: "orchestrator_system/service_name = front",
                       ports: ["TCP 443"], action: ALLOW, priority: 100}
                    - {id: clients-to-local, consumer: "orchestrator_role = client", provider: "orchestrator_system/service_name = local",
                       ports: ["TCP 9443"], action: ALLOW, priority: 100}
                """ + extraPolicy));
        return Trace.of(new Compiler(RuleBase.packaged()).compile(inv, ws), inv, ws);
    }

    @Test
    void aPodsLoadBalancerTrafficIsDnatedAndJudgedOnItsOwnNodeAndMasqueraded() {
        FlowTrace t = podClient("").trace("pod/lab/shop/client-0", "203.0.113.20", "tcp/443");
        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.path()).contains("kube-proxy DNATs it on node/lab/node-1, the node of pod/lab/shop/client-0");
        assertThat(t.hops()).extracting(Hop::step, Hop::enforcer, Hop::peerAddress, Hop::peerMemberOf).containsExactly(
                tuple(Hop.Step.SOURCE_EGRESS, "pod/lab/shop/client-0", "203.0.113.20", null),
                tuple(Hop.Step.ENTRY_NODE_INGRESS, "node/lab/node-1", "10.244.1.10", null),
                tuple(Hop.Step.NODE_FORWARD, "node/lab/node-1", "10.244.1.30", null),
                tuple(Hop.Step.DESTINATION_INGRESS, "pod/lab/shop/web-0", null, "nodes:lab"),
                tuple(Hop.Step.NODE_FORWARD, "node/lab/node-1", "10.244.2.30", null),
                tuple(Hop.Step.DESTINATION_INGRESS, "pod/lab/shop/web-1", "10.0.0.1", null));
        assertThat(step(t, Hop.Step.ENTRY_NODE_INGRESS)).extracting(Hop::localAddress, Hop::port).containsExactly("203.0.113.20", 443);
        assertThatThrownBy(() -> podClient("").trace("pod/lab/shop/client-0", "203.0.113.20", Protocol.TCP, 443, "node-2"))
                .hasMessageContaining("expected the node of pod/lab/shop/client-0 (node/lab/node-1)");
    }

    @Test
    void aPodsLoadBalancerTrafficDeniedByItsNodeIsDeniedThereAsTheAgentsForwardChainDoes() {
        FlowTrace t = podClient("""
                    - {id: no-clients-on-node-1, consumer: "orchestrator_role = client", provider: "orchestrator_system/node_name = node-1 AND orchestrator_system/workload_type = node",
                       ports: ["TCP 443"], action: DENY, priority: 10}
                """).trace("pod/lab/shop/client-0", "203.0.113.20", "tcp/443");
        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
        assertThat(t.denied()).extracting(Hop::step, Hop::enforcer).containsExactly(tuple(Hop.Step.ENTRY_NODE_INGRESS, "node/lab/node-1"));
    }

    @Test
    void withExternalTrafficPolicyLocalAPodsLoadBalancerTrafficReachesEveryPodWithItsOwnAddress() {
        FlowTrace t = podClient("").trace("pod/lab/shop/client-0", "203.0.113.21", "tcp/9443");
        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.blocked()).isEmpty();
        assertThat(t.hops().stream().filter(h -> h.step() == Hop.Step.DESTINATION_INGRESS))
                .extracting(Hop::workload, Hop::peerAddress).containsExactly(
                        tuple("pod/lab/shop/web-0", "10.244.1.10"), tuple("pod/lab/shop/web-1", "10.244.1.10"));
    }
}
