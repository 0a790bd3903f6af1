package io.microseg.explain;

import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A NetworkPolicy's egress as trace judges it, the way the agent enforces it (NftEgressAfterDnatTest runs the
 * same inventory in a real kernel): web-0 may reach the api pods of tier a on 8080; service api (ClusterIP
 * 10.96.0.80:80, target port 8080) has api-0 (tier a) and api-1 (tier b).
 */
class TraceNetpolEgressTest {
    static final Path INPUT = Path.of("src/test/resources/enforce/egress-after-dnat");
    static final Inventory INVENTORY = InventoryReader.read(INPUT.resolve("inventory"));

    private static Trace trace(List<Workspace> workspaces) {
        Compilation c = new Compiler(RuleBase.packaged()).compile(INVENTORY, workspaces);
        return Trace.of(c, INVENTORY, workspaces);
    }

    @Test
    void throughTheServiceTheSourceEgressIsJudgedOncePerBackendOnItsTargetPort() {
        FlowTrace t = trace(List.of()).trace("pod/lab/shop/web-0", "service/lab/shop/api", "tcp/80");
        List<Hop> egress = t.hops().stream().filter(h -> h.step() == Hop.Step.SOURCE_EGRESS).toList();
        assertThat(egress).extracting(Hop::dnatAddress).containsExactly("10.244.1.10", "10.244.1.11");
        assertThat(egress).extracting(Hop::dnatPort).containsExactly(8080, 8080);
        assertThat(egress).extracting(Hop::peerAddress).containsOnly("10.96.0.80");
        assertThat(egress).extracting(Hop::verdict).containsExactly(Verdict.ALLOW, Verdict.DENY);
        assertThat(egress.get(0).rule().policy()).isEqualTo("netpol/lab/shop/web-to-tier-a");
        assertThat(egress.get(0).rule().afterDnat()).isTrue();
        assertThat(egress.get(0).rule().justifications().get(0).source().location()).matches("rules/networkpolicy\\.drl:\\d+");
        assertThat(egress.get(1).rule().policy()).isEqualTo("netpol/lab/shop/web-to-tier-a/egress-isolation");
        assertThat(egress.get(1).peer()).contains("DNAT to pod/lab/shop/api-1 port 8080");
        assertThat(t.verdict()).as("ALLOW only when every backend is reached").isEqualTo(Verdict.DENY);
        assertThat(t.notes()).anyMatch(n -> n.contains("judged after the DNAT of its own node"));
    }

    @Test
    void straightToThePodsThePolicyJudgesTheAddressAsSent() {
        Trace t = trace(List.of());
        assertThat(t.trace("pod/lab/shop/web-0", "pod/lab/shop/api-0", "tcp/8080").verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.trace("pod/lab/shop/web-0", "pod/lab/shop/api-1", "tcp/8080").verdict()).isEqualTo(Verdict.DENY);
        assertThat(t.trace("pod/lab/shop/web-0", "pod/lab/shop/api-0", "tcp/80").verdict())
                .as("the service port is no port of the pod: the policy opens 8080").isEqualTo(Verdict.DENY);
        FlowTrace direct = t.trace("pod/lab/shop/web-0", "pod/lab/shop/api-0", "tcp/8080");
        assertThat(direct.hops().get(0).dnatAddress()).as("no DNAT on a direct flow").isNull();
    }

    @Test
    void aWorkspaceRuleBeforeTheIsolationStillSeesTheClusterIpAndServicePort() {
        Trace t = trace(PolicyReader.read(INPUT.resolve("policies")));
        FlowTrace viaService = t.trace("pod/lab/shop/web-0", "service/lab/shop/api", "tcp/80");
        List<Hop> egress = viaService.hops().stream().filter(h -> h.step() == Hop.Step.SOURCE_EGRESS).toList();
        assertThat(egress).extracting(h -> h.rule().policy()).containsExactly("netpol/lab/shop/web-to-tier-a", "lab/web-to-api");
        assertThat(viaService.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.trace("pod/lab/shop/web-0", "pod/lab/shop/api-1", "tcp/8080").verdict())
                .as("straight to api-1 the workspace's ClusterIP rule does not match: the isolation decides").isEqualTo(Verdict.DENY);
    }
}
