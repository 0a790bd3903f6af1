package io.microseg.netpol;

import io.microseg.input.InputException;
import io.microseg.inventory.ClusterNetworkPolicy;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Rank;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ClusterNetworkPolicies in inventory folders: what is read, and what is refused with file, line, object and field. */
class CnpReadingTest {
    @TempDir
    Path dir;

    private static final String HEAD = """
            apiVersion: policy.networking.k8s.io/v1alpha2
            kind: ClusterNetworkPolicy
            metadata: {name: cnp}
            spec:
            """;

    private Inventory read(String spec) throws IOException {
        Files.writeString(dir.resolve("cnp.yaml"), HEAD + spec);
        return InventoryReader.read(dir);
    }

    private void refused(String spec, String message) {
        assertThatThrownBy(() -> read(spec)).isInstanceOf(InputException.class).hasMessageContaining(message);
    }

    @Test
    void readsTierPrioritySubjectRulesPeersAndProtocols() throws IOException {
        ClusterNetworkPolicy cnp = read("""
                  tier: Admin
                  priority: 7
                  subject: {pods: {podSelector: {matchLabels: {app: db}}}}
                  ingress:
                    - name: web
                      action: Accept
                      from: [{namespaces: {matchExpressions: [{key: team, operator: In, values: [a, b]}]}}]
                      protocols: [{tcp: {destinationPort: {number: 5432}}}, {udp: {destinationPort: {range: {start: 8000, end: 8080}}}}, {destinationNamedPort: metrics}]
                  egress:
                    - action: Pass
                      to: [{networks: [10.0.0.0/8, "fd00::/8"]}]
                """).clusterNetworkPolicies().get(0);
        assertThat(cnp.id()).isEqualTo("cnp/default/cnp");
        assertThat(cnp.key()).isEqualTo("clusternetworkpolicy/default/cnp");
        assertThat(cnp.tier()).isEqualTo(Rank.ADMIN);
        assertThat(cnp.priority()).isEqualTo(7);
        assertThat(cnp.subject().namespaces().isEmpty()).as("namespaceSelector left out: every namespace").isTrue();
        assertThat(cnp.subject().pods().text()).isEqualTo("app=db");
        ClusterNetworkPolicy.Rule in = cnp.ingress().get(0);
        assertThat(in.action()).isEqualTo(Action.ALLOW);
        assertThat(in.peers().get(0).pods().namespaces().text()).isEqualTo("team in (a,b)");
        assertThat(in.peers().get(0).pods().pods()).isNull();
        assertThat(in.ports()).containsExactly(new ClusterNetworkPolicy.Port(Protocol.TCP, 5432, 5432, null),
                new ClusterNetworkPolicy.Port(Protocol.UDP, 8000, 8080, null), new ClusterNetworkPolicy.Port(null, 0, 0, "metrics"));
        assertThat(in.ports().get(1).ports()).isEqualTo("8000-8080");
        ClusterNetworkPolicy.Rule out = cnp.egress().get(0);
        assertThat(out.action()).isEqualTo(Action.PASS);
        assertThat(out.name()).isEmpty();
        assertThat(out.peers().get(0).networks()).containsExactly("10.0.0.0/8", "fd00::/8");
        assertThat(out.ports()).isEmpty();
    }

    @Test
    void readsV1beta1OfTheSameSchemaAsAnObjectOfItsCluster() throws IOException {
        Files.writeString(dir.resolve("cnp.yaml"), HEAD.replace("v1alpha2", "v1beta1") + """
                  tier: Baseline
                  priority: 0
                  subject: {namespaces: {}}
                """);
        assertThat(InventoryReader.readObjects(dir)).filteredOn(ClusterNetworkPolicy.class::isInstance)
                .singleElement().satisfies(o -> assertThat(((ClusterNetworkPolicy) o).tier()).isEqualTo(Rank.BASELINE));
    }

