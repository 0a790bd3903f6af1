package io.microseg.matrix;

import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.explain.Trace;
import io.microseg.explain.Verdict;
import io.microseg.input.InputException;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The matrix on small clusters whose answers are known: classes, selections, services, the two formats. */
class MatrixTest {
    private static final RuleBase RULES = RuleBase.packaged();

    private static Trace trace(Path inventory, Path policies) {
        Inventory inv = InventoryReader.read(inventory);
        List<Workspace> ws = PolicyReader.read(policies);
        Compilation c = new Compiler(RULES).compile(inv, ws);
        return Trace.of(c, inv, ws);
    }

    private static Matrix matrix(Path inventory, Path policies, String from, String to, String... ports) {
        Inventory inv = InventoryReader.read(inventory);
        return MatrixEvaluation.evaluate(trace(inventory, policies), Selection.of("--from", from, inv, false),
                Selection.of("--to", to, inv, true), java.util.Arrays.stream(ports).map(Trace.Port::parse).toList());
    }

    private static Map<String, Verdict> cells(Matrix m) {
        Map<String, Verdict> out = new LinkedHashMap<>();
        m.forEachCell(c -> out.put(c.from() + " -> " + c.to() + " " + c.port().text(), c.verdict()));
        return out;
    }

    /**
     * Two pods outside every scope have no rules at all; only the consumer set tells them apart, so the
     * class key must hold their addresses' set memberships, or one of them would get the other's verdict.
     */
    @Test
    void workloadsWithTheSameRulesButDifferentSetMembershipsAreDifferentClasses(@TempDir Path dir) {
        TestFiles.write(dir.resolve("inventory/lab.yaml"), """
                {apiVersion: microseg.io/v1, kind: Cluster, metadata: {name: lab}}
                ---
                {apiVersion: v1, kind: Pod, metadata: {name: api-0, namespace: shop, labels: {app: api}}, spec: {nodeName: node-1}, status: {phase: Running, podIP: 10.244.1.20}}
                ---
                {apiVersion: v1, kind: Pod, metadata: {name: web-9, namespace: other, labels: {app: web}}, spec: {nodeName: node-1}, status: {phase: Running, podIP: 10.244.1.19}}
                ---
                {apiVersion: v1, kind: Pod, metadata: {name: db-9, namespace: other, labels: {app: db}}, spec: {nodeName: node-1}, status: {phase: Running, podIP: 10.244.1.18}}
                ---
                {apiVersion: v1, kind: Pod, metadata: {name: db-8, namespace: other, labels: {app: db}}, spec: {nodeName: node-1}, status: {phase: Running, podIP: 10.244.1.17}}
                """);
        TestFiles.write(dir.resolve("policies/shop.yaml"), """
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: shop}
                spec:
                  scope: "orchestrator_system/namespace = shop"
                  catchAll: {ingress: DENY, egress: DENY}
                  policies:
                    - {id: web-to-api, consumer: "orchestrator_app = web", provider: "orchestrator_app = api", ports: ["TCP 8080"], action: ALLOW}
                """);
        Matrix m = matrix(dir.resolve("inventory"), dir.resolve("policies"), "*", "*", "tcp/8080");

        assertThat(cells(m)).containsEntry("pod/lab/other/web-9 -> pod/lab/shop/api-0 tcp/8080", Verdict.ALLOW)
                .containsEntry("pod/lab/other/db-9 -> pod/lab/shop/api-0 tcp/8080", Verdict.DENY)
                .containsEntry("pod/lab/other/db-8 -> pod/lab/shop/api-0 tcp/8080", Verdict.DENY)
                .containsEntry("pod/lab/other/db-8 -> pod/lab/other/db-9 tcp/8080", Verdict.ALLOW)
                .hasSize(4 * 3);
        // db-8 and db-9 are one class (one group), web-9 and api-0 each another
        assertThat(m.from()).extracting(Matrix.Group::name)
                .containsExactlyInAnyOrder("pod/lab/other/db-*", "pod/lab/other/web-9", "pod/lab/shop/api-0");
        // one trace per port and pair of groups, the db group to itself included (db-8 to db-9), but not
        // web-9 or api-0 to itself: a workload to itself is no cell
        assertThat(m.traced()).isEqualTo(3 * 3 - 2);
    }

