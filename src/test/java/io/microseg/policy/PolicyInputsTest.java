package io.microseg.policy;

import io.microseg.input.InputException;
import io.microseg.inventory.ClusterNetworkPolicy;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.InventoryReader;
import io.microseg.inventory.NetworkPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** NetworkPolicies and ClusterNetworkPolicies in policy folders: each names its cluster; errors name file, line and field. */
class PolicyInputsTest {
    @TempDir
    Path dir;

    private static final String WORKSPACE = """
            apiVersion: microseg.io/v1
            kind: Workspace
            metadata: {name: prod}
            spec: {scope: "environment = production"}
            """;

    private static String policy(String name, String annotations, String spec) {
        return """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: %s
                  namespace: x
                %s
                spec:
                %s
                """.formatted(name, annotations, spec);
    }

    private static final String IN_LAB = "  annotations: {microseg.io/cluster: lab}";

    private Path write(String file, String text) throws IOException {
        Path path = dir.resolve("policies").resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
        return path;
    }

    private InputException refused() {
        return catchThrowableOfType(InputException.class, () -> PolicyInputs.read(dir.resolve("policies")));
    }

    @Test
    void readsWorkspacesAndNetworkPoliciesInTheClusterTheyName() throws IOException {
        write("a.yaml", WORKSPACE + "---\n" + policy("np", IN_LAB, "  podSelector: {matchLabels: {pod: a}}"));
        // The same name in another cluster is another policy.
        write("b.yaml", policy("np", "  annotations: {microseg.io/cluster: prod, other: x}", "  podSelector: {}"));

        PolicyInputs read = PolicyInputs.read(dir.resolve("policies"));
        assertThat(read.workspaces()).extracting(Workspace::name).containsExactly("prod");
        assertThat(read.policies()).extracting(NetworkPolicy::key)
                .containsExactly("networkpolicy/lab/x/np", "networkpolicy/prod/x/np");
        assertThat(read.policies().get(0).podSelector().text()).isEqualTo("pod=a");
        assertThat(read.policies().get(0).isolatesIngress()).isTrue();
    }

    @Test
    void aNetworkPolicyWithoutItsClusterIsRefusedAtItsMetadata() throws IOException {
        Path file = write("np.yaml", WORKSPACE + "---\n" + policy("np", "", "  podSelector: {}"));
        InputException e = refused();
        assertThat(e.file()).isEqualTo(file.toString());
        assertThat(e.line()).isEqualTo(8); // metadata:, the nearest written part of the missing annotation
        assertThat(e.field()).isEqualTo("metadata.annotations[\"microseg.io/cluster\"]");
        assertThat(e.getMessage()).contains("NetworkPolicy x/np")
                .contains("expected the name of the cluster this NetworkPolicy applies to");
    }

    @Test
    void aClusterAnnotationThatIsNoClusterNameIsRefusedOnItsLine() throws IOException {
        for (String value : List.of("\"\"", "a/b", "[lab]")) {
            Path file = write("np.yaml", policy("np", "  annotations:\n    microseg.io/cluster: " + value, "  podSelector: {}"));
            InputException e = refused();
            assertThat(e.file()).isEqualTo(file.toString());
            assertThat(e.line()).as(value).isEqualTo(7);
            assertThat(e.field()).isEqualTo("metadata.annotations[\"microseg.io/cluster\"]");
            assertThat(e.getMessage()).contains("expected a cluster name (non-blank, without '/')");
        }
    }

    @Test
    void aNetworkPolicyIsReadAsStrictlyAsInAnInventory() throws IOException {
        Path file = write("np.yaml", policy("np", IN_LAB, """
                  podSelector: {}
                  ingress:
                    - ports:
                        - {protocol: ICMP, port: 80}
                """));
        InputException e = refused();
        assertThat(e.file()).isEqualTo(file.toString());
        assertThat(e.line()).isEqualTo(11);
        assertThat(e.field()).isEqualTo("spec.ingress[0].ports[0].protocol");
        assertThat(e.getMessage()).contains("NetworkPolicy x/np").contains("expected TCP, UDP or SCTP, found 'ICMP'");
    }

