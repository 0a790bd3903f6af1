package io.microseg.explain;

import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.facts.Warning;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cluster-safety warnings on tests/fixtures/safety-cluster: a control-plane node and two workers,
 * CoreDNS behind kube-dns, the API server's kubernetes service, two shop pods.
 */
class ClusterSafetyTest {
    private static RuleBase rules;
    private static Inventory cluster;

    @BeforeAll
    static void load() {
        rules = RuleBase.packaged();
        cluster = InventoryReader.read(Path.of("tests/fixtures/safety-cluster"));
    }

    private static List<Warning> warnings(String policies) {
        List<Workspace> ws = PolicyReader.read(YamlDocuments.parse("policies.yaml", policies));
        Compilation c = new Compiler(rules).compile(cluster, ws);
        return ClusterSafety.warnings(c, cluster, ws);
    }

    private static final String EGRESS_DENY_OVER_PODS = """
            apiVersion: microseg.io/v1
            kind: Workspace
            metadata: {name: pods}
            spec:
              scope: "orchestrator_system/workload_type = pod"
              catchAll: {ingress: ALLOW, egress: DENY}
              policies: []
            """;

    private static final String ALLOW_DNS = """
                - {id: dns, consumer: "orchestrator_system/workload_type = pod",
                   provider: "orchestrator_system/service_name = kube-dns", ports: ["UDP 53", "TCP 53"], action: ALLOW}
            """;

    @Test
    void aCatchAllEgressDenyOverAllPodsCutsDnsAndTheApiServer() {
        List<Warning> w = warnings(EGRESS_DENY_OVER_PODS);

        assertThat(w).extracting(Warning::policy).containsOnly("pods/catch-all");
        assertThat(w).filteredOn(x -> x.message().startsWith("cuts DNS")).singleElement().extracting(Warning::message).asString()
                .isEqualTo("cuts DNS (from the pods): UDP 53, TCP 53 from pod/k/shop/web-0 and pod/k/shop/web-1 to "
                        + "service/k/kube-system/kube-dns, denied on EGRESS of pod/k/shop/web-0 and pod/k/shop/web-1");
        assertThat(w).filteredOn(x -> x.message().startsWith("cuts the API server")).singleElement().extracting(Warning::message)
                .asString().contains("TCP 443 from pod/k/kube-system/coredns-a and 3 more to service/k/default/kubernetes");
    }

    @Test
    void anAllowDnsPolicyRemovesTheDnsWarning() {
        List<Warning> w = warnings(EGRESS_DENY_OVER_PODS.replace("  policies: []\n", "  policies:\n" + ALLOW_DNS));

        assertThat(w).noneMatch(x -> x.message().startsWith("cuts DNS"));
        assertThat(w).anyMatch(x -> x.message().startsWith("cuts the API server"));
    }

    @Test
    void aDenyPolicyOnTheKubeletPortWarnsNamingThePolicyAndTheNodes() {
        List<Warning> w = warnings("""
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: nodes}
                spec:
                  scope: "orchestrator_system/workload_type = node"
                  policies:
                    - {id: no-kubelet, consumer: "*", provider: "orchestrator_system/workload_type = node",
                       ports: ["TCP 10250"], action: DENY}
                """);

        assertThat(w).singleElement().satisfies(x -> {
            assertThat(x.policy()).isEqualTo("nodes/no-kubelet");
            assertThat(x.message()).startsWith("cuts the kubelet (from the other nodes and the control plane): TCP 10250 from "
                    + "node/k/cp-1 and 2 more to node/k/cp-1 and 2 more, denied on EGRESS of node/k/cp-1 and 2 more; INGRESS of");
        });
    }

