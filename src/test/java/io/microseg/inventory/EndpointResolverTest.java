package io.microseg.inventory;

import io.microseg.inventory.EndpointResolver.Resolution;
import io.microseg.net.Protocol;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EndpointResolverTest {

    private static Pod pod(String name, Map<String, String> k8sLabels, boolean ready, List<String> ips, ContainerPort... ports) {
        return pod("shop", name, k8sLabels, ready, false, ips, ports);
    }

    private static Pod pod(String namespace, String name, Map<String, String> k8sLabels, boolean ready, boolean hostNetwork,
                           List<String> ips, ContainerPort... ports) {
        Labels labels = Labels.EMPTY;
        for (var e : k8sLabels.entrySet()) labels = labels.with(LabelKeys.imported(e.getKey()), e.getValue());
        return new Pod("prod", namespace, name, "worker-1", ips, hostNetwork, ready, labels, List.of(ports));
    }

    private static Service service(String name, Map<String, String> selector, List<String> clusterIps, ServicePort... ports) {
        return new Service("prod", "shop", name, ServiceType.ClusterIP, clusterIps, List.of(), selector, List.of(ports), false, Labels.EMPTY);
    }

    private static ServicePort port(String name, int port, TargetPort target) {
        return new ServicePort(name, Protocol.TCP, port, target, null);
    }

    private static Endpoint endpoint(String service, String portKey, int target, String ip, String pod) {
        return new Endpoint("prod", "shop", service, portKey, Protocol.TCP, target, ip, pod);
    }

    @Test
    void aNamedTargetPortIsResolvedOnEachPodSoTwoPodsOfOneServiceMayDiffer() {
        Service web = service("web", Map.of("app", "web"), List.of("10.96.0.10"), port("http", 80, TargetPort.named("http")));
        Pod old = pod("web-old", Map.of("app", "web"), true, List.of("10.1.0.5"), new ContainerPort("http", 8080, Protocol.TCP));
        Pod next = pod("web-new", Map.of("app", "web"), true, List.of("10.1.0.6"), new ContainerPort("http", 9090, Protocol.TCP));

        Resolution r = EndpointResolver.resolve(List.of(web), List.of(old, next), List.of());

        assertThat(r.endpoints()).containsExactly(
                endpoint("web", "http", 8080, "10.1.0.5", "web-old"),
                endpoint("web", "http", 9090, "10.1.0.6", "web-new"));
        assertThat(r.namedPortMisses()).isEmpty();
    }

    @Test
    void aPodWithoutTheNamedPortIsNoEndpointOfThatPortAndIsReported() {
        Service web = service("web", Map.of("app", "web"), List.of("10.96.0.10"),
                port("http", 80, TargetPort.named("http")), port("admin", 81, TargetPort.of(9000)));
        Pod bare = pod("web-0", Map.of("app", "web"), true, List.of("10.1.0.5"));
        Pod udpOnly = pod("web-1", Map.of("app", "web"), true, List.of("10.1.0.6"), new ContainerPort("http", 8080, Protocol.UDP));

        Resolution r = EndpointResolver.resolve(List.of(web), List.of(bare, udpOnly), List.of());

        assertThat(r.endpoints()).containsExactly(
                endpoint("web", "admin", 9000, "10.1.0.5", "web-0"),
                endpoint("web", "admin", 9000, "10.1.0.6", "web-1"));
        assertThat(r.namedPortMisses()).containsExactly(
                new NamedPortMiss("service/prod/shop/web", "http", "pod/prod/shop/web-0", "http"),
                new NamedPortMiss("service/prod/shop/web", "http", "pod/prod/shop/web-1", "http"));
    }

    @Test
    void selectorDerivedEndpointsSkipPodsThatAreNotReadyHaveNoIpOrDoNotMatch() {
        Service web = service("web", Map.of("app", "web", "tier", "front"), List.of("10.96.0.10"), port(null, 80, TargetPort.of(8080)));
        List<Pod> pods = List.of(
                pod("ready", Map.of("app", "web", "tier", "front", "extra", "x"), true, List.of("10.1.0.1")),
                pod("not-ready", Map.of("app", "web", "tier", "front"), false, List.of("10.1.0.2")),
                pod("no-ip", Map.of("app", "web", "tier", "front"), true, List.of()),
                pod("half-match", Map.of("app", "web"), true, List.of("10.1.0.3")),
                pod("other-value", Map.of("app", "Web", "tier", "front"), true, List.of("10.1.0.4")),
                pod("other", "elsewhere", Map.of("app", "web", "tier", "front"), true, false, List.of("10.1.0.5")));

        assertThat(EndpointResolver.resolve(List.of(web), pods, List.of()).endpoints())
                .containsExactly(endpoint("web", "", 8080, "10.1.0.1", "ready"));
    }

    @Test
    void hostNetworkPodsAreEndpointsAtTheirNodesAddress() {
        Service dns = service("dns", Map.of("app", "dns"), List.of("10.96.0.53"), port(null, 53, TargetPort.of(53)));
        Pod agent = pod("shop", "dns-0", Map.of("app", "dns"), true, true, List.of("192.168.1.10"));

        assertThat(EndpointResolver.resolve(List.of(dns), List.of(agent), List.of()).endpoints())
                .containsExactly(endpoint("dns", "", 53, "192.168.1.10", "dns-0"));
    }

    @Test
    void aSingleStackServiceGetsOnlyItsFamilyOfDualStackPods() {
        Pod dual = pod("web-0", Map.of("app", "web"), true, List.of("10.1.0.5", "fd00:1::5"));
        Service v4 = service("v4", Map.of("app", "web"), List.of("10.96.0.10"), port(null, 80, TargetPort.of(8080)));
        Service both = service("both", Map.of("app", "web"), List.of("10.96.0.11", "fd00:96::11"), port(null, 80, TargetPort.of(8080)));

        assertThat(EndpointResolver.resolve(List.of(v4, both), List.of(dual), List.of()).endpoints()).containsExactly(
                endpoint("v4", "", 8080, "10.1.0.5", "web-0"),
                endpoint("both", "", 8080, "10.1.0.5", "web-0"),
                endpoint("both", "", 8080, "fd00:1::5", "web-0"));
    }

    @Test
    void aServiceWithSlicesTakesItsEndpointsFromThemOnly() {
        Service web = service("web", Map.of("app", "web"), List.of("10.96.0.10"), port(null, 80, TargetPort.of(8080)));
        Pod selected = pod("web-0", Map.of("app", "web"), true, List.of("10.1.0.5"));
        Endpoint fromSlice = endpoint("web", "", 8080, "10.1.0.7", "web-7");
        SliceEndpoints a = new SliceEndpoints("prod", "shop", "web-a", "web", List.of(fromSlice));
        SliceEndpoints b = new SliceEndpoints("prod", "shop", "web-b", "web", List.of(fromSlice));

        assertThat(EndpointResolver.resolve(List.of(web), List.of(selected), List.of(a, b)).endpoints()).containsExactly(fromSlice);
    }

    @Test
    void aSliceWithoutReadyEndpointsStillMeansTheServiceHasNone() {
        Service web = service("web", Map.of("app", "web"), List.of("10.96.0.10"), port(null, 80, TargetPort.of(8080)));
        Pod selected = pod("web-0", Map.of("app", "web"), true, List.of("10.1.0.5"));
        SliceEndpoints empty = new SliceEndpoints("prod", "shop", "web-a", "web", List.of());

        assertThat(EndpointResolver.resolve(List.of(web), List.of(selected), List.of(empty)).endpoints()).isEmpty();
    }

    @Test
    void aServiceWithoutSelectorOrSlicesHasNoEndpoints() {
        Service external = service("external", null, List.of("10.96.0.12"), port(null, 80, TargetPort.of(80)));
        Pod anyPod = pod("web-0", Map.of(), true, List.of("10.1.0.5"));

        assertThat(EndpointResolver.resolve(List.of(external), List.of(anyPod), List.of()).endpoints()).isEmpty();
    }

    @Test
    void externalNameServicesHaveNoEndpoints() {
        Service mail = new Service("prod", "shop", "mail", ServiceType.ExternalName, List.of(), List.of(), Map.of("app", "mail"),
                List.of(port(null, 25, TargetPort.of(25))), false, Labels.EMPTY);
        Pod mailPod = pod("mail-0", Map.of("app", "mail"), true, List.of("10.1.0.5"));

        assertThat(EndpointResolver.resolve(List.of(mail), List.of(mailPod), List.of()).endpoints()).isEmpty();
    }

    @Test
    void slicesOfUnknownServicesAreIgnored() {
        SliceEndpoints orphan = new SliceEndpoints("prod", "shop", "gone-a", "gone", List.of(endpoint("gone", "", 80, "10.1.0.5", null)));

        assertThat(EndpointResolver.resolve(List.of(), List.of(), List.of(orphan)).endpoints()).isEmpty();
    }
}
