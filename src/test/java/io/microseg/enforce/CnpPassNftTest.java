package io.microseg.enforce;

import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.RuleOrder;
import io.microseg.enforce.netns.CommandRunner;
import io.microseg.enforce.netns.PodNetns;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ClusterNetworkPolicy tiers as nftables renders and enforces them: each tier's rules in a chain of their own
 * that the workload's chain jumps to, so that a PASS is {@code return} and skips the rest of its tier only.
 * The real part runs an agent ({@link Enforcer}, real {@code nft}) in a network namespace with a TCP listener,
 * and a client in another.
 */
class CnpPassNftTest {
    static final String HOST = "host/cnp-pass";

    static CompiledRule rule(String id, Rank rank, int priority, Action action, Protocol protocol, String ports) {
        return new CompiledRule(id, HOST, Direction.INGRESS, action, protocol, ports, null, null, "r", "cnp/lab/" + id, rank, priority, List.of());
    }

    static AgentView view(CompiledRule... rules) {
        List<CompiledRule> sorted = new ArrayList<>(List.of(rules));
        RuleOrder.sort(sorted);
        return new AgentView(HOST, sorted, List.of(), Map.of(HOST, List.of("10.0.19.1")));
    }

    static final CompiledRule ADMIN_PASS = rule("a0pass000001", Rank.ADMIN, 100, Action.PASS, Protocol.TCP, "8080");
    static final CompiledRule ADMIN_DENY = rule("a0deny000002", Rank.ADMIN, 101, Action.DENY, Protocol.ANY, "");
    static final CompiledRule DEFAULT_ALLOW = rule("d0allow00003", Rank.DEFAULT, 100, Action.ALLOW, Protocol.TCP, "8080");
    static final CompiledRule BASELINE_PASS = rule("b0pass000004", Rank.BASELINE, 100, Action.PASS, Protocol.TCP, "8080");
    static final CompiledRule BASELINE_ALLOW = rule("b0allow00005", Rank.BASELINE, 101, Action.ALLOW, Protocol.ANY, "");
    static final CompiledRule CATCH_ALL = new CompiledRule("c0deny000006", HOST, Direction.INGRESS, Action.DENY, Protocol.ANY, "", null, null,
            "Workloads in a workspace's scope fall back to its catch-all", "lab/catch-all", Rank.CATCHALL, 0, List.of());

    @Test
    void eachTierIsAChainOfItsOwnWherePassIsReturn() {
        String script = NftRuleset.renderText(view(CATCH_ALL, BASELINE_ALLOW, DEFAULT_ALLOW, ADMIN_DENY, ADMIN_PASS, BASELINE_PASS),
                NftRuleset.Options.none());
        String w = "w_" + NftRuleset.hash(HOST) + "_in";
        assertThat(script).contains("  chain " + w + "_admin {\n    comment \"" + HOST + " INGRESS, ClusterNetworkPolicy tier ADMIN\"\n"
                        + "    meta l4proto tcp th dport 8080 return comment \"a0pass000001 cnp/lab/a0pass000001\"\n"
                        + "    drop comment \"a0deny000002 cnp/lab/a0deny000002\"\n  }\n")
                .contains("    meta l4proto tcp th dport 8080 return comment \"b0pass000004 cnp/lab/b0pass000004\"\n"
                        + "    accept comment \"b0allow00005 cnp/lab/b0allow00005\"\n  }\n")
                // the workload's chain: the Admin tier, the workspace ranks, the Baseline tier, the catch-all
                .contains("  chain " + w + " {\n    comment \"" + HOST + " INGRESS\"\n    jump " + w + "_admin\n"
                        + "    meta l4proto tcp th dport 8080 accept comment \"d0allow00003 cnp/lab/d0allow00003\"\n"
                        + "    jump " + w + "_baseline\n    drop comment \"c0deny000006 lab/catch-all\"\n  }\n");
        // the tier chains are declared before the chain that jumps to them
        assertThat(script.indexOf("chain " + w + "_admin {")).isLessThan(script.indexOf("chain " + w + " {"));
    }

    @Test
    void tierChainsPassNftCheck() throws Exception {
        Nft.assumeAvailable();
        for (NftRuleset.Section s : NftRuleset.render(view(CATCH_ALL, BASELINE_ALLOW, DEFAULT_ALLOW, ADMIN_DENY, ADMIN_PASS, BASELINE_PASS),
                NftRuleset.Options.none())) {
            Nft.Result r = Nft.check(s.script());
            assertThat(r.exit()).as("nft -c:\n%s\n%s", r.output(), s.script()).isZero();
        }
    }

    @Test
    void inARealNamespaceAPassSkipsTheRestOfItsTierAndTheNextRankDecides() throws Exception {
        Nft.assumeAvailable();
        Netns.assumeAvailable();
        Path listenLog = Files.createTempFile("microseg-cnp-pass-listen", ".log");
        Process listener = null;
        try (Netns server = Netns.create("cnppsrv"); Netns client = Netns.create("cnppcli")) {
            server.veth("eth0", client, "eth0");
            server.ip("addr", "add", "10.0.19.1/24", "dev", "eth0");
            client.ip("addr", "add", "10.0.19.2/24", "dev", "eth0");
            String java = ProcessHandle.current().info().command().orElse("java");
            listener = new ProcessBuilder("ip", "netns", "exec", server.name(), java, "tests/e2e/Listen.java", "8080")
                    .redirectErrorStream(true).redirectOutput(listenLog.toFile()).start();
            for (int i = 0; i < 300 && !Files.readString(listenLog).contains("listening"); i++) Thread.sleep(100);
            assertThat(connects(client)).as("no rules yet").isTrue();
            Enforcer agent = new Enforcer(HOST, new FixedNetns(Map.of(HOST, server.name())), PodNetns.Backoff.DEFAULT, List.of(), List.of(),
                    false, CommandRunner::exec, System.err);

            assertThat(agent.enforce(view(ADMIN_DENY, DEFAULT_ALLOW, CATCH_ALL), 1).failed()).isZero();
            assertThat(connects(client)).as("the Admin DENY decides before the DEFAULT ALLOW").isFalse();

            assertThat(agent.enforce(view(ADMIN_PASS, ADMIN_DENY, DEFAULT_ALLOW, CATCH_ALL), 2).failed()).isZero();
            assertThat(connects(client)).as("the Admin PASS skips the Admin DENY after it; the DEFAULT ALLOW decides").isTrue();

            assertThat(agent.enforce(view(ADMIN_PASS, ADMIN_DENY, CATCH_ALL), 3).failed()).isZero();
            assertThat(connects(client)).as("a PASS accepts nothing: the catch-all DENY decides").isFalse();

            assertThat(agent.enforce(view(BASELINE_ALLOW, CATCH_ALL), 4).failed()).isZero();
            assertThat(connects(client)).as("the Baseline ALLOW decides before the catch-all DENY").isTrue();

            assertThat(agent.enforce(view(BASELINE_PASS, BASELINE_ALLOW, CATCH_ALL), 5).failed()).isZero();
            assertThat(connects(client)).as("the Baseline PASS skips the Baseline ALLOW: the catch-all DENY decides").isFalse();
        } finally {
            if (listener != null) {
                listener.destroy();
                listener.waitFor();
            }
            Files.deleteIfExists(listenLog);
        }
    }

    private static boolean connects(Netns from) throws IOException {
        return from.exec("", "timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/10.0.19.1/8080").exit() == 0;
    }
}