    @Test
    void anIngressDenyOnKubeSystemCutsItsPodsAndDnsButAllowPoliciesForThemDoNot() {
        String sys = """
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: sys}
                spec:
                  scope: "orchestrator_system/namespace = kube-system"
                  catchAll: {ingress: DENY, egress: ALLOW}
                  policies: []
                """;
        List<Warning> w = warnings(sys);
        assertThat(w).extracting(Warning::policy).containsOnly("sys/catch-all");
        assertThat(w).anyMatch(x -> x.message().startsWith("cuts kube-system pods (ingress from the nodes and pods on their container"
                + " ports): UDP 53, TCP 53 from node/k/cp-1 and 6 more to pod/k/kube-system/coredns-a and pod/k/kube-system/coredns-b"));
        assertThat(w).anyMatch(x -> x.message().startsWith("cuts DNS") && x.message().contains("INGRESS of pod/k/kube-system/coredns-a"));

        List<Warning> fixed = warnings(sys.replace("  policies: []\n", """
                  policies:
                    - {id: in, consumer: "*", provider: "orchestrator_system/namespace = kube-system", ports: ["UDP 53", "TCP 53"], action: ALLOW}
                """));
        assertThat(fixed).isEmpty();
    }

    @Test
    void aCatchAllIngressDenyOverTheNodesCutsNodeHealthChecks() {
        List<Warning> w = warnings("""
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: nodes}
                spec:
                  scope: "orchestrator_system/workload_type = node"
                  catchAll: {ingress: DENY, egress: ALLOW}
                """);
        assertThat(w).anyMatch(x -> x.policy().equals("nodes/catch-all")
                && x.message().startsWith("cuts node health checks (ICMP between the nodes): ICMP from node/k/cp-1 and 2 more"));
        assertThat(w).anyMatch(x -> x.policy().equals("nodes/catch-all") && x.message().startsWith("cuts the kubelet"));
        // nodes reach the API server at its own address (the control-plane node) on 6443
        assertThat(w).anyMatch(x -> x.policy().equals("nodes/catch-all") && x.message().startsWith("cuts the API server")
                && x.message().contains("TCP 6443") && x.message().contains("INGRESS of node/k/cp-1"));
    }

    @Test
    void aQueryThatMatchesNothingIsNamedWithItsField() {
        List<Warning> w = warnings("""
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: shop}
                spec:
                  scope: "*"
                  policies:
                    - {id: typo, consumer: "orchestrator_app = wbe", provider: "orchestrator_app = web", ports: ["TCP 80"], action: ALLOW}
                    - {id: gone, consumer: "orchestrator_app = web", provider: "orchestrator_system/service_name = shop-db",
                       ports: ["TCP 5432"], action: ALLOW}
                """);
        assertThat(w).containsExactly(
                new Warning("shop/gone", "the provider query matches no workload and no service: orchestrator_system/service_name = shop-db"),
                new Warning("shop/typo", "the consumer query matches no workload and no service: orchestrator_app = wbe"));
    }

    @Test
    void aPolicyShadowedByAnEarlierRuleOnEveryWorkloadNamesTheShadowingPolicy() {
        String shop = """
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: shop}
                spec:
                  scope: "orchestrator_system/namespace = shop"
                  policies:
                    - {id: deny-all-web, consumer: "*", provider: "orchestrator_app = web", ports: ["ANY"], action: DENY,
                       rank: ABSOLUTE, priority: 10}
                    - {id: web-http, consumer: "orchestrator_app = web", provider: "orchestrator_app = web", ports: ["TCP 80"],
                       action: ALLOW}
                """;
        List<Warning> w = warnings(shop);
        assertThat(w).singleElement().satisfies(x -> {
            assertThat(x.policy()).isEqualTo("shop/web-http");
            assertThat(x.message()).startsWith("never decides: on every workload where it has rules (pod/k/shop/web-0 and "
                    + "pod/k/shop/web-1), an earlier rule of shop/deny-all-web matches the same traffic first");
        });

        // Narrowed to TCP 443, the deny no longer covers TCP 80: the ALLOW decides again.
        assertThat(warnings(shop.replace("ports: [\"ANY\"]", "ports: [\"TCP 443\"]"))).isEmpty();
    }

