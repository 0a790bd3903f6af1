package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;

import io.microseg.enforce.netns.NetnsRef;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeAddressesTest {
    /** {@code ip -j addr show} on a node with a bridge CNI, a routed CNI's gateway and kube-proxy's IPVS dummy (abridged). */
    static final String LISTING = """
            [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"addr_info":[
               {"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo"},
               {"family":"inet6","local":"::1","prefixlen":128,"scope":"host"}]},
             {"ifindex":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"addr_info":[
               {"family":"inet","local":"10.0.0.12","prefixlen":24,"scope":"global","label":"eth0"},
               {"family":"inet6","local":"fd00:10::12","prefixlen":64,"scope":"global"},
               {"family":"inet6","local":"fe80::1c2:3ff:fe04:506","prefixlen":64,"scope":"link"}]},
             {"ifindex":3,"ifname":"cni0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"addr_info":[
               {"family":"inet","local":"10.244.2.1","prefixlen":24,"scope":"global","label":"cni0"},
               {"family":"inet6","local":"fd00:244:2::1","prefixlen":64,"scope":"global"},
               {"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]},
             {"ifindex":4,"ifname":"cali1234","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"addr_info":[
               {"family":"inet","local":"169.254.1.1","prefixlen":32,"scope":"link","label":"cali1234"}]},
             {"ifindex":5,"ifname":"cali5678","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"addr_info":[
               {"family":"inet","local":"169.254.1.1","prefixlen":32,"scope":"link","label":"cali5678"}]},
             {"ifindex":6,"ifname":"kube-ipvs0","flags":["BROADCAST","NOARP"],"addr_info":[
               {"family":"inet","local":"10.96.0.1","prefixlen":32,"scope":"global","label":"kube-ipvs0"},
               {"family":"inet","local":"203.0.113.40","prefixlen":32,"scope":"global","label":"kube-ipvs0"}]},
             {"ifindex":7,"ifname":"vxlan.calico","flags":["UP"],"addr_info":[]}]
            """;

    @Test
    void everyInterfaceAddressButLoopbackIpv6LinkLocalAndKubeIpvs() throws IOException {
        assertThat(NodeAddresses.parse(LISTING))
                .as("169.254.1.1 (a routed CNI's gateway) stays, once; fe80:: and the services' addresses on kube-ipvs0 do not")
                .containsExactly("10.0.0.12", "fd00:10::12", "10.244.2.1", "fd00:244:2::1", "169.254.1.1");
        assertThat(NodeAddresses.parse("[]")).isEmpty();
        assertThatThrownBy(() -> NodeAddresses.parse("Object \"-j\" is unknown")).hasMessageContaining("unreadable output of ip -j addr show");
        assertThatThrownBy(() -> NodeAddresses.parse("{\"ifname\":\"eth0\"}")).hasMessageContaining("expected a JSON array");
    }

    @Test
    void listsARealNamespaceAndKeepsTheLastGoodListingWhenAListingFails() throws IOException {
        Netns.assumeAvailable();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        NodeAddresses addresses = new NodeAddresses(CommandRunner::exec, new PrintStream(log, true, StandardCharsets.UTF_8));
        try (Netns node = Netns.create("node")) {
            node.ip("link", "add", "eth0", "type", "veth", "peer", "name", "lan0");
            node.ip("link", "add", "cni0", "type", "bridge");
            node.ip("link", "add", "cali1", "type", "veth", "peer", "name", "pod1");
            node.ip("link", "add", "kube-ipvs0", "type", "veth", "peer", "name", "ipvs-peer");
            for (String dev : new String[] {"eth0", "lan0", "cni0", "cali1", "pod1", "kube-ipvs0", "ipvs-peer"}) node.ip("link", "set", dev, "up");
            node.ip("addr", "add", "10.0.0.12/24", "dev", "eth0");
            node.ip("addr", "add", "fd00:10::12/64", "dev", "eth0");
            node.ip("addr", "add", "10.244.2.1/24", "dev", "cni0");
            node.ip("addr", "add", "fd00:244:2::1/64", "dev", "cni0");
            node.ip("addr", "add", "fe80::1/64", "dev", "cni0");
            node.ip("addr", "add", "169.254.1.1/32", "dev", "cali1");
            node.ip("addr", "add", "10.96.0.1/32", "dev", "kube-ipvs0");

            assertThat(addresses.known()).isFalse();
            assertThat(addresses.refresh(new NetnsRef.Named(node.name()))).as("the first listing is a change").isTrue();
            assertThat(addresses.known()).isTrue();
            assertThat(addresses.addresses()).containsExactlyInAnyOrder("10.0.0.12", "fd00:10::12", "10.244.2.1", "fd00:244:2::1", "169.254.1.1");
            assertThat(addresses.refresh(new NetnsRef.Named(node.name()))).as("the same listing again").isFalse();
        }
        // the namespace is gone: listing it fails for real, and the node does not shrink to nothing
        assertThat(addresses.refresh(new NetnsRef.Named("mst-no-such-namespace"))).isFalse();
        assertThat(addresses.refresh(new NetnsRef.Named("mst-no-such-namespace"))).isFalse();
        assertThat(addresses.known()).isTrue();
        assertThat(addresses.addresses()).containsExactlyInAnyOrder("10.0.0.12", "fd00:10::12", "10.244.2.1", "fd00:244:2::1", "169.254.1.1");
        String text = log.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("cannot list the node's own addresses", "mst-no-such-namespace", "keeping the last listing [10.0.0.12");
        assertThat(text.split("cannot list", -1)).as("the same failure is reported once").hasSize(2);

        try (Netns other = Netns.create("other")) {
            other.ip("link", "add", "eth0", "type", "veth", "peer", "name", "lan0");
            other.ip("addr", "add", "10.0.0.13/24", "dev", "eth0");
            assertThat(addresses.refresh(new NetnsRef.Named(other.name()))).isTrue();
            assertThat(addresses.addresses()).containsExactly("10.0.0.13");
            assertThat(log.toString(StandardCharsets.UTF_8)).contains("the node's own addresses are listed again: [10.0.0.13]",
                    "the node's own addresses: 10.0.0.13\n");
        }
    }

    @Test
    void beforeAnyGoodListingNothingIsKnownAndAListingOfNoAddressIsAFailure() throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        NodeAddresses addresses = new NodeAddresses((cmd, in) -> new CommandRunner.Result(0,
                "[{\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\"],\"addr_info\":[{\"family\":\"inet\",\"local\":\"127.0.0.1\",\"scope\":\"host\"}]}]"),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(addresses.refresh(NetnsRef.OWN)).isFalse();
        assertThat(addresses.known()).isFalse();
        assertThat(addresses.addresses()).isEmpty();
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("lists no address but loopback and link-local ones", "none known yet");
    }
}