    @Test
    void oneNetworkPolicyTwiceInOneClusterIsRefusedNamingBoth() throws IOException {
        Path first = write("a.yaml", policy("np", IN_LAB, "  podSelector: {}"));
        Path second = write("b.yaml", policy("np", IN_LAB, "  podSelector: {}"));
        InputException e = refused();
        assertThat(e.file()).isEqualTo(second.toString());
        assertThat(e.field()).isEqualTo("metadata.name");
        assertThat(e.getMessage()).contains("expected one NetworkPolicy of this name in cluster lab, but " + first + ":1 already defines it");
    }

    @Test
    void anyOtherKindIsRefused() throws IOException {
        Path file = write("pod.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: db-0, namespace: web}
                """);
        InputException e = refused();
        assertThat(e.file()).isEqualTo(file.toString());
        assertThat(e.field()).isEqualTo("apiVersion");
        assertThat(e.getMessage()).contains("expected apiVersion microseg.io/v1 and kind Workspace, apiVersion networking.k8s.io/v1"
                + " and kind NetworkPolicy, or apiVersion policy.networking.k8s.io/v1alpha2 or policy.networking.k8s.io/v1beta1"
                + " and kind ClusterNetworkPolicy, found apiVersion v1 and kind Pod");

        write("pod.yaml", policy("np", IN_LAB, "  podSelector: {}").replace("kind: NetworkPolicy", "kind: NetworkPolicies"));
        assertThat(refused().field()).isEqualTo("kind");
        // Another kind of the ClusterNetworkPolicy group (the v1alpha1 AdminNetworkPolicy) is no policy microseg reads here.
        write("pod.yaml", cnp("v1alpha2", "deny", IN_LAB, CNP_SPEC).replace("kind: ClusterNetworkPolicy", "kind: AdminNetworkPolicy"));
        assertThat(refused().field()).isEqualTo("kind");
    }

    // ---- ClusterNetworkPolicies ----

    private static final String CNP_SPEC = """
              tier: Admin
              priority: 10
              subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}}
              ingress:
                - name: deny-from-y
                  action: Deny
                  from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: y}}}]
            """;

    private static String cnp(String version, String name, String annotations, String spec) {
        return """
                apiVersion: policy.networking.k8s.io/%s
                kind: ClusterNetworkPolicy
                metadata:
                  name: %s
                %s
                spec:
                %s
                """.formatted(version, name, annotations, spec);
    }

    @Test
    void readsClusterNetworkPoliciesOfBothVersionsInTheClusterTheyName() throws IOException {
        write("a.yaml", WORKSPACE + "---\n" + cnp("v1alpha2", "deny", IN_LAB, CNP_SPEC) + "---\n"
                + policy("np", IN_LAB, "  podSelector: {}"));
        // The same name in another cluster is another policy; v1beta1 has the same schema.
        write("b.yaml", cnp("v1beta1", "deny", "  annotations: {microseg.io/cluster: prod}", CNP_SPEC.replace("Admin", "Baseline")));

        PolicyInputs read = PolicyInputs.read(dir.resolve("policies"));
        assertThat(read.workspaces()).extracting(Workspace::name).containsExactly("prod");
        assertThat(read.policies()).extracting(NetworkPolicy::key).containsExactly("networkpolicy/lab/x/np");
        assertThat(read.clusterNetworkPolicies()).extracting(l -> l.policy().key())
                .containsExactly("clusternetworkpolicy/lab/deny", "clusternetworkpolicy/prod/deny");
        ClusterNetworkPolicy lab = read.clusterNetworkPolicies().get(0).policy();
        assertThat(lab.tier()).isEqualTo(Rank.ADMIN);
        assertThat(lab.priority()).isEqualTo(10);
        assertThat(lab.ingress()).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("deny-from-y");
            assertThat(r.action()).isEqualTo(Action.DENY);
        });
        assertThat(read.clusterNetworkPolicies().get(1).policy().tier()).isEqualTo(Rank.BASELINE);
        assertThat(read.objects()).extracting(InventoryObject::key)
                .containsExactly("networkpolicy/lab/x/np", "clusternetworkpolicy/lab/deny", "clusternetworkpolicy/prod/deny");
    }

    @Test
    void aClusterNetworkPolicyWithoutItsClusterIsRefusedAtItsMetadata() throws IOException {
        Path file = write("cnp.yaml", WORKSPACE + "---\n" + cnp("v1alpha2", "deny", "", CNP_SPEC));
        InputException e = refused();
        assertThat(e.file()).isEqualTo(file.toString());
        assertThat(e.line()).isEqualTo(8); // metadata:, the nearest written part of the missing annotation
        assertThat(e.field()).isEqualTo("metadata.annotations[\"microseg.io/cluster\"]");
        assertThat(e.getMessage()).contains("ClusterNetworkPolicy deny")
                .contains("expected the name of the cluster this ClusterNetworkPolicy applies to: a policy folder serves every cluster,"
                        + " a ClusterNetworkPolicy belongs to one; found no annotation microseg.io/cluster");

        write("cnp.yaml", cnp("v1alpha2", "deny", "  annotations:\n    microseg.io/cluster: a/b", CNP_SPEC));
        e = refused();
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.getMessage()).contains("expected a cluster name (non-blank, without '/'), found 'a/b'");
    }

    @Test
    void aClusterNetworkPolicyIsReadAsStrictlyAsInAnInventory() throws IOException {
        // protocols with an earlier draft's field: refused at its line, never read as "all traffic"
        Path file = write("cnp.yaml", cnp("v1alpha2", "deny", IN_LAB, CNP_SPEC + """
                      protocols:
                        - tcp: {portNumber: 80}
                """));
        InputException e = refused();
        assertThat(e.file()).isEqualTo(file.toString());
        assertThat(e.line()).isEqualTo(15);
        assertThat(e.field()).isEqualTo("spec.ingress[0].protocols[0].tcp.portNumber");
        assertThat(e.getMessage()).contains("ClusterNetworkPolicy deny").contains("found the unknown field 'portNumber'");

        write("cnp.yaml", cnp("v1alpha2", "deny", IN_LAB, CNP_SPEC.replace("Admin", "Developer")));
        e = refused();
        assertThat(e.line()).isEqualTo(7);
        assertThat(e.field()).isEqualTo("spec.tier");
        assertThat(e.getMessage()).contains("expected Admin or Baseline, found 'Developer'");
    }

    @Test
    void oneClusterNetworkPolicyTwiceInOneClusterIsRefusedNamingBoth() throws IOException {
        Path first = write("a.yaml", cnp("v1alpha2", "deny", IN_LAB, CNP_SPEC));
        Path second = write("b.yaml", cnp("v1beta1", "deny", IN_LAB, CNP_SPEC.replace("Admin", "Baseline")));
        InputException e = refused();
        assertThat(e.file()).isEqualTo(second.toString());
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.field()).isEqualTo("metadata.name");
        assertThat(e.getMessage()).contains("ClusterNetworkPolicy deny")
                .contains("expected one ClusterNetworkPolicy of this name in cluster lab, but " + first + ":1 already defines it");
        // A NetworkPolicy of the same name is another object.
        write("b.yaml", policy("deny", IN_LAB, "  podSelector: {}"));
        assertThat(PolicyInputs.read(dir.resolve("policies")).objects()).hasSize(2);
    }

    @Test
    void addedToTheInventoryAClusterNetworkPolicyIsCompiledAndItsClusterChecked() throws IOException {
        Path inventory = dir.resolve("inventory");
        Files.createDirectories(inventory);
        Files.writeString(inventory.resolve("inv.yaml"), """
                apiVersion: microseg.io/v1
                kind: Cluster
                metadata: {name: lab}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: a, namespace: x, labels: {pod: a}}
                status: {podIP: 10.0.0.1}
                ---
                apiVersion: policy.networking.k8s.io/v1alpha2
                kind: ClusterNetworkPolicy
                metadata: {name: in-inventory}
                spec:
                  tier: Baseline
                  priority: 1
                  subject: {namespaces: {}}
                  ingress: [{action: Deny, from: [{namespaces: {}}]}]
                """);
        write("cnp.yaml", cnp("v1alpha2", "deny", IN_LAB, CNP_SPEC) + "---\n"
                + cnp("v1alpha2", "elsewhere", "  annotations: {microseg.io/cluster: labb}", CNP_SPEC));
        PolicyInputs given = PolicyInputs.read(dir.resolve("policies"));
        InventoryReader.Read read = given.addTo(InventoryReader.readBoth(inventory, w -> {}));
        assertThat(read.objects()).extracting(InventoryObject::key).contains("clusternetworkpolicy/lab/deny",
                "clusternetworkpolicy/lab/in-inventory", "clusternetworkpolicy/labb/elsewhere");
        assertThat(read.inventory().clusterNetworkPolicies()).extracting(ClusterNetworkPolicy::name)
                .containsExactly("deny", "in-inventory", "elsewhere");
        assertThat(given.unknownClusters(read.inventory())).singleElement().satisfies(w -> {
            assertThat(w.policy()).isEqualTo("cnp/labb/elsewhere");
            assertThat(w.message()).isEqualTo(dir.resolve("policies/cnp.yaml") + ":20: ClusterNetworkPolicy elsewhere names cluster labb,"
                    + " which the inventory does not have: it applies to no pod");
        });

        write("cnp.yaml", cnp("v1alpha2", "in-inventory", IN_LAB, CNP_SPEC));
        PolicyInputs clash = PolicyInputs.read(dir.resolve("policies"));
        InputException e = catchThrowableOfType(InputException.class, () -> clash.addTo(InventoryReader.readBoth(inventory, w -> {})));
        assertThat(e.file()).isEqualTo(dir.resolve("policies/cnp.yaml").toString());
        assertThat(e.field()).isEqualTo("metadata.name");
        assertThat(e.getMessage()).contains("expected a ClusterNetworkPolicy the inventory does not define too, found in-inventory"
                + " in the inventory of cluster lab");
    }

    @Test
    void addedToTheInventoryTheyAreCompiledAndTheirClustersChecked() throws IOException {
        Path inventory = dir.resolve("inventory");
        Files.createDirectories(inventory);
        Files.writeString(inventory.resolve("inv.yaml"), """
                apiVersion: microseg.io/v1
                kind: Cluster
                metadata: {name: lab}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: a, namespace: x, labels: {pod: a}}
                status: {podIP: 10.0.0.1}
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: in-inventory, namespace: x}
                spec: {podSelector: {}}
                """);
        write("np.yaml", policy("np", IN_LAB, "  podSelector: {}") + "---\n"
                + policy("elsewhere", "  annotations: {microseg.io/cluster: labb}", "  podSelector: {}"));
        PolicyInputs given = PolicyInputs.read(dir.resolve("policies"));
        InventoryReader.Read read = given.addTo(InventoryReader.readBoth(inventory, w -> {}));
        assertThat(read.objects()).extracting(InventoryObject::key).contains("networkpolicy/lab/x/np", "networkpolicy/lab/x/in-inventory",
                "networkpolicy/labb/x/elsewhere");
        assertThat(read.inventory().networkPolicies()).extracting(NetworkPolicy::name).containsExactlyInAnyOrder("in-inventory", "np", "elsewhere");
        assertThat(read.inventory().clusters()).containsExactly("lab");
        // A cluster the inventory does not have: a warning at the annotation's line (a typo here).
        assertThat(given.unknownClusters(read.inventory())).singleElement().satisfies(w -> {
            assertThat(w.policy()).isEqualTo("netpol/labb/x/elsewhere");
            assertThat(w.message()).isEqualTo(dir.resolve("policies/np.yaml") + ":15: NetworkPolicy x/elsewhere names cluster labb,"
                    + " which the inventory does not have: it applies to no pod");
        });

        // One the inventory defines too is an error: which one is meant cannot be guessed.
        write("np.yaml", policy("in-inventory", IN_LAB, "  podSelector: {}"));
        PolicyInputs clash = PolicyInputs.read(dir.resolve("policies"));
        InputException e = catchThrowableOfType(InputException.class, () -> clash.addTo(InventoryReader.readBoth(inventory, w -> {})));
        assertThat(e.file()).isEqualTo(dir.resolve("policies/np.yaml").toString());
        assertThat(e.field()).isEqualTo("metadata.name");
        assertThat(e.getMessage()).contains("expected a NetworkPolicy the inventory does not define too, found x/in-inventory"
                + " in the inventory of cluster lab");
    }
}
