package io.microseg.cli;

import io.microseg.enforce.NftRuleset;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** render, as the command line prints it: what a node would apply with the own addresses an operator gives. */
class RenderCommandTest {
    static final String NODES = NftRuleset.setName("nodes:demo");

    @Test
    void nodeAddressesJoinTheNodesOwnSetAndTheClustersNodeSetInEveryNamespace() {
        CliRun r = CliRun.of("render", "--node", "demo/node-1", "--node-address", "169.254.1.1", "--node-address", "fd00:244:1::1",
                "--node-address", "10.0.0.11");
        assertThat(r.exit()).as(r.err()).isZero();
        String node = r.out().substring(0, r.out().indexOf("# microseg netns: pod/demo/data/db-0"));
        String pod = r.out().substring(r.out().indexOf("# microseg netns: pod/demo/data/db-0"), r.out().indexOf("# microseg netns: pod/demo/web/"));
        assertThat(node).contains("set node_local_4 {", "elements = { 10.0.0.11, 169.254.1.1 }", "elements = { fd00:244:1::1 }",
                "ct status dnat ct original ip daddr @node_local_4 jump node_port", "chain node_port {",
                "meta l4proto tcp ct original proto-dst 30017 ip saddr @");
        assertThat(pod).as("db-0 admits the nodes: the node's own addresses count").contains(
                "set " + NODES + "_4 {", "comment \"nodes:demo and this node's own addresses\"", "elements = { 10.0.0.11, 10.0.0.12, 169.254.1.1 }",
                "elements = { fd00:244:1::1 }", "ip saddr @" + NODES + "_4 accept");
    }

    @Test
    void withoutNodeAddressesTheInventoryAddressesAreTheNodesOwn() {
        CliRun r = CliRun.of("render", "--node", "demo/node-1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("set node_local_4 {\n    type ipv4_addr;\n    comment \"the node's own addresses\"\n"
                + "    elements = { 10.0.0.11 }\n").doesNotContain("169.254.1.1");
    }

    @Test
    void aNodeAddressThatIsNoAddressOrForAHostIsRefused() {
        CliRun bad = CliRun.of("render", "--node", "demo/node-1", "--node-address", "cni0");
        assertThat(bad.exit()).isEqualTo(Main.BAD_INPUT);
        assertThat(bad.err()).contains("--node-address: expected an IPv4 or IPv6 address, found 'cni0'");
        assertThat(bad.out()).isEmpty();
        CliRun host = CliRun.of("render", "--host", "backup-prod", "--node-address", "10.0.0.21");
        assertThat(host.exit()).isEqualTo(Main.BAD_INPUT);
        assertThat(host.err()).contains("--node-address: expected --node CLUSTER/NODE");
    }
}
