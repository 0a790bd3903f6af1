package io.microseg.bench;

import io.microseg.inventory.Endpoint;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryAssembly;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The dump a user would feed microseg means exactly the synthetic cluster it was written from. */
class KubectlDumpTest {
    private static final ClusterShape SHAPE = ClusterShape.mixed(900, 30, 60, 12);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "json: {0}")
    @ValueSource(booleans = {false, true})
    void readingTheDumpBackGivesTheClusterItWasWrittenFrom(boolean json) {
        SyntheticCluster cluster = SyntheticCluster.generate(SHAPE, 7);
        KubectlDump.write(cluster, 7, dir, json);

        List<String> warnings = new ArrayList<>();
        Inventory read = InventoryReader.read(dir.resolve("inventory"), warnings::add);
        Inventory expected = InventoryAssembly.assemble(cluster.objects());

        assertThat(read.pods()).hasSize(900).containsExactlyInAnyOrderElementsOf(expected.pods());
        assertThat(read.services()).containsExactlyInAnyOrderElementsOf(expected.services());
        assertThat(read.nodes()).containsExactlyInAnyOrderElementsOf(expected.nodes());
        assertThat(read.hosts()).isNotEmpty().containsExactlyInAnyOrderElementsOf(expected.hosts());
        assertThat(read.namespaces()).containsExactlyInAnyOrderElementsOf(expected.namespaces());
        assertThat(new HashSet<Endpoint>(read.endpoints())).isNotEmpty().isEqualTo(new HashSet<>(expected.endpoints()));
        assertThat(read.clusters()).containsExactly("prod");
        assertThat(warnings).singleElement().asString()
                .endsWith("kubectl-get." + (json ? "json" : "yaml") + ": skipped " + 2 * cluster.deployments.size()
                        + " objects of kinds microseg does not use: " + cluster.deployments.size() + " Deployment (apps/v1), "
                        + cluster.deployments.size() + " ReplicaSet (apps/v1)");

        List<Workspace> workspaces = PolicyReader.read(dir.resolve("policies"));
        assertThat(workspaces).hasSameSizeAs(cluster.workspaces);
        for (int i = 0; i < workspaces.size(); i++) {
            Workspace w = workspaces.get(i);
            Workspace e = cluster.workspaces.get(i);
            assertThat(new Workspace(w.name(), w.scope(), w.catchAllIngress(), w.catchAllEgress(), w.policies(), e.source()))
                    .isEqualTo(e);
        }
    }

    @Test
    void theDumpIsShapedAsKubectlPrintsIt() throws IOException {
        Path file = KubectlDump.write(SyntheticCluster.generate(SHAPE, 7), 7, dir, false);
        String text = Files.readString(file);
        assertThat(text).startsWith("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Node\n")
                .endsWith("kind: List\nmetadata:\n  resourceVersion: \"\"\n")
                .contains("    managedFields:\n    - apiVersion: v1\n      fieldsType: FieldsV1\n")
                .contains("    ownerReferences:\n    - apiVersion: apps/v1\n      blockOwnerDeletion: true\n")
                .contains("  kind: EndpointSlice\n", "  kind: ReplicaSet\n", "  kind: Deployment\n");
        // Real pods are 4 to 8 KB of YAML.
        assertThat(Files.size(file) / 900).isBetween(4_000L, 12_000L);
    }

    @Test
    void theSameSeedWritesTheSameFiles(@TempDir Path other) throws IOException {
        Path a = KubectlDump.write(SyntheticCluster.generate(SHAPE, 3), 3, dir, false);
        Path b = KubectlDump.write(SyntheticCluster.generate(SHAPE, 3), 3, other, false);
        assertThat(Files.mismatch(a, b)).isEqualTo(-1);
    }
}