    @Test
    void anAdminDenyThatAnEarlierPassSkipsDoesNotShadowTheBaselineTier(@TempDir Path dir) throws IOException {
        for (String f : List.of("cluster.yaml", "default.yaml", "kube-system.yaml", "shop.yaml")) {
            Files.copy(Path.of("tests/fixtures/safety-cluster", f), dir.resolve(f));
        }
        String pass = cnp("pass-first", "Admin", 10, "Pass");
        String deny = cnp("deny-later", "Admin", 20, "Deny");
        String accept = cnp("baseline-accept", "Baseline", 10, "Accept");
        Files.writeString(dir.resolve("cnp.yaml"), pass + "---\n" + deny + "---\n" + accept);
        Inventory inv = InventoryReader.read(dir);
        List<Warning> w = ClusterSafety.warnings(new Compiler(rules).compile(inv, List.of()), inv, List.of());
        // the PASS sends shop's ingress past the Admin tier before the DENY sees it: the Baseline Accept decides
        assertThat(w).extracting(Warning::policy).containsExactly("cnp/k/deny-later");

        // without the PASS, the Admin DENY decides everything the Baseline Accept would
        Files.writeString(dir.resolve("cnp.yaml"), deny + "---\n" + accept);
        inv = InventoryReader.read(dir);
        w = ClusterSafety.warnings(new Compiler(rules).compile(inv, List.of()), inv, List.of());
        assertThat(w).singleElement().satisfies(x -> {
            assertThat(x.policy()).isEqualTo("cnp/k/baseline-accept");
            assertThat(x.message()).contains("an earlier rule of cnp/k/deny-later matches the same traffic first");
        });
    }

    private static String cnp(String name, String tier, int priority, String action) {
        return """
                apiVersion: policy.networking.k8s.io/v1alpha2
                kind: ClusterNetworkPolicy
                metadata: {name: %s}
                spec:
                  tier: %s
                  priority: %d
                  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}
                  ingress:
                    - {name: r, action: %s, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}]}
                """.formatted(name, tier, priority, action);
    }

    @Test
    void aPolicyShadowedOnlyOnSomeWorkloadsIsNotReported() {
        // The deny covers web-0 only (its peer is web-0's address); web-1's rules still decide.
        List<Warning> w = warnings("""
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: shop}
                spec:
                  scope: "orchestrator_system/namespace = shop"
                  policies:
                    - {id: deny-to-web-0, consumer: "orchestrator_app = web", provider: "orchestrator_system/pod_name = web-0",
                       ports: ["ANY"], action: DENY, rank: ABSOLUTE}
                    - {id: web-http, consumer: "orchestrator_app = web", provider: "orchestrator_app = web", ports: ["TCP 80"],
                       action: ALLOW}
                """);
        assertThat(w).noneMatch(x -> x.policy().equals("shop/web-http"));
    }

    @Test
    void theDemoWarnsThatItsCatchAllCutsTheKubeletAndNodeHealthChecks() {
        Inventory inv = InventoryReader.read(Path.of("config/demo/inventory"));
        List<Workspace> ws = PolicyReader.read(Path.of("config/demo/policies"));
        Compilation c = new Compiler(rules).compile(inv, ws);
        List<Warning> w = ClusterSafety.warnings(c, inv, ws);

        assertThat(w).extracting(Warning::policy).containsOnly("demo/catch-all");
        assertThat(w).extracting(Warning::message).satisfiesExactly(
                m -> assertThat(m).startsWith("cuts node health checks"),
                m -> assertThat(m).startsWith("cuts the kubelet"));
        assertThat(c.withWarnings(w).warnings()).hasSize(2);
        assertThat(c.withWarnings(w).withWarnings(w).warnings()).as("merging drops duplicates").hasSize(2);
    }
}
