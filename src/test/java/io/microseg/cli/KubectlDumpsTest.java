package io.microseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.inventory.Pod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code kubectl get all -A -o yaml}, {@code kubectl get nodes -o json} and
 * {@code kubectl get endpoints,endpointslices -A -o json} print for a small kind cluster
 * (tests/fixtures/kubectl-get-all), read as they are.
 */
class KubectlDumpsTest {
    private static final Path FIXTURE = Path.of("tests/fixtures/kubectl-get-all");
    private static final String INVENTORY = FIXTURE.resolve("inventory").toString();
    private static final String POLICIES = FIXTURE.resolve("policies").toString();
    private static final String CART = "pod/kind/shop/cartservice-5d7b8c9f6-lmx2q";

    @TempDir
    Path dir;

    @Test
    void kindsMicrosegDoesNotUseAreSkippedWithOneWarningPerFile() {
        List<String> warnings = new ArrayList<>();
        Inventory inv = InventoryReader.read(FIXTURE.resolve("inventory"), warnings::add);

        assertThat(warnings).containsExactly(
                FIXTURE.resolve("inventory/all.yaml") + ": skipped 11 objects of kinds microseg does not use: 1 CronJob (batch/v1),"
                        + " 2 DaemonSet (apps/v1), 3 Deployment (apps/v1), 1 Job (batch/v1), 3 ReplicaSet (apps/v1), 1 StatefulSet (apps/v1)",
                FIXTURE.resolve("inventory/endpoints.json") + ": skipped 6 objects of kinds microseg does not use: 6 Endpoints (v1)");
        // cluster.yaml sorts after all.yaml: its cluster still names every object of the folder
        assertThat(inv.clusters()).containsExactly("kind");
        assertThat(inv.pods()).hasSize(15).allSatisfy(p -> assertThat(p.cluster()).isEqualTo("kind"));
        assertThat(inv.nodes()).extracting(n -> n.id() + " " + n.ips())
                .containsExactly("node/kind/kind-control-plane [10.89.0.2]", "node/kind/kind-worker [10.89.0.3]", "node/kind/kind-worker2 [10.89.0.4]");
        assertThat(inv.pods()).filteredOn(Pod::hostNetwork).hasSize(8);
        assertThat(inv.pods()).filteredOn(p -> p.name().startsWith("cleanup-")).singleElement()
                .satisfies(p -> assertThat(p.ips()).as("a completed Job's pod holds no address").isEmpty());
        assertThat(inv.namespaces()).extracting(n -> n.labels().get("orchestrator_team").orElse("-")).containsExactly("-", "-", "storefront");
        // services take their endpoints from the slices in endpoints.json, named target ports resolved
        assertThat(inv.endpoints()).filteredOn(e -> e.service().equals("cartservice"))
                .extracting(e -> e.ip() + ":" + e.targetPort() + " " + e.podName()).containsExactly("10.244.1.9:7070 cartservice-5d7b8c9f6-lmx2q");
        assertThat(inv.endpoints()).filteredOn(e -> e.service().equals("kubernetes"))
                .extracting(e -> e.ip() + ":" + e.targetPort()).containsExactly("10.89.0.2:6443");
    }

