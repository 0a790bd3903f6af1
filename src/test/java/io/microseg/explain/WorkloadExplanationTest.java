package io.microseg.explain;

import io.microseg.compile.Compilation;
import io.microseg.controlplane.CompiledRule;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** "Why does this rule exist?": the DRL rule with its source, the policy, the facts, every justification. */
class WorkloadExplanationTest {
    private static final String INVENTORY = """
            apiVersion: v1
            kind: Service
            metadata: {name: db, namespace: data, labels: {app: db}}
            spec: {clusterIP: 10.96.0.50, selector: {app: db}, ports: [{port: 27017}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: db-replicas, namespace: data, labels: {app: db}}
            spec: {clusterIP: 10.96.0.51, selector: {app: db}, ports: [{port: 27017}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: db-0, namespace: data, labels: {app: db}}
            spec: {nodeName: n1, containers: [{name: mongo}]}
            status: {podIP: 10.244.1.10}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: web-0, namespace: web, labels: {app: web}}
            spec: {nodeName: n1, containers: [{name: web}]}
            status: {podIP: 10.244.1.20}
            """;
    private static final String POLICIES = """
            apiVersion: microseg.io/v1
            kind: Workspace
            metadata: {name: shop}
            spec:
              scope: "*"
              policies:
                - {id: web-to-db, consumer: "orchestrator_app = web", provider: "orchestrator_app = db", ports: ["TCP 27017"], action: ALLOW}
            """;

    private final List<Workspace> workspaces = PolicyReader.read(YamlDocuments.parse("policies.yaml", POLICIES));
    private final Compilation compilation = new Compiler(RuleBase.packaged())
            .compile(InventoryReader.read(YamlDocuments.parse("inventory.yaml", INVENTORY)), workspaces);

    @Test
    void aRuleTwoServicesJustifyHasBothJustificationsAndTheDrlSource() {
        CompiledRule ingress = compilation.rulesOf("pod/default/data/db-0").stream()
                .filter(r -> r.rule().equals("Provider pods accept the consumers on the target port")).findFirst().orElseThrow();
        assertThat(ingress.justifications()).extracting(j -> j.matched().get(1))
                .containsExactly("service/default/data/db", "service/default/data/db-replicas");

        String text = WorkloadExplanation.explainRule(compilation, workspaces, ingress.id());

        assertThat(text).startsWith("pod/default/data/db-0\n  INGRESS ALLOW TCP 27017")
                .contains("policy shop/web-to-db").contains("consumer: orchestrator_app = web")
                .contains("provider: orchestrator_app = db")
                .contains("because DRL rule \"Provider pods accept the consumers on the target port\" (rules/services.drl:")
                .contains("matched policy:shop/web-to-db, service/default/data/db, pod/default/data/db-0")
                .contains("matched policy:shop/web-to-db, service/default/data/db-replicas, pod/default/data/db-0")
                .contains("       | rule \"Provider pods accept the consumers on the target port\"")
                .contains("       | end");
    }

    @Test
    void twoPodsClaimingOneAddressShowTheWarningInTheExplanationOfEitherButNotOfOthers() {
        String stale = INVENTORY + """
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: web-1, namespace: web, labels: {app: web}}
                spec: {nodeName: n1, containers: [{name: web}]}
                status: {phase: Running, podIP: 10.244.1.10}
                """;
        Compilation c = new Compiler(RuleBase.packaged()).compile(InventoryReader.read(YamlDocuments.parse("inventory.yaml", stale)), workspaces);
        String warning = "inventory: address 10.244.1.10 is claimed by two workloads, pod/default/data/db-0 and pod/default/web/web-1";
        assertThat(WorkloadExplanation.warnings(c, "pod/default/data/db-0")).contains(warning);
        assertThat(WorkloadExplanation.warnings(c, "pod/default/web/web-1")).contains(warning);
        assertThat(WorkloadExplanation.warnings(c, "pod/default/web/web-0")).doesNotContain("claimed");
        assertThat(WorkloadExplanation.warnings(compilation, "pod/default/data/db-0")).as("one address each").doesNotContain("claimed");
    }

    @Test
    void anUnknownRuleIdSaysSo() {
        assertThat(WorkloadExplanation.explainRule(compilation, workspaces, "000000000000")).isEqualTo("no rule 000000000000 in this compile\n");
    }
}