    /**
     * Clusters east and west have the same names; a client reaches its own cluster's db through the
     * ClusterIP and the other cluster's through its node port, never the db pods directly.
     */
    @Test
    void multiClusterServicesAreReachedAsTraceSaysFromEachCluster(@TempDir Path dir) {
        TestFiles.write(dir.resolve("policies/shop.yaml"), MultiClusterShop.CLIENTS_TO_DB);
        Path inventory = Path.of("tests/fixtures/multi-cluster");
        Matrix m = matrix(inventory, dir.resolve("policies"), "orchestrator_role = client", "*", "tcp/5432", "tcp/30432");
        Map<String, Verdict> cells = cells(m);

        assertThat(cells).containsEntry("pod/east/shop/client-0 -> service/east/shop/db tcp/5432", Verdict.ALLOW)
                .containsEntry("pod/east/shop/client-0 -> service/west/shop/db tcp/5432", Verdict.ALLOW)
                .containsEntry("pod/west/shop/client-0 -> service/east/shop/db tcp/5432", Verdict.ALLOW)
                .containsEntry("pod/east/shop/client-0 -> node/west/node-1 tcp/30432", Verdict.ALLOW)
                .containsEntry("pod/east/shop/client-0 -> pod/east/shop/db-0 tcp/5432", Verdict.DENY)
                .containsEntry("pod/east/shop/client-0 -> pod/west/shop/client-0 tcp/5432", Verdict.DENY);
        // only the clients are sources; both clusters' nodes, pods and services are destinations
        assertThat(cells.keySet()).allMatch(k -> k.contains("/client-0 ->"));
        Trace trace = trace(inventory, dir.resolve("policies"));
        m.forEachCell(c -> assertThat(c.verdict()).as("%s", c)
                .isEqualTo(trace.trace(c.from(), c.to(), c.port().protocol(), c.port().port()).verdict()));
    }

    @Test
    void jsonListsEveryCellAndTheTableOneRowPerPairOfGroups() throws Exception {
        Matrix m = matrix(Path.of("config/demo/inventory"), Path.of("config/demo/policies"), "orchestrator_app = web",
                "orchestrator_system/service_name = db OR orchestrator_app = db", "tcp/27017");
        StringWriter json = new StringWriter();
        MatrixJson.write(m, json);
        var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toString());
        assertThat(root.path("cells")).hasSize(2 * 3);
        assertThat(root.path("cells").get(0).toString())
                .isEqualTo("{\"from\":\"pod/demo/web/web-dev-0\",\"to\":\"pod/demo/data/db-0\",\"port\":\"tcp/27017\",\"verdict\":\"DENY\"}");

        StringWriter table = new StringWriter();
        MatrixTable.write(m, table);
        assertThat(table.toString()).contains("2 sources in 2 groups, 3 destinations in 2 groups, 1 port: 6 cells from 4 traced flows")
                .containsPattern("pod/demo/web/web-prod-0 +service/demo/data/db +ALLOW +1\n")
                .containsPattern("pod/demo/web/web-dev-0 +pod/demo/data/db-\\* \\(2\\) +DENY +2\n")
                .contains("GROUPS\n  pod/demo/data/db-* (2): pod/demo/data/db-0, pod/demo/data/db-1\n");
    }

    @Test
    void aQueryThatDoesNotParseNamesTheOption() {
        assertThatThrownBy(() -> Selection.parse("--from", "app = "))
                .isInstanceOf(InputException.class).hasMessageContaining("--from").hasMessageContaining("expected a query");
    }
}
