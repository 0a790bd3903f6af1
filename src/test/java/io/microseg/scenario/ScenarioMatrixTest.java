package io.microseg.scenario;

import io.microseg.compile.RuleBase;
import io.microseg.input.InputException;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Truth tables in scenario files ({@code expect.matrix}): a table that holds passes, a wrong cell fails
 * with its ends, port, both verdicts, the deciding policy and DRL rule and the line it is written on,
 * and bad tables are errors naming the file, the line and the field. The inventory: NodePort service
 * shop/web (80, node port 30080, target 8080) backed by web-0, a client pod that may reach it, a batch
 * pod that may not, one node, and a catch-all DENY.
 */
class ScenarioMatrixTest {
    private static ScenarioRunner runner;
    @TempDir
    Path dir;

    @BeforeAll
    static void rules() {
        runner = new ScenarioRunner(RuleBase.packaged());
    }

    private static final String GIVEN = """
            name: truth table
            given:
              inventory:
                - {apiVersion: microseg.io/v1, kind: Cluster, metadata: {name: lab}}
                - {apiVersion: v1, kind: Node, metadata: {name: node-1}, status: {addresses: [{type: InternalIP, address: 10.0.0.1}]}}
                - {apiVersion: v1, kind: Pod, metadata: {name: client-0, namespace: shop, labels: {role: client}},
                   spec: {nodeName: node-1}, status: {phase: Running, podIP: 10.244.1.10}}
                - {apiVersion: v1, kind: Pod, metadata: {name: batch-0, namespace: shop, labels: {role: batch}},
                   spec: {nodeName: node-1}, status: {phase: Running, podIP: 10.244.1.11}}
                - {apiVersion: v1, kind: Pod, metadata: {name: web-0, namespace: shop, labels: {app: web}},
                   spec: {nodeName: node-1}, status: {phase: Running, podIP: 10.244.1.30}}
                - apiVersion: v1
                  kind: Service
                  metadata: {name: web, namespace: shop}
                  spec: {type: NodePort, clusterIP: 10.96.0.20, selector: {app: web},
                         ports: [{protocol: TCP, port: 80, targetPort: 8080, nodePort: 30080}]}
              policies:
                - apiVersion: microseg.io/v1
                  kind: Workspace
                  metadata: {name: shop}
                  spec:
                    scope: "*"
                    catchAll: {ingress: DENY, egress: DENY}
                    policies:
                      - {id: clients-to-web, consumer: "orchestrator_role = client",
                         provider: "orchestrator_system/service_name = web", ports: ["TCP 80"], action: ALLOW}
            expect:
              warnings: []
              matrix:
            """;

    /** The grid that holds (line 34 is its first row; the node forwards to web-0 on the target port 8080, not on 80). */
    private static final String GRID = """
                - name: the service
                  ports: [tcp/80]
                  grid: |
                    -                      service/lab/shop/web  pod/lab/shop/web-0
                    pod/lab/shop/client-0  .                     X
                    pod/lab/shop/batch-0   X                     X
                    node/lab/node-1        X                     X
            """;

    private Path write(String matrix) {
        Path f = dir.resolve("s.yaml");
        TestFiles.write(f, GIVEN + matrix);
        return f;
    }

    private ScenarioResult run(String matrix) {
        return runner.run(write(matrix));
    }

