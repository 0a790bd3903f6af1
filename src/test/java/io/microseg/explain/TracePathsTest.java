package io.microseg.explain;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.input.Document;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** How each kind of path is traced, on the inventories and policies of the scenarios in tests/scenarios. */
class TracePathsTest {
    private static RuleBase rules;

    @BeforeAll
    static void load() {
        rules = RuleBase.packaged();
    }

    /** A tracer over a scenario's given inventory and policies (inline documents). */
    private static Trace scenario(String name) {
        Path file = Path.of("tests/scenarios", name + ".yaml");
        Document doc = YamlDocuments.readFile(file).get(0);
        Inventory inv = InventoryReader.read(documents(doc, doc.node().path("given").path("inventory")));
        List<Workspace> ws = PolicyReader.read(documents(doc, doc.node().path("given").path("policies")));
        return Trace.of(new Compiler(rules).compile(inv, ws), inv, ws);
    }

    private static List<Document> documents(Document doc, JsonNode list) {
        List<Document> out = new ArrayList<>();
        list.forEach(n -> out.add(new Document(doc.file(), doc.line(), n)));
        return out;
    }

    @Test
    void hostNetworkPodsAreEnforcedOnTheirNode() {
        Trace t = scenario("hostnetwork-pods");
        FlowTrace in = t.trace("pod/lab/mon/prometheus-0", "pod/lab/mon/exporter-0", "tcp/9100");
        assertThat(in.hops()).extracting(Hop::workload, Hop::enforcer, Hop::verdict).containsExactly(
                tuple("pod/lab/mon/prometheus-0", "pod/lab/mon/prometheus-0", Verdict.ALLOW),
                tuple("pod/lab/mon/exporter-0", "node/lab/node-1", Verdict.ALLOW));

        FlowTrace out = t.trace("pod/lab/mon/agent-0", "host/collector", "tcp/4317");
        assertThat(out.hops().get(0).enforcer()).isEqualTo("node/lab/node-2");
        assertThat(out.hops().get(1).peerAddress()).as("the node's address").isEqualTo("10.0.0.2");
        assertThat(out.verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void aHostReachesALoadBalancerAddressThatKubeProxyDnatsOnTheNode() {
        FlowTrace t = scenario("service-loadbalancer").trace("host/ext", "web.shop", "tcp/443");
        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.hops()).extracting(Hop::step, Hop::peerAddress, Hop::localAddress, Hop::port).containsExactly(
                tuple(Hop.Step.SOURCE_EGRESS, "203.0.113.10", "192.168.1.5", 443),
                tuple(Hop.Step.ENTRY_NODE_INGRESS, "192.168.1.5", "203.0.113.10", 443),
                tuple(Hop.Step.NODE_FORWARD, "10.244.1.30", null, 8443),
                tuple(Hop.Step.DESTINATION_INGRESS, null, "10.244.1.30", 8443));
        assertThat(t.hops().get(0).rule().peerSet()).isEqualTo("loadbalancer:lab/shop/web");
        assertThat(t.hops().get(1).rule().localSet()).isEqualTo("loadbalancer:lab/shop/web");
        assertThat(t.hops().get(3).peerMemberOf()).as("web-0 runs on the entry node: masquerade").isEqualTo("nodes:lab");
    }

    @Test
    void aPodReachingTheLoadBalancerAddressIsDnatedOnItsOwnNodeWhichJudgesItAndMasquerades() {
        // kube-proxy DNATs a load-balancer address wherever it meets it, and with externalTrafficPolicy
        // Cluster masquerades traffic to "external destinations" whatever its source
        FlowTrace t = scenario("service-loadbalancer").trace("pod/lab/shop/client-0", "203.0.113.10", "tcp/443");
        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.hops()).extracting(Hop::step, Hop::peerAddress).containsExactly(
                tuple(Hop.Step.SOURCE_EGRESS, "203.0.113.10"),
                tuple(Hop.Step.ENTRY_NODE_INGRESS, "10.244.1.10"),
                tuple(Hop.Step.NODE_FORWARD, "10.244.1.30"),
                tuple(Hop.Step.DESTINATION_INGRESS, null));
        assertThat(t.hops().get(3).peerMemberOf()).as("web-0 runs on client-0's node: masquerade").isEqualTo("nodes:lab");
    }

