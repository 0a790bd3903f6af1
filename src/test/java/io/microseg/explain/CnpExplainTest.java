package io.microseg.explain;

import io.microseg.compile.Compilation;
import io.microseg.compile.RuleBase;
import io.microseg.engine.FullCompile;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.Workspace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** explain and trace of rules a ClusterNetworkPolicy derives: the policy, its rule, the DRL rule; a Pass named in the decision. */
class CnpExplainTest {
    @TempDir
    Path dir;

    @Test
    void explainShowsThePolicyItsRuleAndTheDrlRuleAndTraceNamesThePass() throws Exception {
        Files.writeString(dir.resolve("inv.yaml"), """
                apiVersion: microseg.io/v1
                kind: Cluster
                metadata: {name: lab}
                ---
                {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: x, labels: {app: a}}, spec: {nodeName: n}, status: {phase: Running, podIP: 10.244.1.10}}
                ---
                {apiVersion: v1, kind: Pod, metadata: {name: b, namespace: y, labels: {app: b}}, spec: {nodeName: n}, status: {phase: Running, podIP: 10.244.2.10}}
                ---
                apiVersion: policy.networking.k8s.io/v1alpha2
                kind: ClusterNetworkPolicy
                metadata: {name: guard}
                spec:
                  tier: Admin
                  priority: 2
                  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}}
                  ingress:
                    - {name: hand-y-over, action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: y}}}], protocols: [{tcp: {destinationPort: {number: 80}}}]}
                    - {name: deny-y, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: y}}}]}
                """);
        InventoryReader.Read read = InventoryReader.readBoth(dir, w -> {});
        List<Workspace> none = List.of();
        Compilation c = FullCompile.of(RuleBase.packaged(), read.objects(), none);
        String text = WorkloadExplanation.explain(c, none, "pod/lab/x/a");
        assertThat(text).contains("INGRESS PASS TCP 80").contains("rank ADMIN, priority 200, policy cnp/lab/guard")
                .contains("because DRL rule \"A ClusterNetworkPolicy's Pass rule hands the selected pods' connections with its peers on to the next tier\" (rules/clusternetworkpolicy.drl:")
                .contains("matched policy:cnp/lab/guard, rule:ingress[0] hand-y-over, pod/lab/x/a")
                .contains("INGRESS DENY ANY").contains("rank ADMIN, priority 201, policy cnp/lab/guard")
                .contains("rule:ingress[1] deny-y");

        Trace trace = Trace.of(c, read.inventory(), none);
        FlowTrace on80 = trace.trace("pod/lab/y/b", "pod/lab/x/a", io.microseg.net.Protocol.TCP, 80);
        assertThat(TraceText.write(on80, trace.rules().sets())).contains("passed by PASS rule").contains("skips the rest of the ADMIN tier");
        assertThat(on80.verdict()).as("the Pass skips deny-y; no other rule: open").isEqualTo(Verdict.ALLOW);
        assertThat(trace.trace("pod/lab/y/b", "pod/lab/x/a", io.microseg.net.Protocol.TCP, 81).verdict()).isEqualTo(Verdict.DENY);
    }
}
