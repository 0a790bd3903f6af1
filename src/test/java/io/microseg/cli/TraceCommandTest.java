package io.microseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** trace, and the cluster-safety warnings in compile and explain, as the command line prints them. */
class TraceCommandTest {
    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void tracesAnAllowedDemoFlowWithEveryHopsRuleAndDrlLocation() {
        CliRun r = run("trace", "--from", "host/backup-prod", "--to", "10.0.0.11", "--port", "tcp/30017");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("flow host/backup-prod -> node/demo/node-1 TCP 30017: ALLOW\n")
                .contains("1. source egress on host/backup-prod")
                .contains("2. entry node accepts the original source on node/demo/node-1")
                .contains("3. node forwards after DNAT on node/demo/node-1")
                .contains("4. destination ingress on pod/demo/data/db-0")
                .contains(drlLine("Consumers reach the node port on every node of the service's cluster"))
                .contains(drlLine("The nodes accept the consumers on the node port"))
                .endsWith("verdict: ALLOW (every hop allows)\n");
    }

    @Test
    void aNetworkPolicyIsolationSaysWhichRuleMissedOnPeerOrPort() {
        CliRun r = run("trace", "--inventory", "src/test/resources/explain/netpol-why/inventory", "--from", "pod/lab/y/a",
                "--to", "pod/lab/x/a", "--port", "tcp/80");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("flow pod/lab/y/a -> pod/lab/x/a TCP 80: DENY\n")
                .contains("   decided by rule 4 of 4 (INGRESS) on pod/lab/x/a: DENY ANY * peer any, DEFAULT 1000000000,"
                        + " netpol/lab/x/a-from-y-b/isolation\n")
                .contains("   why no ALLOW rule decided:\n"
                        + "     - denied by the ingress isolation of NetworkPolicy x/a-from-y-b (netpol/lab/x/a-from-y-b/isolation,"
                        + " DEFAULT 1000000000): a pod a NetworkPolicy selects accepts only the connections a rule of such a policy allows,"
                        + " and none of these does\n"
                        + "     - NetworkPolicy x/a-from-y-b ingress[0]: peer missed: from[0] namespaceSelector team=blue and podSelector"
                        + " pod=b does not select pod/lab/y/a (10.244.2.10): it has labels pod=a\n"
                        + "     - NetworkPolicy x/a-from-y-b ingress[1]: peer missed: from[0] ipBlock 10.244.2.0/24 except 10.244.2.10/32"
                        + " does not hold pod/lab/y/a (10.244.2.10): it is in 10.244.2.10/32; port missed: it allows TCP serve-81-tcp"
                        + " (81 on pod/lab/x/a), the flow is TCP 80\n"
                        + "     - NetworkPolicy x/a-from-y-b ingress[2]: peer missed: from[0] podSelector pod=c (namespace x) does not"
                        + " select pod/lab/y/a (10.244.2.10): it is in namespace y, not the policy's x\n")
                .endsWith("verdict: DENY (1 of 2 hops deny)\n");

        CliRun cnp = run("trace", "--inventory", "src/test/resources/explain/netpol-why/inventory", "--from", "pod/lab/x/c",
                "--to", "pod/lab/y/a", "--port", "tcp/80");
        assertThat(cnp.out()).contains("     - denied by ClusterNetworkPolicy y-not-from-x-c, rule ingress[0] deny-from-x-c"
                + " (cnp/lab/y-not-from-x-c, ADMIN 500): the Admin tier decides before every workspace policy and NetworkPolicy\n");
    }

    private static String drlLine(String rule) {
        return "(rules/services.drl:" + TestFiles.lineOf(Path.of("rules/services.drl"), "rule \"" + rule + "\"") + ")";
    }