    private InputException error(String matrix) {
        Path f = write(matrix);
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> runner.run(f));
        assertThat(t).isInstanceOf(InputException.class);
        InputException e = (InputException) t;
        assertThat(e.file()).isEqualTo(f.toString());
        return e;
    }

    @Test
    void aGridThatHoldsPasses() {
        ScenarioResult r = run(GRID);
        assertThat(r.differences()).isEmpty();
        assertThat(r.passed()).isTrue();
    }

    @Test
    void aWrongCellFailsNamingTheFlowBothVerdictsTheDecidingRuleAndItsLine() {
        ScenarioResult r = run(GRID.replace("pod/lab/shop/batch-0   X", "pod/lab/shop/batch-0   ."));
        assertThat(r.passed()).isFalse();
        assertThat(r.differences()).containsExactly("\"the service\" line 35 (expect.matrix[0].grid, line 3 of the grid):"
                + " pod/lab/shop/batch-0 -> service/lab/shop/web tcp/80: expected ALLOW, actual DENY, decided by policy shop/catch-all,"
                + " DRL rule \"Workloads in a workspace's scope fall back to its catch-all\" at source egress on pod/lab/shop/batch-0");
    }

    @Test
    void aCellExpectedDenyThatIsAllowedNamesTheRuleThatLetItThrough() {
        ScenarioResult r = run("""
                    - ports: [tcp/80]
                      from: [pod/lab/shop/client-0]
                      to: [service/lab/shop/web]
                      cells:
                        - {from: pod/lab/shop/client-0, to: service/lab/shop/web, verdict: DENY}
                """);
        assertThat(r.differences()).singleElement().asString()
                .startsWith("expect.matrix[0] line 34 (expect.matrix[0].cells[0]): pod/lab/shop/client-0 -> service/lab/shop/web tcp/80:"
                        + " expected DENY, actual ALLOW, every hop allows, first policy shop/clients-to-web")
                .endsWith("at source egress on pod/lab/shop/client-0");
    }

    @Test
    void unlistedDenyChecksEveryOtherCellOfTheQueries() {
        String table = """
                    - ports: [tcp/80, tcp/8080]
                      from: "*"
                      to: "*"
                      unlisted: DENY
                      cells:
                        - {from: pod/lab/shop/client-0, to: service/lab/shop/web, port: tcp/80, verdict: ALLOW}
                        - {from: node/lab/node-1, to: pod/lab/shop/web-0, port: tcp/8080, verdict: ALLOW}
                """;
        assertThat(run(table).differences()).isEmpty();
        // without the node's forwarding, that cell is an unlisted ALLOW
        ScenarioResult r = run(table.replace("        - {from: node/lab/node-1, to: pod/lab/shop/web-0, port: tcp/8080, verdict: ALLOW}\n", ""));
        assertThat(r.differences()).singleElement().asString()
                .startsWith("expect.matrix[0] line 30 (expect.matrix[0]), unlisted: DENY: node/lab/node-1 -> pod/lab/shop/web-0 tcp/8080:"
                        + " expected DENY, actual ALLOW, every hop allows, first policy shop/clients-to-web");
        // unchecked: only the listed cells count
        assertThat(run(table.replace("unlisted: DENY", "unlisted: unchecked")
                .replace("        - {from: node/lab/node-1, to: pod/lab/shop/web-0, port: tcp/8080, verdict: ALLOW}\n", "")).differences()).isEmpty();
        // unlisted: ALLOW is wrong here almost everywhere
        assertThat(run(table.replace("unlisted: DENY", "unlisted: ALLOW")).differences()).hasSizeGreaterThan(5)
                .allMatch(d -> d.contains("unlisted: ALLOW") && d.contains("expected ALLOW, actual DENY"));
    }

    @Test
    void aRuleOfTheScenarioIsNotNeededWhenATruthTableIsGivenButOneOfTheTwoIs() {
        Path f = dir.resolve("nothing.yaml");
        TestFiles.write(f, GIVEN.replace("  matrix:\n", ""));
        assertThatThrownBy(() -> runner.run(f)).isInstanceOf(InputException.class)
                .hasMessageContaining("field expect.rules: a list of expected rules (an empty list when none), or a truth table in expect.matrix");
    }

    @Test
    void anUnknownWorkloadIsAnErrorOnItsLine() {
        InputException e = error(GRID.replace("pod/lab/shop/batch-0   X", "pod/lab/shop/batch-9   X"));
        assertThat(e.line()).isEqualTo(35);
        assertThat(e.getMessage()).contains("field expect.matrix[0].grid, line 3 of the grid: a workload of the scenario's inventory,"
                + " found pod/lab/shop/batch-9, which names none");
        InputException cell = error("""
                    - ports: [tcp/80]
                      cells:
                        - {from: pod/lab/shop/client-0, to: service/lab/shop/nope, verdict: ALLOW}
                """);
        assertThat(cell.line()).isEqualTo(32);
        assertThat(cell.getMessage()).contains("field expect.matrix[0].cells[0]: a workload or service of the scenario's inventory,"
                + " found service/lab/shop/nope");
    }

    @Test
    void aCellTheMatrixDoesNotHaveIsAnError() {
        InputException e = error(GRID.replace("ports: [tcp/80]", "ports: [tcp/8080]"));
        assertThat(e.line()).isEqualTo(34);
        assertThat(e.getMessage()).contains("a port service/lab/shop/web is addressed on").contains("tcp/8080: it has none; write - in a grid");
        InputException outside = error("""
                    - ports: [tcp/80]
                      from: "orchestrator_role = client"
                      cells:
                        - {from: pod/lab/shop/batch-0, to: service/lab/shop/web, verdict: DENY}
                """);
        assertThat(outside.getMessage()).contains("field expect.matrix[0].cells[0]: a source the table's from selects; pod/lab/shop/batch-0 is not one");
    }

    @Test
    void gridErrorsNameTheRowLineAndWhatWasExpected() {
        assertThat(error(GRID.replace("pod/lab/shop/batch-0   X                     X", "pod/lab/shop/batch-0   X"))
                .getMessage()).contains(":35: field expect.matrix[0].grid, line 3 of the grid: 2 marks after pod/lab/shop/batch-0,"
                        + " one per destination of the header, found 1");
        assertThat(error(GRID.replace("pod/lab/shop/batch-0   X", "pod/lab/shop/batch-0   Y")).getMessage())
                .contains(":35: ").contains(". (ALLOW), X (DENY) or - (not checked) for pod/lab/shop/batch-0 -> service/lab/shop/web, found 'Y'");
        assertThat(error(GRID.replace("node/lab/node-1        X", "service/lab/shop/web   X")).getMessage())
                .contains(":36: ").contains("(a service is a destination only)");
        assertThat(error(GRID.replace("-                      service", "service")).getMessage())
                .contains(":33: ").contains("a header starting with a corner mark such as -");
        assertThat(error(GRID.replace("pod/lab/shop/web-0\n", "pod/lab/shop/client-0\n")).getMessage())
                .contains(":34: ").contains("- where pod/lab/shop/client-0 meets itself");
        assertThat(error(GRID.replace("pod/lab/shop/batch-0   X                     X", "pod/lab/shop/client-0  X                     X"))
                .getMessage()).contains(":35: ").contains("each source once; pod/lab/shop/client-0 has two rows");
    }

    @Test
    void tableErrorsNameTheFieldAndWhatWasExpected() {
        assertThat(error(GRID.replace("ports: [tcp/80]", "ports: [tcp/80, http]")).getMessage())
                .contains(":31: field expect.matrix[0].ports[1]: expected tcp/PORT, udp/PORT, sctp/PORT (PORT in 1..65535) or icmp, found 'http'");
        assertThat(error(GRID.replace("ports: [tcp/80]", "ports: []")).getMessage()).contains("field expect.matrix[0].ports: a list of ports");
        assertThat(error(GRID.replace("  ports:", "  unlisted: DENY\n      ports:")).getMessage())
                .contains("field expect.matrix[0].unlisted: no unlisted with a grid");
        assertThat(error(GRID.replace("  ports:", "  colour: red\n      ports:")).getMessage())
                .contains("field expect.matrix[0].colour: one of [name, ports, grid, from, to, cells, unlisted]");
        assertThat(error(GRID.replace("  grid: |", "  cells: []\n      grid: |")).getMessage())
                .contains("either grid (a truth table of . and X) or cells (a list of {from, to, verdict}), not both");
        String cells = """
                    - ports: [tcp/80]
                      from: FROM
                      unlisted: UNLISTED
                      cells:
                        - {from: pod/lab/shop/client-0, to: service/lab/shop/web, port: PORT, verdict: VERDICT}
                """;
        String ok = cells.replace("FROM", "[pod/lab/shop/client-0]").replace("UNLISTED", "DENY").replace("PORT", "tcp/80").replace("VERDICT", "ALLOW");
        assertThat(run(ok).differences()).isEmpty();
        assertThat(error(ok.replace("verdict: ALLOW", "verdict: allowed")).getMessage())
                .contains(":34: field expect.matrix[0].cells[0].verdict: ALLOW or DENY, found 'allowed'");
        assertThat(error(ok.replace(", verdict: ALLOW", "")).getMessage())
                .contains("field expect.matrix[0].cells[0].verdict: the cell's verdict (from, to and verdict are required)");
        assertThat(error(ok.replace("port: tcp/80", "port: tcp/81")).getMessage())
                .contains("field expect.matrix[0].cells[0].port: one of the table's ports [tcp/80], found tcp/81");
        assertThat(error(ok.replace("unlisted: DENY", "unlisted: deny")).getMessage())
                .contains(":32: field expect.matrix[0].unlisted: DENY or ALLOW (what every cell of the table not listed must be), or unchecked");
        assertThat(error(ok.replace("from: [pod/lab/shop/client-0]", "from: pod/lab/shop/client-0")).getMessage())
                .contains(":31: field expect.matrix[0].from: ids as a list ([pod/lab/shop/client-0]), or a query");
        assertThat(error(ok.replace("from: [pod/lab/shop/client-0]", "from: \"role = = x\"")).getMessage())
                .contains(":31: field expect.matrix[0].from: expected a query");
        assertThat(error(ok.replace("from: [pod/lab/shop/client-0]", "from: [pod/lab/shop/batch-0]")).getMessage())
                .contains(":34: field expect.matrix[0].cells[0].from: one of the table's from [pod/lab/shop/batch-0], found pod/lab/shop/client-0");
        assertThat(error(ok.replace("to: service/lab/shop/web", "to: pod/lab/shop/client-0")).getMessage())
                .contains("field expect.matrix[0].cells[0].to: another end than from");
        assertThat(error(ok + ok.substring(ok.indexOf("        - {"))).getMessage())
                .contains(":35: field expect.matrix[0].cells[1]: each cell once; pod/lab/shop/client-0 -> service/lab/shop/web tcp/80 is listed twice");
        assertThat(error(ok.replace("unlisted: DENY", "unlisted: unchecked").replace("cells:\n", "cells: []\n")
                .replace("        - {from: pod/lab/shop/client-0, to: service/lab/shop/web, port: tcp/80, verdict: ALLOW}\n", "")).getMessage())
                .contains("field expect.matrix[0].cells: at least one cell, or unlisted: DENY");
    }
}
