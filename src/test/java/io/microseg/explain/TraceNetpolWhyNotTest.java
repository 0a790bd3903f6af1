package io.microseg.explain;

import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trace's "why no ALLOW rule decided" on a DENY a NetworkPolicy's isolation or a ClusterNetworkPolicy's
 * Deny decided, on upstream's layout (src/test/resources/explain/netpol-why): each rule of each policy
 * selecting the pod, with what missed, the peer (which selector or ipBlock, and why) or the ports.
 */
class TraceNetpolWhyNotTest {
    static final Path INVENTORY_FOLDER = Path.of("src/test/resources/explain/netpol-why/inventory");
    private static Trace trace;

    @BeforeAll
    static void compile() {
        Inventory inventory = InventoryReader.read(INVENTORY_FOLDER);
        Compilation c = new Compiler(RuleBase.packaged()).compile(inventory, List.of());
        trace = Trace.of(c, inventory, List.of());
    }

    private static Hop denied(FlowTrace t) {
        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
        return t.hops().stream().filter(h -> h.verdict() == Verdict.DENY).findFirst().orElseThrow();
    }

    @Test
    void anIngressIsolationListsEachRuleAndWhetherItsPeerOrItsPortMissed() {
        Hop h = denied(trace.trace("pod/lab/y/a", "pod/lab/x/a", "tcp/80"));
        assertThat(h.rule().policy()).isEqualTo("netpol/lab/x/a-from-y-b/isolation");
        assertThat(h.why()).containsExactly(
                "denied by the ingress isolation of NetworkPolicy x/a-from-y-b (netpol/lab/x/a-from-y-b/isolation, DEFAULT 1000000000):"
                        + " a pod a NetworkPolicy selects accepts only the connections a rule of such a policy allows, and none of these does",
                "NetworkPolicy x/a-from-y-b ingress[0]: peer missed: from[0] namespaceSelector team=blue and podSelector pod=b does not"
                        + " select pod/lab/y/a (10.244.2.10): it has labels pod=a",
                "NetworkPolicy x/a-from-y-b ingress[1]: peer missed: from[0] ipBlock 10.244.2.0/24 except 10.244.2.10/32 does not hold"
                        + " pod/lab/y/a (10.244.2.10): it is in 10.244.2.10/32; port missed: it allows TCP serve-81-tcp (81 on pod/lab/x/a),"
                        + " the flow is TCP 80",
                "NetworkPolicy x/a-from-y-b ingress[2]: peer missed: from[0] podSelector pod=c (namespace x) does not select"
                        + " pod/lab/y/a (10.244.2.10): it is in namespace y, not the policy's x",
                "no workspace ALLOW policy has a provider that selects pod/lab/x/a");
    }

    @Test
    void aPeerThatMatchesLeavesThePortsAsTheMiss() {
        Hop h = denied(trace.trace("pod/lab/y/b", "pod/lab/x/a", "tcp/82"));
        assertThat(h.why()).contains(
                "NetworkPolicy x/a-from-y-b ingress[0]: port missed: it allows TCP 80, the flow is TCP 82",
                "NetworkPolicy x/a-from-y-b ingress[1]: port missed: it allows TCP serve-81-tcp (81 on pod/lab/x/a), the flow is TCP 82");
        // On the named port the same source is allowed by ingress[1]: nothing to explain.
        assertThat(trace.trace("pod/lab/y/b", "pod/lab/x/a", "tcp/81").verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void anEgressIsolationJudgesTheDestinationWithItsNamespaceLabels() {
        Hop h = denied(trace.trace("pod/lab/x/b", "pod/lab/y/a", "tcp/80"));
        assertThat(h.step()).isEqualTo(Hop.Step.SOURCE_EGRESS);
        assertThat(h.why()).startsWith(
                "denied by the egress isolation of NetworkPolicy x/b-egress (netpol/lab/x/b-egress/egress-isolation, DEFAULT 1000000000):"
                        + " a pod a NetworkPolicy selects opens only the connections a rule of such a policy allows, and none of these does",
                "NetworkPolicy x/b-egress egress[0]: peer missed: to[0] namespaceSelector team=red does not select pod/lab/y/a"
                        + " (10.244.2.10): its namespace y has labels kubernetes.io/metadata.name=y,team=blue; port missed: it allows UDP 53,"
                        + " the flow is TCP 80");
    }

    @Test
    void aPolicyWithoutRulesOfTheDirectionAllowsNothing() {
        Hop h = denied(trace.trace("pod/lab/x/a", "pod/lab/x/c", "tcp/80"));
        assertThat(h.why()).contains("NetworkPolicy x/deny-all-c selects pod/lab/x/c for ingress and has no ingress rules: it allows nothing");
    }

    @Test
    void aClusterNetworkPolicyDenyNamesThePolicyAndItsRule() {
        Hop h = denied(trace.trace("pod/lab/x/c", "pod/lab/y/a", "tcp/80"));
        assertThat(h.rule().policy()).isEqualTo("cnp/lab/y-not-from-x-c");
        assertThat(h.why()).first().isEqualTo("denied by ClusterNetworkPolicy y-not-from-x-c, rule ingress[0] deny-from-x-c"
                + " (cnp/lab/y-not-from-x-c, ADMIN 500): the Admin tier decides before every workspace policy and NetworkPolicy");
        assertThat(h.why()).noneMatch(w -> w.startsWith("NetworkPolicy "));
    }
}