    @Test
    void viaPicksTheEntryNodeAndAnUnmanagedSourceIsDeniedThere() {
        CliRun r = run("trace", "--from", "203.0.113.9", "--to", "db.data", "--port", "tcp/30017", "--via", "node-2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("flow outside 203.0.113.9 -> service/demo/data/db TCP 30017: DENY\n")
                .contains("1. source egress on outside 203.0.113.9: EGRESS to node/demo/node-2 (node port of service/demo/data/db)"
                        + " 10.0.0.12 TCP 30017: ALLOW\n   unmanaged: an address in no inventory has no agent")
                .contains("2. entry node accepts the original source on node/demo/node-2: INGRESS from outside 203.0.113.9"
                        + " TCP 30017 at 10.0.0.12: DENY")
                .contains("INGRESS from node/demo/node-2 (a pod-side address of the node, masquerade) TCP 27017: ALLOW");

        CliRun consumer = run("trace", "--from", "host/backup-prod", "--to", "db.data", "--port", "tcp/30017", "--via", "10.0.0.12");
        assertThat(consumer.out()).contains("on node/demo/node-2").endsWith("verdict: ALLOW (every hop allows)\n");

        CliRun notANode = run("trace", "--from", "host/backup-prod", "--to", "db.data", "--port", "tcp/30017", "--via", "node-9");
        assertThat(notANode.exit()).isEqualTo(2);
        assertThat(notANode.err()).startsWith("error: --via: expected a node of the inventory").contains("'node-9'");
        CliRun noEntry = run("trace", "--from", "pod/demo/web/web-prod-0", "--to", "db.data", "--port", "tcp/27017", "--via", "node-1");
        assertThat(noEntry.exit()).isEqualTo(2);
        assertThat(noEntry.err()).startsWith("error: --via: expected a flow that enters at a node").contains("ClusterIP 10.96.0.50");
    }

    @Test
    void tracesADeniedDemoFlowWithWhyNoAllowRuleDecided() {
        CliRun r = run("trace", "--from", "pod/demo/web/web-dev-0", "--to", "service/demo/data/db", "--port", "tcp/27017");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains(": DENY\n").contains("why no ALLOW rule decided:")
                .contains("- demo/production-to-db: consumer query did not match: orchestrator_environment = development")
                .contains("verdict: DENY");
    }

    @Test
    void anUnknownEndOrABadPortIsOneLineAndExit2() {
        CliRun unknown = run("trace", "--from", "pod/demo/web/web-0", "--to", "db.data", "--port", "tcp/27017");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("error: --from: ").contains("pod/demo/web/web-0")
                .contains("(did you mean pod/demo/web/web-dev-0 or pod/demo/web/web-prod-0?)").doesNotContain("Exception");
        assertThat(unknown.err().lines().count()).isEqualTo(1);

        CliRun port = run("trace", "--from", "host/backup-prod", "--to", "db.data", "--port", "27017");
        assertThat(port.exit()).isEqualTo(2);
        assertThat(port.err()).startsWith("error: --port: expected tcp/PORT");
    }

    @Test
    void compileJsonCarriesTheClusterSafetyWarnings() throws IOException {
        Path policies = Files.createDirectories(dir.resolve("policies"));
        Files.writeString(policies.resolve("pods.yaml"), """
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: pods}
                spec:
                  scope: "orchestrator_system/workload_type = pod"
                  catchAll: {ingress: ALLOW, egress: DENY}
                """);
        CliRun r = run("compile", "--inventory", "tests/fixtures/safety-cluster", "--policies", policies.toString(), "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        List<String> warnings = new ArrayList<>();
        json.get("warnings").forEach(w -> warnings.add(w.get("policy").asText() + ": " + w.get("message").asText()));
        assertThat(warnings).anyMatch(w -> w.startsWith("pods/catch-all: cuts DNS (from the pods): UDP 53, TCP 53"));

        CliRun table = run("compile", "--inventory", "tests/fixtures/safety-cluster", "--policies", policies.toString());
        assertThat(table.out()).contains("WARNINGS\n  pods/catch-all: cuts DNS");
    }

    @Test
    void explainShowsTheWarningsThatNameTheWorkload() {
        CliRun r = run("explain", "--workload", "node/demo/node-2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\n  warnings:\n    demo/catch-all: cuts node health checks")
                .contains("\n    demo/catch-all: cuts the kubelet");
        assertThat(run("explain", "--workload", "pod/demo/web/web-dev-0").out()).doesNotContain("warnings:");
    }
}
