package io.microseg.enforce;

import io.microseg.compile.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.compile.CompiledRule;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
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

import static org.assertj.core.api.Assertions.assertThat;

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
        return AgentView.of(demo, AgentView.placements(inventory), agent);
    }

    static NftRuleset.Options options(String agent) {
        return new NftRuleset.Options("10.0.0.2", 8080, AgentView.ownAddresses(inventory, agent));
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
        assertThat(sections.get(0).script()).contains("chain forward", "ct status dnat ct original ip daddr @node_local_4",
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
                        new AddressSet("empty", "d", List.of())));
    }

    @Test
    void everyProtocolPortFormAndFamily() {
        String pod = NftRuleset.render(everything(), new NftRuleset.Options("fd00::2", 443, List.of("10.0.0.1", "fd00::1"))).get(1).script();
        String mixed = NftRuleset.setName("mixed");
        assertThat(pod).contains(
                "meta l4proto tcp th dport 8000-8080 ip saddr @" + mixed + "_4 accept",
                "meta l4proto tcp th dport 8000-8080 ip6 saddr @" + mixed + "_6 accept",
                "meta l4proto udp th dport 53 ip saddr @" + mixed + "_4 drop",
                "meta l4proto sctp ip daddr @" + NftRuleset.setName("empty") + "_4 accept",
                "meta l4proto { icmp, ipv6-icmp } accept",
                "elements = { 10.1.0.0/16, 10.1.2.3 }",
                "elements = { fd00::/64, 2001:db8::1 }");
        assertThat(pod.indexOf("a2 ws/p")).as("evaluation order: DENY first on equal rank and priority").isLessThan(pod.indexOf("a1 ws/p"));
    }

    @Test
    void everySectionPassesNftCheck() throws Exception {
        Nft.assumeAvailable();
        for (AgentView v : List.of(view("node/demo/node-1"), view("node/demo/node-2"), view("host/backup-prod"), everything())) {
            for (var s : NftRuleset.render(v, new NftRuleset.Options("fd00::2", 443, List.of("10.0.0.1", "fd00::1")))) {
                Nft.Result r = Nft.check(s.script());
                assertThat(r.exit()).as("nft -c of %s / %s:\n%s\n%s", v.agent(), s.netns(), r.output(), s.script()).isZero();
            }
        }
    }
}