    @Test
    void withExternalTrafficPolicyLocalThePodSeesTheClient() {
        FlowTrace t = scenario("external-traffic-policy-local").trace("host/ext", "web.shop", "tcp/80");
        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.hops().get(1).workload()).as("the node with the backend").isEqualTo("node/lab/node-1");
        Hop ingress = t.hops().get(3);
        assertThat(ingress.peer()).isEqualTo("host/ext");
        assertThat(ingress.peerAddress()).isEqualTo("192.168.1.5");
        assertThat(ingress.rule().rule()).isEqualTo("Provider pods accept the consumers on the target port");
    }

    @Test
    void aHeadlessServiceIsReachedAtItsPodsOnTheTargetPort() {
        FlowTrace t = scenario("service-headless").trace("pod/lab/shop/client-0", "cache.shop", "tcp/80");
        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.hops()).extracting(Hop::step, Hop::peerAddress, Hop::port).containsExactly(
                tuple(Hop.Step.SOURCE_EGRESS, "10.244.1.40", 8080), tuple(Hop.Step.DESTINATION_INGRESS, "10.244.1.10", 8080),
                tuple(Hop.Step.SOURCE_EGRESS, "10.244.1.41", 8080), tuple(Hop.Step.DESTINATION_INGRESS, "10.244.1.10", 8080));
    }

    @Test
    void udpAndTcpOnOnePortAreDifferentFlowsAndIcmpToAServiceReachesNothing() {
        Trace t = scenario("protocol-udp");
        FlowTrace udp = t.trace("pod/lab/shop/client-0", "resolver.infra", "udp/53");
        assertThat(udp.hops().get(0).rule().policy()).isEqualTo("infra/clients-to-resolver");
        assertThat(udp.hops().get(1).port()).isEqualTo(5353);
        FlowTrace tcp = t.trace("pod/lab/shop/client-0", "resolver.infra", "tcp/53");
        assertThat(tcp.hops().get(0).rule().policy()).as("TCP is left to the catch-all").isEqualTo("infra/catch-all");
        FlowTrace icmp = t.trace("pod/lab/shop/client-0", "resolver.infra", "icmp");
        assertThat(icmp.verdict()).isEqualTo(Verdict.DENY);
        assertThat(icmp.blocked()).singleElement().asString().contains("ICMP");
    }

    @Test
    void anExplicitDenyIsNamedAndAnAllowThatComesLaterIsShownAsDecidedFirst() {
        Trace t = scenario("rank-priority-deny");
        FlowTrace batch = t.trace("pod/lab/shop/batch-0", "pod/lab/shop/db-0", "tcp/5432");
        assertThat(batch.verdict()).isEqualTo(Verdict.DENY);
        assertThat(batch.hops().get(0).rule().policy()).isEqualTo("shop/no-batch-to-db");
        assertThat(batch.hops().get(0).why()).first().asString().startsWith("denied by policy shop/no-batch-to-db (ABSOLUTE 10");
        assertThat(t.trace("pod/lab/shop/web-0", "pod/lab/shop/db-0", "tcp/5432").verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void aFinishedPodSendsNothingAndItsOldAddressIsTheLivePodsThatHasItNow() {
        Trace t = scenario("dead-pods");
        FlowTrace dead = t.trace("pod/lab/ops/backup-1", "api.ops", "tcp/80");
        assertThat(dead.verdict()).isEqualTo(Verdict.DENY);
        assertThat(dead.hops()).isEmpty();
        assertThat(dead.blocked()).singleElement().asString().contains("finished: phase Succeeded or Failed");

        FlowTrace fromOldAddress = t.trace("10.244.1.23", "api.ops", "tcp/80");
        assertThat(fromOldAddress.from()).isEqualTo("pod/lab/ops/report-0");
        assertThat(fromOldAddress.verdict()).as("report-0 is no consumer").isEqualTo(Verdict.DENY);
        FlowTrace live = t.trace("pod/lab/ops/backup-2", "api.ops", "tcp/80");
        assertThat(live.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(live.hops()).extracting(Hop::workload).as("the evicted api-1 is no backend")
                .containsExactly("pod/lab/ops/backup-2", "pod/lab/ops/api-0");
    }

    @Test
    void outsideSourcesAreDecidedByTheCidrsTheirConsumersName() {
        Trace t = scenario("subnet-only-consumers");
        record Case(String from, String to, String port, String policy) {}
        for (Case c : List.of(
                new Case("203.0.113.7", "pod/lab/shop/web-0", "tcp/8443", "edge/internet-to-web"),
                new Case("2001:db8::7", "pod/lab/shop/web-0", "tcp/8443", "edge/internet-to-web"),
                new Case("203.0.113.7", "pod/lab/shop/api-0", "tcp/9000", "edge/not-private-to-api"),
                new Case("10.1.2.3", "pod/lab/shop/api-0", "tcp/9000", "edge/catch-all"),
                new Case("198.51.100.9", "pod/lab/shop/api-0", "tcp/9001", "edge/catch-all"),
                new Case("host/partner-gw", "pod/lab/shop/api-0", "tcp/9001", "edge/partner-to-api"),
                new Case("203.0.113.7", "pod/lab/shop/api-0", "tcp/9002", "edge/documentation-net-to-api"))) {
            Hop ingress = t.trace(c.from(), c.to(), c.port()).hops().get(1);
            assertThat(ingress.rule().policy()).as(c.toString()).isEqualTo(c.policy());
        }
    }

    @Test
    void kubeProxyDnatsWithinOneAddressFamily() {
        Trace t = scenario("dual-stack");
        FlowTrace v6 = t.trace("pod/lab/shop/client-0", "fd00:96::60", "tcp/80");
        assertThat(v6.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(v6.hops()).extracting(Hop::step, Hop::peerAddress, Hop::localAddress).containsExactly(
                tuple(Hop.Step.SOURCE_EGRESS, "fd00:96::60", "fd00:244:1::10"),
                tuple(Hop.Step.DESTINATION_INGRESS, "fd00:244:1::10", "fd00:244:1::30"));

        FlowTrace nodePort = t.trace("fd00:1::9", "node/lab/node-1", "tcp/30080");
        assertThat(nodePort.hops()).extracting(Hop::step, Hop::localAddress).containsExactly(
                tuple(Hop.Step.SOURCE_EGRESS, "fd00:1::9"), tuple(Hop.Step.ENTRY_NODE_INGRESS, "fd00::1"),
                tuple(Hop.Step.NODE_FORWARD, null), tuple(Hop.Step.DESTINATION_INGRESS, "fd00:244:1::30"));
    }

    @Test
    void aWorkloadOutsideEveryScopeIsOpenAndAnUnknownAddressHasNoRules() {
        FlowTrace t = scenario("scope-limits-rules").trace("pod/lab/other/web-9", "10.1.2.3", "tcp/80");
        assertThat(t.hops()).extracting(Hop::decision).containsExactly(
                "no rule: no workspace's scope includes this workload (open)",
                "unmanaged: an address in no inventory has no agent and no rules of its own, not enforced");
        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
    }
}
