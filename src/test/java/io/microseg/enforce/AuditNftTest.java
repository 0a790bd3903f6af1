package io.microseg.enforce;

import io.microseg.controlplane.AgentStatus;
import io.microseg.controlplane.CompiledRule;
import io.microseg.enforce.netns.CommandRunner;
import io.microseg.enforce.netns.PodNetns;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Audit mode as nftables renders and enforces it: an audited DENY counts and logs, drops nothing and decides
 * nothing (the next rule does); {@link AuditCounters} reads its counter back. The real part runs a host's
 * agent ({@link Enforcer}, real {@code nft}) in a network namespace with a TCP listener, and a client in another.
 */
class AuditNftTest {
    static final String HOST = "host/server";
    static final String AUDITED_ID = "a0a0a0a0a0a0";
    static final String ENFORCED_ID = "e0e0e0e0e0e0";
    static final String GUARD_ID = "60a4d0000000";

    static CompiledRule catchAll(String id, String workspace, Enforcement enforcement) {
        return new CompiledRule(id, HOST, Direction.INGRESS, Action.DENY, Protocol.ANY, "", null, null,
                "Workloads in a workspace's scope fall back to its catch-all", workspace + "/catch-all", Rank.CATCHALL, 0, List.of(), enforcement);
    }

    static AgentView view(CompiledRule... rules) {
        return new AgentView(HOST, List.of(rules), List.of(), Map.of(HOST, List.of("10.0.9.1")));
    }

    @Test
    void anAuditedDenyRendersCounterAndLogWithoutAVerdict() {
        String script = NftRuleset.renderText(view(catchAll(AUDITED_ID, "audited", Enforcement.AUDIT)), NftRuleset.Options.none());
        assertThat(script).contains("    counter log prefix \"microseg " + AUDITED_ID + " \" comment \"" + AUDITED_ID + " audited/catch-all\"\n")
                .doesNotContain("drop");
        String enforced = NftRuleset.renderText(view(catchAll(ENFORCED_ID, "enforced", Enforcement.ENFORCE)), NftRuleset.Options.none());
        assertThat(enforced).contains("    drop comment \"" + ENFORCED_ID + " enforced/catch-all\"\n").doesNotContain("counter").doesNotContain("log prefix");
        // an audited ALLOW is an ALLOW
        CompiledRule allow = new CompiledRule("a11a11a11a11", HOST, Direction.INGRESS, Action.ALLOW, Protocol.TCP, "80", null, null, "r",
                "audited/web", Rank.DEFAULT, 100, List.of(), Enforcement.AUDIT);
        assertThat(NftRuleset.renderText(view(allow), NftRuleset.Options.none())).contains("meta l4proto tcp th dport 80 accept comment");
    }

    @Test
    void countersAreReadByLogPrefixSummedOverFamiliesAndNamedByTableAndRuleHandles() {
        String json = """
                {"nftables": [{"metainfo": {"version": "1.0.6"}}, {"table": {"family": "inet", "name": "microseg", "handle": 7}},
                 {"rule": {"chain": "w_in", "handle": 4, "expr": [{"counter": {"packets": 2, "bytes": 120}}, {"log": {"prefix": "microseg a0a0a0a0a0a0 "}}]}},
                 {"rule": {"chain": "w_in", "handle": 3, "expr": [{"counter": {"packets": 1, "bytes": 80}}, {"log": {"prefix": "microseg a0a0a0a0a0a0 "}}]}},
                 {"rule": {"chain": "w_in", "handle": 5, "expr": [{"counter": {"packets": 9, "bytes": 9}}, {"log": {"prefix": "microseg ffffffffffff "}}]}},
                 {"rule": {"chain": "w_in", "handle": 6, "expr": [{"drop": null}]}}]}
                """;
        assertThat(AuditCounters.parse(json, Set.of(AUDITED_ID))).containsExactly(
                Map.entry(AUDITED_ID, new AgentStatus.RuleCounter(AUDITED_ID, "7/3,4", 3, 200)));
        assertThat(AuditCounters.parse("not json", Set.of(AUDITED_ID))).isEmpty();
    }

