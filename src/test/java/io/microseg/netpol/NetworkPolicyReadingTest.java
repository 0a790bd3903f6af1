package io.microseg.netpol;

import io.microseg.input.InputException;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.InventoryReader;
import io.microseg.inventory.NetworkPolicy;
import io.microseg.net.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** NetworkPolicies in inventory folders: what is read, and what is refused with file, line and field. */
class NetworkPolicyReadingTest {
    @TempDir
    Path dir;

    private static final String HEAD = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: np, namespace: x}
            spec:
            """;

    private Inventory read(String spec) throws IOException {
        Files.writeString(dir.resolve("np.yaml"), HEAD + spec);
        return InventoryReader.read(dir);
    }

    private void refused(String spec, String message) {
        assertThatThrownBy(() -> read(spec)).isInstanceOf(InputException.class).hasMessageContaining(message);
    }

    @Test
    void readsSelectorsPeersAndPortsWithInferredIngressType() throws IOException {
        NetworkPolicy np = read("""
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                    - from:
                        - podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}
                          namespaceSelector: {matchLabels: {ns: y}}
                      ports: [{port: 80}, {protocol: UDP}]
                """).networkPolicies().get(0);
        assertThat(np.id()).isEqualTo("netpol/default/x/np");
        assertThat(np.isolatesIngress()).isTrue();
        assertThat(np.podSelector().text()).isEqualTo("pod=a");
        NetworkPolicy.IngressRule rule = np.ingress().get(0);
        assertThat(rule.from().get(0).pods().text()).isEqualTo("pod in (b,c)");
        assertThat(rule.from().get(0).namespaces().text()).isEqualTo("ns=y");
        assertThat(rule.ports()).containsExactly(new NetworkPolicy.Port(Protocol.TCP, 80), new NetworkPolicy.Port(Protocol.UDP, 0));
    }

    @Test
    void readsIpBlocksNamedPortsAndPortRanges() throws IOException {
        NetworkPolicy np = read("""
                  podSelector: {}
                  ingress:
                    - from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
                      ports: [{port: http}, {protocol: UDP, port: 8000, endPort: 8080}]
                """).networkPolicies().get(0);
        NetworkPolicy.IngressRule rule = np.ingress().get(0);
        assertThat(rule.from().get(0).block()).isEqualTo(new NetworkPolicy.IpBlock("10.0.0.0/8", java.util.List.of("10.1.0.0/16")));
        assertThat(rule.ports()).containsExactly(new NetworkPolicy.Port(Protocol.TCP, 0, 0, "http"),
                new NetworkPolicy.Port(Protocol.UDP, 8000, 8080, null));
        assertThat(rule.ports().get(1).ports()).isEqualTo("8000-8080");
    }

    @Test
    void readsEgressRulesAndInfersTheEgressTypeFromThem() throws IOException {
        NetworkPolicy np = read("""
                  podSelector: {matchLabels: {pod: a}}
                  egress:
                    - to:
                        - namespaceSelector: {matchLabels: {ns: y}}
                        - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
                      ports: [{port: serve-80-tcp}, {port: 8000, endPort: 8080}]
                """).networkPolicies().get(0);
        assertThat(np.isolatesIngress()).isTrue();
        assertThat(np.isolatesEgress()).isTrue();
        assertThat(np.ingress()).isEmpty();
        NetworkPolicy.EgressRule rule = np.egress().get(0);
        assertThat(rule.to().get(0).namespaces().text()).isEqualTo("ns=y");
        assertThat(rule.to().get(1).block()).isEqualTo(new NetworkPolicy.IpBlock("10.0.0.0/8", java.util.List.of("10.1.0.0/16")));
        assertThat(rule.ports()).containsExactly(new NetworkPolicy.Port(Protocol.TCP, 0, 0, "serve-80-tcp"),
                new NetworkPolicy.Port(Protocol.TCP, 8000, 8080, null));
    }

    @Test
    void policyTypesDecideWhichDirectionsAnEmptyPolicyIsolates() throws IOException {
        NetworkPolicy egressOnly = read("  podSelector: {}\n  policyTypes: [Egress]\n").networkPolicies().get(0);
        assertThat(egressOnly.isolatesIngress()).isFalse();
        assertThat(egressOnly.isolatesEgress()).isTrue();
        NetworkPolicy both = read("  podSelector: {}\n  policyTypes: [Ingress, Egress]\n").networkPolicies().get(0);
        assertThat(both.isolatesIngress()).isTrue();
        assertThat(both.isolatesEgress()).isTrue();
        NetworkPolicy inferred = read("  podSelector: {}\n  egress: []\n").networkPolicies().get(0);
        assertThat(inferred.isolatesIngress()).isTrue();
        assertThat(inferred.isolatesEgress()).as("an empty egress list is no egress rule: the type is not inferred").isFalse();
    }

    @Test
    void refusesWhatItCannotEnforceNamingFileLineAndField() {
        refused("  podSelector: {}\n  policyTypes: [Ingress]\n  egress: [{}]\n",
                "np.yaml:7: NetworkPolicy x/np: field spec.egress: expected no egress rules in a policy whose policyTypes leave out Egress");
        refused("  podSelector: {}\n  egress:\n    - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]\n",
                "field spec.egress[0].to[0].ipBlock.except[0]: expected a CIDR strictly inside 10.0.0.0/8");
        refused("  podSelector: {}\n  egress:\n    - ports: [{port: http, endPort: 90}]\n",
                "field spec.egress[0].ports[0].endPort: expected endPort only with a numbered port, found the named port 'http'");
        refused("  podSelector: {}\n  egress:\n    - to: [{}]\n", "field spec.egress[0].to[0]: expected podSelector, namespaceSelector or ipBlock");
        refused("  podSelector: {}\n  ingress:\n    - from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]\n",
                "np.yaml:7: NetworkPolicy x/np: field spec.ingress[0].from[0].ipBlock.except[0]: expected a CIDR strictly inside 10.0.0.0/8");
        refused("  podSelector: {}\n  ingress:\n    - from: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]\n",
                "expected a CIDR strictly inside 10.0.0.0/8, found '192.168.0.0/16'");
        refused("  podSelector: {}\n  ingress:\n    - from: [{ipBlock: {cidr: 10.0.0.300/8}}]\n",
                "field spec.ingress[0].from[0].ipBlock.cidr: expected a CIDR such as 10.0.0.0/24");
        refused("  podSelector: {}\n  ingress:\n    - from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]\n",
                "field spec.ingress[0].from[0].ipBlock: expected ipBlock alone in its peer");
        refused("  podSelector: {}\n  ingress:\n    - ports: [{port: Http}]\n",
                "field spec.ingress[0].ports[0].port: expected a port number or an IANA service name");
        refused("  podSelector: {}\n  ingress:\n    - ports: [{port: http, endPort: 90}]\n",
                "field spec.ingress[0].ports[0].endPort: expected endPort only with a numbered port, found the named port 'http'");
        refused("  podSelector: {}\n  ingress:\n    - ports: [{port: 80, endPort: 79}]\n",
                "field spec.ingress[0].ports[0].endPort: expected a port in 80..65535 (not below port), found 79");
        refused("  podSelector: {}\n  ingress:\n    - ports: [{endPort: 90}]\n", "expected endPort only with a numbered port, found no port");
        refused("  podSelector: {}\n  ingress:\n    - ports: [{port: 0}]\n", "expected a port in 1..65535, found 0");
        refused("  podSelector: {}\n  ingress:\n    - ports: [{protocol: ICMP}]\n",
                "field spec.ingress[0].ports[0].protocol: expected TCP, UDP or SCTP, found 'ICMP'");
        refused("  podSelector: {matchExpressions: [{key: a, operator: Equals, values: [b]}]}\n",
                "field spec.podSelector.matchExpressions[0].operator: expected In, NotIn, Exists or DoesNotExist, found 'Equals'");
        refused("  podSelector: {matchExpressions: [{key: a, operator: In}]}\n", "expected at least one value for In");
        refused("  podSelector: {matchExpressions: [{key: a, operator: Exists, values: [b]}]}\n", "expected no values for Exists");
        refused("  podSelector: {}\n  policyTypes: [Ingres]\n", "expected Ingress or Egress, found 'Ingres'");
        refused("  podSelector: {}\n  ingress:\n    - from: [{}]\n", "expected podSelector, namespaceSelector or ipBlock, found none");
    }

    @Test
    void aNullOrMissingPodSelectorSelectsEveryPodOfTheNamespaceAsTheApiServerReadsIt() throws IOException {
        // podSelector is a struct in the Kubernetes API: null or left out, it is the empty selector
        for (String spec : new String[] {"  podSelector: null\n  policyTypes: [Ingress, Egress]\n", "  policyTypes: [Ingress, Egress]\n"}) {
            NetworkPolicy np = read(spec).networkPolicies().get(0);
            assertThat(np.podSelector()).isEqualTo(LabelSelector.EVERYTHING);
            assertThat(np.isolatesIngress()).isTrue();
            assertThat(np.isolatesEgress()).isTrue();
        }
        Files.writeString(dir.resolve("np.yaml"), HEAD.replace("spec:\n", ""));
        NetworkPolicy noSpec = InventoryReader.read(dir).networkPolicies().get(0);
        assertThat(noSpec.podSelector()).isEqualTo(LabelSelector.EVERYTHING);
        assertThat(noSpec.isolatesIngress()).isTrue();
        assertThat(noSpec.isolatesEgress()).isFalse();
    }

    @Test
    void liveSourcesReadNetworkPoliciesAsObjectsOfTheirCluster() throws IOException {
        Files.writeString(dir.resolve("np.yaml"), HEAD + "  podSelector: {}\n");
        assertThat(InventoryReader.readObjects(dir)).filteredOn(NetworkPolicy.class::isInstance)
                .extracting(InventoryObject::key).containsExactly("networkpolicy/default/x/np");
    }
}