    @Test
    void refusesWhatItCannotEnforceOrDoesNotKnowNamingFileLineObjectAndField() {
        String ok = "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n";
        refused("  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n    - action: Accept\n      from: [{namespaces: {}}]\n"
                        + "      ports: [{portNumber: {protocol: TCP, port: 80}}]\n",
                "cnp.yaml:11: ClusterNetworkPolicy cnp: field spec.ingress[0].ports: expected one of name, action, from, protocols;"
                        + " found the unknown field 'ports' (this API version names ports in protocols");
        refused(ok + "  egress:\n    - action: Accept\n      to: [{nodes: {}}]\n", "field spec.egress[0].to[0].nodes: expected namespaces, pods or networks");
        refused(ok + "  egress:\n    - action: Accept\n      to: [{domainNames: [example.com]}]\n", "field spec.egress[0].to[0].domainNames");
        refused("  tier: Middle\n  priority: 1\n  subject: {namespaces: {}}\n", "field spec.tier: expected Admin or Baseline, found 'Middle'");
        refused("  tier: Admin\n  priority: 1001\n  subject: {namespaces: {}}\n", "field spec.priority: expected an integer from 0 to 1000");
        refused("  tier: Admin\n  priority: 1\n  subject: {namespaces: {}, pods: {podSelector: {}}}\n",
                "field spec.subject: expected exactly one of namespaces or pods");
        refused("  tier: Admin\n  priority: 1\n  subject: {pods: {namespaceSelector: {}}}\n", "field spec.subject.pods.podSelector: expected a pod selector");
        refused(ok + "  ingress:\n    - action: Allow\n      from: [{namespaces: {}}]\n", "field spec.ingress[0].action: expected Accept, Deny or Pass, found 'Allow'");
        refused(ok + "  ingress:\n    - action: Deny\n      from: []\n", "field spec.ingress[0].from: expected a list of 1 to 25 peers");
        refused(ok + "  ingress:\n    - action: Deny\n      from: [{networks: [10.0.0.0/8]}]\n", "field spec.ingress[0].from[0].networks: expected one of namespaces, pods");
        refused(ok + "  egress:\n    - action: Deny\n      to: [{networks: [10.0.0.0/33]}]\n", "field spec.egress[0].to[0].networks[0]: expected a CIDR");
        refused(ok + "  egress:\n    - action: Deny\n      to: [{networks: [10.0.0.0/8]}]\n      protocols: [{destinationNamedPort: http}]\n",
                "expected no destinationNamedPort in a rule with a networks peer");
        refused(ok + "  ingress:\n    - action: Deny\n      from: [{namespaces: {}}]\n      protocols: [{tcp: {destinationPort: {range: {start: 90, end: 80}}}}]\n",
                "field spec.ingress[0].protocols[0].tcp.destinationPort.range.end: expected an end greater than start 90, found 80");
        refused(ok + "  ingress:\n    - action: Deny\n      from: [{namespaces: {}}]\n      protocols: [{tcp: {}}]\n",
                "field spec.ingress[0].protocols[0].tcp.destinationPort: expected {number: N} or {range: {start: N, end: M}}, found none");
        refused(ok + "  ingress:\n    - action: Deny\n      from: [{namespaces: {}}]\n      protocols: [{tcp: {destinationPort: {number: 80}}, udp: {destinationPort: {number: 53}}}]\n",
                "field spec.ingress[0].protocols[0]: expected exactly one of tcp, udp, sctp or destinationNamedPort, found tcp and udp");
        refused(ok + "  ingress:\n    - action: Deny\n      from: [{namespaces: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}}]\n",
                "field spec.ingress[0].from[0].namespaces.matchExpressions[0].values: expected no values for Exists");
    }

    @Test
    void aNamespaceOrAnotherApiVersionIsRefused() throws IOException {
        Files.writeString(dir.resolve("cnp.yaml"), HEAD.replace("{name: cnp}", "{name: cnp, namespace: x}") + "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n");
        assertThatThrownBy(() -> InventoryReader.read(dir)).isInstanceOf(InputException.class)
                .hasMessageContaining("field metadata.namespace: expected no namespace: a ClusterNetworkPolicy is cluster-scoped");
        Files.writeString(dir.resolve("cnp.yaml"), HEAD.replace("v1alpha2", "v1") + "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n");
        assertThatThrownBy(() -> InventoryReader.read(dir)).isInstanceOf(InputException.class)
                .hasMessageContaining("expected apiVersion policy.networking.k8s.io/v1alpha2 for kind ClusterNetworkPolicy");
    }
}