    @Test
    void compilingTheDumpGivesTheShopsRulesAndTheSkippedKindsAsWarnings() throws IOException {
        CliRun r = CliRun.of("compile", "--inventory", INVENTORY, "--policies", POLICIES, "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        List<String> cartIngress = new ArrayList<>();
        json.get("rules").forEach(rule -> {
            if (rule.get("workload").asText().equals(CART) && rule.get("direction").asText().equals("INGRESS")
                    && rule.get("rank").asText().equals("DEFAULT")) {
                cartIngress.add(rule.get("protocol").asText() + " " + rule.get("ports").asText() + " " + members(json, rule.get("peerSet").asText()));
            }
        });
        assertThat(cartIngress).containsExactly("TCP 7070 [10.244.1.7, 10.244.2.5]");
        List<String> warnings = new ArrayList<>();
        json.get("warnings").forEach(w -> warnings.add(w.get("policy").asText() + ": " + w.get("message").asText()));
        assertThat(warnings).filteredOn(w -> w.startsWith("inventory: ") && w.contains("skipped")).hasSize(2);
    }

    private static List<String> members(JsonNode json, String set) {
        List<String> members = new ArrayList<>();
        json.get("sets").forEach(s -> {
            if (s.get("id").asText().equals(set)) s.get("members").forEach(m -> members.add(m.asText()));
        });
        return members;
    }

    @Test
    void theTableIsAsWideAsItsLongestWorkloadId() {
        CliRun r = CliRun.of("compile", "--inventory", INVENTORY, "--policies", POLICIES);
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> rows = r.out().lines().takeWhile(l -> !l.equals("WARNINGS")).filter(l -> !l.isBlank()).toList();
        assertThat(rows.get(0)).startsWith("WORKLOAD" + " ".repeat(CART.length() - "WORKLOAD".length() + 1) + "DIR ");
        int dirColumn = rows.get(0).indexOf("DIR");
        assertThat(rows).hasSizeGreaterThan(10).allSatisfy(row -> {
            assertThat(row.charAt(dirColumn - 1)).isEqualTo(' ');
            assertThat(row.substring(dirColumn)).matches("(DIR|IN |OUT) .*");
        });
    }

    @Test
    void compileForOneWorkloadShowsOnlyTheWarningsThatConcernIt() {
        CliRun all = CliRun.of("compile", "--inventory", INVENTORY, "--policies", POLICIES);
        assertThat(all.out()).contains("skipped 11 objects");
        CliRun cart = CliRun.of("compile", "--inventory", INVENTORY, "--policies", POLICIES, "--workload", CART);
        assertThat(cart.exit()).as(cart.err()).isZero();
        assertThat(cart.out()).contains(CART).doesNotContain("frontend-6b9c4d7f58-2wq9x   ").doesNotContain("skipped");
    }

    @Test
    void anUnknownWorkloadIsAnErrorForExplainAndCompile() {
        for (String command : List.of("explain", "compile")) {
            CliRun r = CliRun.of(command, "--inventory", INVENTORY, "--policies", POLICIES, "--workload", "pod/kind/shop/cartservice-5d7b8c9f6-lmx2");
            assertThat(r.exit()).as(command).isEqualTo(2);
            assertThat(r.err()).isEqualTo("error: --workload: expected a workload of the inventory (pod/<cluster>/<namespace>/<name>,"
                    + " node/<cluster>/<name> or host/<name>), found no pod/kind/shop/cartservice-5d7b8c9f6-lmx2 (did you mean " + CART + "?)\n");
            assertThat(r.out()).isEmpty();
        }
        CliRun known = CliRun.of("explain", "--inventory", INVENTORY, "--policies", POLICIES, "--workload", CART);
        assertThat(known.exit()).as(known.err()).isZero();
        assertThat(known.out()).contains("shop/frontend-to-cart");
    }

    @Test
    void aPowerShellRedirectedDumpIsReadLikeTheOriginal() throws IOException {
        // Windows PowerShell's `kubectl get ... > file` writes UTF-16 little endian with a byte order mark.
        Path inventory = Files.createDirectories(dir.resolve("inventory"));
        for (Path f : Files.list(FIXTURE.resolve("inventory")).toList()) {
            byte[] utf8 = Files.readAllBytes(f);
            byte[] utf16 = new String(utf8, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16LE);
            byte[] withBom = new byte[utf16.length + 2];
            withBom[0] = (byte) 0xFF;
            withBom[1] = (byte) 0xFE;
            System.arraycopy(utf16, 0, withBom, 2, utf16.length);
            Files.write(inventory.resolve(f.getFileName()), withBom);
        }
        Inventory original = InventoryReader.read(FIXTURE.resolve("inventory"));
        Inventory utf16 = InventoryReader.read(inventory);
        assertThat(utf16.pods()).isEqualTo(original.pods());
        assertThat(utf16.endpoints()).isEqualTo(original.endpoints());
    }
}
