package io.microseg.bench;

import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryAssembly;
import io.microseg.inventory.Pod;
import io.microseg.inventory.ServiceType;
import io.microseg.policy.Workspace;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SyntheticClusterTest {
    @Test
    void hasTheSizesAskedForAndIsTheSameForTheSameSeed() {
        ClusterShape shape = ClusterShape.mixed(3000, 100, 200, 60);
        SyntheticCluster c = SyntheticCluster.generate(shape, 7);

        Inventory inv = InventoryAssembly.assemble(c.objects());
        assertThat(inv.pods()).hasSize(3000);
        assertThat(inv.nodes()).hasSize(100);
        assertThat(inv.services()).hasSize(200);
        assertThat(inv.services()).extracting(s -> s.type()).contains(ServiceType.values());
        assertThat(inv.endpoints()).isNotEmpty();
        assertThat(c.workspaces().stream().mapToInt(w -> w.policies().size()).sum()).isEqualTo(60);
        assertThat(c.workspaces()).extracting(Workspace::name).contains("edge", "hosts");
        // hostNetwork node exporters and hosts merged into nodes are part of the picture
        assertThat(inv.pods()).anyMatch(Pod::hostNetwork);
        assertThat(inv.nodes()).anyMatch(n -> n.labels().get("role").isPresent());

        assertThat(SyntheticCluster.generate(shape, 7).objects()).isEqualTo(c.objects());
        assertThat(SyntheticCluster.generate(shape, 7).workspaces()).isEqualTo(c.workspaces());
    }

    @Test
    void antreaShapeSelectsPodsOfOneNamespacePerPolicy() {
        SyntheticCluster c = SyntheticCluster.generate(new ClusterShape(400, 10, 0, 300, 100, true), 1);
        assertThat(c.podCount()).isEqualTo(400);
        assertThat(c.workspaces()).hasSize(100);
        assertThat(c.workspaces().stream().mapToInt(w -> w.policies().size()).sum()).isEqualTo(300);
        c.workspaces().forEach(w -> w.policies().forEach(p ->
                assertThat(p.consumer().text()).contains("orchestrator_system/namespace = " + w.name())));
    }
}
