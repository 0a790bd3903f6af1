package io.microseg.enforce;

import io.microseg.controlplane.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.controlplane.CompiledRule;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.feed.AgentViews;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Rank;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NftRulesetTest {
    static final Path GOLDEN = Path.of("src/test/resources/enforce/demo-node-1.nft");
    static Inventory inventory;
    static Compilation demo;

    @BeforeAll
    static void compileDemo() {
        inventory = InventoryReader.read(Path.of("config/demo/inventory"));
        demo = new Compiler(RuleBase.packaged()).compile(inventory, PolicyReader.read(Path.of("config/demo/policies")));
    }

    static AgentView view(String agent) {
        return AgentViews.of(demo, inventory, agent);
    }

    static final List<NftRuleset.Endpoint> SERVER = List.of(new NftRuleset.Endpoint("10.0.0.2", 8080));

    static NftRuleset.Options options(String agent) {
        return new NftRuleset.Options(SERVER, AgentViews.ownAddresses(inventory, agent));
    }

    @Test
    void demoNode1MatchesTheGoldenRendering() throws Exception {
        String text = NftRuleset.renderText(view("node/demo/node-1"), options("node/demo/node-1"));
        assertThat(text).as("regenerate with: java -jar target/microseg.jar render --node demo/node-1 "
                + "--server-address 10.0.0.2:8080 > " + GOLDEN).isEqualTo(Files.readString(GOLDEN));
    }

    @Test
    void oneSectionPerNetworkNamespaceTheNodeFirst() {
        var sections = NftRuleset.render(view("node/demo/node-1"), options("node/demo/node-1"));
        assertThat(sections).extracting(NftRuleset.Section::netns)
                .containsExactly("node", "pod/demo/data/db-0", "pod/demo/web/web-prod-0");
        for (var s : sections) {
            assertThat(s.script()).startsWith("# microseg netns: " + s.netns() + "\n");
            assertThat(s.script()).doesNotContain("flush ruleset").doesNotContainPattern("table (ip|ip6|inet) (?!microseg)");
        }
        assertThat(sections.get(0).script()).contains("chain forward", "ct status dnat ct original ip daddr @node_local_4 jump node_port",
                "elements = { 10.0.0.11 }", "ip daddr 10.0.0.2 tcp dport 8080 accept");
        assertThat(sections.get(1).script()).doesNotContain("chain forward", "microseg server");
    }

    @Test
    void aHostHasOneSectionWithoutForwardChain() {
        var sections = NftRuleset.render(view("host/backup-prod"), options("host/backup-prod"));
        assertThat(sections).extracting(NftRuleset.Section::netns).containsExactly("host");
        assertThat(sections.get(0).script()).doesNotContain("chain forward")
                .contains("meta l4proto tcp th dport 30017 ip daddr @" + NftRuleset.setName("nodes:demo") + "_4 accept");
    }

    @Test
    void setNamesAreDeterministicIdentifiers() {
        assertThat(NftRuleset.setName("backends:demo/data/db:tcp/27017")).isEqualTo("s_c3729ea511")
                .matches("[a-z_][a-z0-9_]*");
    }

    static CompiledRule rule(String id, Direction d, Action a, Protocol p, String ports, String set) {
        return new CompiledRule(id, "pod/k/ns/p", d, a, p, ports, set, null, "r", "ws/p", Rank.DEFAULT, 10, List.of());
    }

    static AgentView everything() {
        return new AgentView("node/k/n", List.of(
                rule("a1", Direction.INGRESS, Action.ALLOW, Protocol.TCP, "8000-8080", "mixed"),
                rule("a2", Direction.INGRESS, Action.DENY, Protocol.UDP, "53", "mixed"),
                rule("a3", Direction.EGRESS, Action.ALLOW, Protocol.SCTP, "", "empty"),
                rule("a4", Direction.EGRESS, Action.ALLOW, Protocol.ICMP, "", null),
                rule("a5", Direction.EGRESS, Action.DENY, Protocol.ANY, "", null)),
                List.of(new AddressSet("mixed", "d", List.of("10.1.0.0/16", "10.1.2.3", "fd00::/64", "2001:db8::1")),
                        new AddressSet("empty", "d", List.of())), Map.of());
    }

    @Test
    void everyProtocolPortFormAndFamily() {
        String pod = NftRuleset.render(everything(), new NftRuleset.Options(List.of(new NftRuleset.Endpoint("fd00::2", 443)), List.of("10.0.0.1", "fd00::1"))).get(1).script();
        String mixed = NftRuleset.setName("mixed");
        assertThat(pod).contains(
                "meta l4proto tcp th dport 8000-8080 ip saddr @" + mixed + "_4 accept",
                "meta l4proto tcp th dport 8000-8080 ip6 saddr @" + mixed + "_6 accept",
                "meta l4proto udp th dport 53 ip saddr @" + mixed + "_4 drop",
                "meta l4proto sctp ip daddr @" + NftRuleset.setName("empty") + "_4 accept",
                "meta l4proto { icmp, ipv6-icmp } accept",
                "elements = { 10.1.0.0/16 }",
                "elements = { fd00::/64, 2001:db8::1 }");
        assertThat(pod).as("10.1.2.3 is inside 10.1.0.0/16: nft refuses overlapping intervals").doesNotContain("10.1.2.3");
        assertThat(pod.indexOf("a2 ws/p")).as("evaluation order: DENY first on equal rank and priority").isLessThan(pod.indexOf("a1 ws/p"));
    }

    @Test
    void aSetOfSingleAddressesIsAHashSetAndASetWithACidrAnIntervalSet() {
        String pod = NftRuleset.render(everything(), new NftRuleset.Options(List.of(), List.of("10.0.0.1"))).get(1).script();
        String mixed = NftRuleset.setName("mixed");
        String empty = NftRuleset.setName("empty");
        assertThat(pod).contains("set " + mixed + "_4 {\n    type ipv4_addr; flags interval;\n",
                "set " + mixed + "_6 {\n    type ipv6_addr; flags interval;\n", "set " + empty + "_4 {\n    type ipv4_addr;\n    comment");

        NftTable.Set addresses = new NftTable.Set("s_4", "ipv4_addr", "s", List.of("10.0.0.1", "10.0.0.2"));
        NftTable.Set withCidr = new NftTable.Set("s_4", "ipv4_addr", "s", List.of("10.0.0.1", "10.1.0.0/16"));
        assertThat(addresses.interval()).isFalse();
        assertThat(withCidr.interval()).isTrue();
        NftTable one = new NftTable(List.of(), "t", List.of(addresses), List.of());
        NftTable other = new NftTable(List.of(), "t", List.of(withCidr), List.of());
        assertThat(NftPlan.between(one, other)).isEqualTo(new NftPlan.Recreate("set s_4 holds a CIDR now (an interval set)"));
        assertThat(NftPlan.between(other, one)).isEqualTo(new NftPlan.Recreate("set s_4 holds single addresses only now (a hash set)"));
        NftTable more = new NftTable(List.of(), "t", List.of(new NftTable.Set("s_4", "ipv4_addr", "s", List.of("10.0.0.2", "10.0.0.3"))), List.of());
        assertThat(NftPlan.between(one, more)).isInstanceOf(NftPlan.Patch.class);
        assertThat(((NftPlan.Patch) NftPlan.between(one, more)).script())
                .isEqualTo("delete element inet microseg s_4 { 10.0.0.1 }\nadd element inet microseg s_4 { 10.0.0.3 }\n");
        assertThat(NftPlan.between(new NftTable(List.of(), "t", List.of(), List.of()), one)).isEqualTo(
                new NftPlan.Patch("add set inet microseg s_4 { type ipv4_addr; comment \"s\"; }\nadd element inet microseg s_4 { 10.0.0.1, 10.0.0.2 }\n", 2, 0, 0));
    }

    @Test
    void everySectionPassesNftCheck() throws Exception {
        Nft.assumeAvailable();
        for (AgentView v : List.of(view("node/demo/node-1"), view("node/demo/node-2"), view("host/backup-prod"), everything())) {
            for (var s : NftRuleset.render(v, new NftRuleset.Options(List.of(new NftRuleset.Endpoint("fd00::2", 443)), List.of("10.0.0.1", "fd00::1")))) {
                Nft.Result r = Nft.check(s.script());
                assertThat(r.exit()).as("nft -c of %s / %s:\n%s\n%s", v.agent(), s.netns(), r.output(), s.script()).isZero();
            }
        }
    }

    static CompiledRule rule(String id, String workload, Direction d, Action a, Protocol p, String ports, String peer, String local,
                             Rank rank) {
        return new CompiledRule(id, workload, d, a, p, ports, peer, local, "r", "ws/p", rank, 10, List.of());
    }

    /** A node with a node port, a load balancer's address, its forwarding and catch-alls; a pod that admits the nodes. */
    static AgentView nodeWithNodePortAndLoadBalancer() {
        String node = "node/k/n1";
        return new AgentView(node, List.of(
                rule("np", node, Direction.INGRESS, Action.ALLOW, Protocol.TCP, "30017", "consumers", null, Rank.DEFAULT),
                rule("lb", node, Direction.INGRESS, Action.ALLOW, Protocol.TCP, "27017", "consumers", "loadbalancer:k/ns/db", Rank.DEFAULT),
                rule("deny", node, Direction.INGRESS, Action.DENY, Protocol.ANY, "30000-30100", "blocked", null, Rank.DEFAULT),
                rule("ci", node, Direction.INGRESS, Action.DENY, Protocol.ANY, "", null, null, Rank.CATCHALL),
                rule("fw", node, Direction.EGRESS, Action.ALLOW, Protocol.TCP, "27017", "backends", null, Rank.DEFAULT),
                rule("co", node, Direction.EGRESS, Action.DENY, Protocol.ANY, "", null, null, Rank.CATCHALL),
                rule("pn", "pod/k/ns/db-0", Direction.INGRESS, Action.ALLOW, Protocol.TCP, "27017", "nodes:k", null, Rank.DEFAULT),
                rule("po", "pod/k/ns/db-0", Direction.EGRESS, Action.ALLOW, Protocol.TCP, "53", "nodes:other", null, Rank.DEFAULT)),
                List.of(new AddressSet("consumers", "d", List.of("10.0.0.21", "203.0.113.0/24", "203.0.113.9", "fd00:10::21")),
                        new AddressSet("blocked", "d", List.of("198.51.100.0/24")),
                        new AddressSet("loadbalancer:k/ns/db", "d", List.of("172.16.0.50", "fd00:50::50")),
                        new AddressSet("backends", "d", List.of("10.244.1.10", "10.244.2.10")),
                        new AddressSet("nodes:k", "d", List.of("10.0.0.11", "10.0.0.12", "fd00:10::11")),
                        new AddressSet("nodes:other", "d", List.of("10.1.0.1"))), Map.of("pod/k/ns/db-0", List.of("10.244.1.10")));
    }

    static final NftRuleset.Options NODE_1 = new NftRuleset.Options(SERVER, List.of("10.0.0.11", "169.254.1.1", "fd00:10::11"));

    @Test
    void theNodesOwnAddressesJoinItsClustersNodeSetInTheNodesAndItsPodsScripts() {
        var sections = NftRuleset.render(nodeWithNodePortAndLoadBalancer(), NODE_1);
        String nodes = NftRuleset.setName("nodes:k");
        String pod = sections.get(1).script();
        assertThat(pod).contains("set " + nodes + "_4 {", "comment \"nodes:k and this node's own addresses\"",
                "elements = { 10.0.0.11, 10.0.0.12, 169.254.1.1 }", "elements = { fd00:10::11 }",
                "meta l4proto tcp th dport 27017 ip saddr @" + nodes + "_4 accept");
        assertThat(pod).as("another cluster's nodes get nothing").contains("comment \"nodes:other\"\n    elements = { 10.1.0.1 }\n");
        assertThat(sections.get(0).script()).contains("set node_local_4 {", "elements = { 10.0.0.11, 169.254.1.1 }");
        var host = NftRuleset.render(new AgentView("host/h", List.of(
                rule("h", "host/h", Direction.EGRESS, Action.ALLOW, Protocol.TCP, "30017", "nodes:k", null, Rank.DEFAULT)),
                List.of(new AddressSet("nodes:k", "d", List.of("10.0.0.11"))), Map.of()), NODE_1);
        assertThat(host.get(0).script()).as("a host is no node of k").contains("comment \"nodes:k\"\n    elements = { 10.0.0.11 }\n")
                .doesNotContain("169.254.1.1");
    }

    @Test
    void theForwardChainJudgesNodePortAndLoadBalancerConnectionsByTheNodesIngressOnTheOriginalDestinationThenItsEgress() {
        String node = NftRuleset.render(nodeWithNodePortAndLoadBalancer(), NODE_1).get(0).script();
        String consumers = NftRuleset.setName("consumers");
        String lb = NftRuleset.setName("loadbalancer:k/ns/db");
        String out = "w_" + NftRuleset.hash("node/k/n1") + "_out";
        assertThat(node).as("the input chain: a local set is the destination").contains(
                "meta l4proto tcp th dport 27017 ip daddr @" + lb + "_4 ip saddr @" + consumers + "_4 accept",
                "meta l4proto tcp th dport 27017 ip6 daddr @" + lb + "_6 ip6 saddr @" + consumers + "_6 accept");
        String nodePort = node.substring(node.indexOf("  chain node_port {"), node.indexOf("  chain forward {"));
        assertThat(nodePort.lines().skip(2).toList()).containsExactly(
                "    meta l4proto { tcp, udp, sctp } ct original proto-dst 30000-30100 ip saddr @" + NftRuleset.setName("blocked") + "_4 drop comment \"deny ws/p\"",
                "    meta l4proto { tcp, udp, sctp } ct original proto-dst 30000-30100 ip6 saddr @" + NftRuleset.setName("blocked") + "_6 drop comment \"deny ws/p\"",
                "    meta l4proto tcp ct original proto-dst 27017 ct original ip daddr @" + lb + "_4 ip saddr @" + consumers + "_4 goto " + out + " comment \"lb ws/p\"",
                "    meta l4proto tcp ct original proto-dst 27017 ct original ip6 daddr @" + lb + "_6 ip6 saddr @" + consumers + "_6 goto " + out + " comment \"lb ws/p\"",
                "    meta l4proto tcp ct original proto-dst 30017 ip saddr @" + consumers + "_4 goto " + out + " comment \"np ws/p\"",
                "    meta l4proto tcp ct original proto-dst 30017 ip6 saddr @" + consumers + "_6 goto " + out + " comment \"np ws/p\"",
                "    drop comment \"ci ws/p\"",
                "    goto " + out + " comment \"no INGRESS rule decided: the node's EGRESS judges the forwarding\"",
                "  }");
        String forward = node.substring(node.indexOf("  chain forward {"));
        assertThat(forward).contains(
                "    ct state established,related accept\n    ct status dnat ct original ip daddr @node_local_4 jump node_port",
                "ct status dnat ct original ip6 daddr @node_local_6 jump node_port",
                "ct status dnat ct original ip daddr @" + lb + "_4 jump node_port comment \"DNATed from loadbalancer:k/ns/db\"",
                "ct status dnat ct original ip6 daddr @" + lb + "_6 jump node_port");
        assertThat(node).as("an address inside a CIDR member is left out").contains("elements = { 10.0.0.21, 203.0.113.0/24 }")
                .doesNotContain("203.0.113.9");
    }

    @Test
    void theOwnOutputChainAcceptsEveryServerBeforeAnyRuleAndPodsAcceptNone() throws Exception {
        var servers = List.of(new NftRuleset.Endpoint("10.0.0.1", 8080), new NftRuleset.Endpoint("10.0.0.2", 8443),
                new NftRuleset.Endpoint("fd00::3", 8080), new NftRuleset.Endpoint("10.0.0.1", 8080));
        var sections = NftRuleset.render(nodeWithNodePortAndLoadBalancer(), new NftRuleset.Options(servers, List.of("10.0.0.11")));
        String node = sections.get(0).script();
        String output = node.substring(node.indexOf("  chain output {"), node.indexOf("  }\n", node.indexOf("  chain output {")));
        assertThat(output).containsSubsequence(
                "ip daddr 10.0.0.1 tcp dport 8080 accept comment \"the microseg server\"\n",
                "ip daddr 10.0.0.2 tcp dport 8443 accept comment \"the microseg server\"\n",
                "ip6 daddr fd00::3 tcp dport 8080 accept comment \"the microseg server\"\n",
                "jump w_");
        assertThat(output.split("the microseg server", -1)).as("a server listed twice is accepted once").hasSize(4);
        String input = node.substring(node.indexOf("  chain input {"), node.indexOf("  }\n", node.indexOf("  chain input {")));
        assertThat(input).as("its answers on a connection conntrack did not see start; no new connection from it").containsSubsequence(
                "ip saddr 10.0.0.1 tcp sport 8080 tcp flags & (syn | ack) != syn accept comment \"the microseg server\"\n",
                "ip saddr 10.0.0.2 tcp sport 8443 tcp flags & (syn | ack) != syn accept",
                "ip6 saddr fd00::3 tcp sport 8080 tcp flags & (syn | ack) != syn accept", "jump w_");
        assertThat(sections.get(1).script()).as("a pod's namespace has no server exception").doesNotContain("the microseg server");
        assertThatThrownBy(() -> new NftRuleset.Endpoint("server.example", 8080)).hasMessageContaining("expected an IPv4 or IPv6 address");
        assertThatThrownBy(() -> new NftRuleset.Endpoint("10.0.0.1", 0)).hasMessageContaining("expected 1 to 65535");
        Nft.assumeAvailable();
        assertThat(Nft.check(node).exit()).as(Nft.check(node).output()).isZero();
    }

    @Test
    void whileTheNodesOwnAddressesAreUnknownEveryDnatedConnectionIsJudged() {
        String node = NftRuleset.render(nodeWithNodePortAndLoadBalancer(),
                new NftRuleset.Options(SERVER, List.of(), false)).get(0).script();
        assertThat(node).contains("    ct status dnat jump node_port comment").doesNotContain("@node_local_4 jump");
    }

    @Test
    void theNodePortAndLoadBalancerRenderingsPassNftCheck() throws Exception {
        Nft.assumeAvailable();
        for (var options : List.of(NODE_1, new NftRuleset.Options(List.of(), List.of(), false))) {
            for (var s : NftRuleset.render(nodeWithNodePortAndLoadBalancer(), options)) {
                Nft.Result r = Nft.check(s.script());
                assertThat(r.exit()).as("nft -c of %s:\n%s\n%s", s.netns(), r.output(), s.script()).isZero();
            }
        }
    }
}