    @Test
    void inARealNamespaceAnAuditedDenyLetsTheConnectionThroughAndCountsItAndAnEnforcedOneAfterItStillDrops() throws Exception {
        Nft.assumeAvailable();
        Netns.assumeAvailable();
        Path listenLog = Files.createTempFile("microseg-audit-listen", ".log");
        Process listener = null;
        try (Netns server = Netns.create("audsrv"); Netns client = Netns.create("audcli")) {
            server.veth("eth0", client, "eth0");
            server.ip("addr", "add", "10.0.9.1/24", "dev", "eth0");
            client.ip("addr", "add", "10.0.9.2/24", "dev", "eth0");
            String java = ProcessHandle.current().info().command().orElse("java");
            listener = new ProcessBuilder("ip", "netns", "exec", server.name(), java, "tests/e2e/Listen.java", "8080")
                    .redirectErrorStream(true).redirectOutput(listenLog.toFile()).start();
            for (int i = 0; i < 300 && !Files.readString(listenLog).contains("listening"); i++) Thread.sleep(100);
            assertThat(connects(client)).as("no rules yet").isTrue();

            Enforcer agent = new Enforcer(HOST, new FixedNetns(Map.of(HOST, server.name())), PodNetns.Backoff.DEFAULT, List.of(), List.of(),
                    false, CommandRunner::exec, System.err);

            AgentView enforced = view(catchAll(ENFORCED_ID, "enforced", Enforcement.ENFORCE));
            assertThat(agent.enforce(enforced, 1).failed()).isZero();
            assertThat(connects(client)).as("an enforced catch-all DENY drops").isFalse();
            assertThat(agent.auditCounters(enforced)).isEmpty();

            AgentView audited = view(catchAll(AUDITED_ID, "audited", Enforcement.AUDIT));
            assertThat(agent.enforce(audited, 2).failed()).isZero();
            assertThat(agent.auditCounters(audited)).as("created at zero").singleElement()
                    .satisfies(c -> assertThat(c.packets()).isZero());
            assertThat(connects(client)).as("the audited catch-all lets it through").isTrue();
            assertThat(connects(client)).isTrue();
            AgentStatus.RuleCounter after = agent.auditCounters(audited).get(0);
            assertThat(after.rule()).isEqualTo(AUDITED_ID);
            assertThat(after.packets()).as("each connection's first packet (later ones are established)").isBetween(2L, 4L);
            assertThat(after.bytes()).isGreaterThanOrEqualTo(after.packets() * 40);

            // re-created (another table): another instance, counting from zero
            AgentView both = view(catchAll(AUDITED_ID, "audited", Enforcement.AUDIT), catchAll(GUARD_ID, "guard", Enforcement.ENFORCE));
            assertThat(agent.enforce(both, 3).failed()).isZero();
            AgentStatus.RuleCounter fresh = agent.auditCounters(both).get(0);
            assertThat(fresh.instance()).isNotEqualTo(after.instance());
            assertThat(fresh.packets()).isZero();
            // an audited DENY decides nothing: the guard workspace's enforced catch-all after it drops, and it counted
            assertThat(connects(client)).as("the enforced DENY after the audited one drops").isFalse();
            AgentStatus.RuleCounter counted = agent.auditCounters(both).get(0);
            assertThat(counted.packets()).as("the SYN and its retransmissions, each counted before the guard drops it").isGreaterThanOrEqualTo(1);
            assertThat(counted.instance()).isEqualTo(fresh.instance());
        } finally {
            if (listener != null) {
                listener.destroy();
                listener.waitFor();
            }
            Files.deleteIfExists(listenLog);
        }
    }

    private static boolean connects(Netns from) throws IOException {
        return from.exec("", "timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/10.0.9.1/8080").exit() == 0;
    }
}
