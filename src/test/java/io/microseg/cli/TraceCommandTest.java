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
