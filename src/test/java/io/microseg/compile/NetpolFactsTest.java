package io.microseg.compile;

import io.microseg.facts.NetpolIngress;
import io.microseg.facts.NetpolNamedPort;
import io.microseg.facts.OutsideInterval;
import io.microseg.inventory.ContainerPort;
import io.microseg.inventory.Labels;
import io.microseg.inventory.NetworkPolicy;
import io.microseg.inventory.Pod;
import io.microseg.net.Protocol;
import io.microseg.netpol.LabelSelector;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NetpolFactsTest {

    private static Pod pod(String name, ContainerPort... ports) {
        return new Pod("lab", "x", name, "n1", List.of("10.0.0." + name.length()), false, true,
                new Labels(Map.of("orchestrator_system/namespace", "x", "orchestrator_system/pod_name", name,
                        "orchestrator_system/workload_type", "pod", "orchestrator_system/cluster_name", "lab")),
                List.of(ports));
    }

    private static NetworkPolicy policy(NetworkPolicy.Peer peer, NetworkPolicy.Port port) {
        return new NetworkPolicy("lab", "x", "np", LabelSelector.EVERYTHING, true,
                List.of(new NetworkPolicy.IngressRule(List.of(peer), List.of(port))));
    }

    @Test
    void anIpBlockPeerIsItsCidrWithoutItsExceptionsInEitherFamily() {
        var block = new NetworkPolicy.Peer(null, null, new NetworkPolicy.IpBlock("fd00::/126", List.of("fd00::1/128")));
        var facts = NetpolFacts.of(List.of(policy(block, new NetworkPolicy.Port(Protocol.TCP, 80))), List.of(), List.of()).facts();
        assertThat(facts).filteredOn(OutsideInterval.class::isInstance).extracting(f -> ((OutsideInterval) f).cidr())
                .containsExactly("fd00::/128", "fd00::2/127");
        assertThat(facts).filteredOn(NetpolIngress.class::isInstance).extracting(f -> ((NetpolIngress) f).peerBlock())
                .containsExactly(true);
    }

    @Test
    void aNamedPortGroupsThePodsOnWhichItMeansOneNumberAndLeavesOutThoseWithoutIt() {
        var pods = List.of(pod("a", new ContainerPort("http", 8080, Protocol.TCP)), pod("bb", new ContainerPort("http", 8080, Protocol.TCP)),
                pod("ccc", new ContainerPort("http", 9090, Protocol.TCP)), pod("dddd", new ContainerPort("http", 8080, Protocol.UDP)),
                pod("eeeee"));
        var peer = new NetworkPolicy.Peer(LabelSelector.EVERYTHING, null);
        var facts = NetpolFacts.of(List.of(policy(peer, new NetworkPolicy.Port(Protocol.TCP, 0, 0, "http"))), pods, List.of());
        assertThat(facts.facts()).filteredOn(NetpolNamedPort.class::isInstance).extracting(f -> ((NetpolNamedPort) f).port())
                .containsExactly(8080, 9090);
        assertThat(facts.uses().values()).extracting(Object::toString)
                .anyMatch(t -> t.endsWith("whose named port http/TCP is 8080 [x/a,x/bb]"))
                .anyMatch(t -> t.endsWith("whose named port http/TCP is 9090 [x/ccc]"));
    }
}
