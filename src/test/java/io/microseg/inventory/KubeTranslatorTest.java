package io.microseg.inventory;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.microseg.net.Protocol;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** KubeTranslator works object by object, as live informers will call it. */
class KubeTranslatorTest {
    private static final KubernetesSerialization K8S = new KubernetesSerialization();
    private final KubeTranslator prod = new KubeTranslator("prod");

    private static <T> T k8s(Class<T> type, String yaml) {
        return K8S.unmarshal(yaml, type);
    }

    private Pod pod(String yaml) {
        return prod.pod(k8s(io.fabric8.kubernetes.api.model.Pod.class, "apiVersion: v1\nkind: Pod\n" + yaml));
    }

    private Service service(String yaml) {
        return prod.service(k8s(io.fabric8.kubernetes.api.model.Service.class, "apiVersion: v1\nkind: Service\n" + yaml));
    }

    private Node node(String yaml) {
        return prod.node(k8s(io.fabric8.kubernetes.api.model.Node.class, "apiVersion: v1\nkind: Node\n" + yaml));
    }

    private SliceEndpoints slice(String yaml) {
        return prod.endpointSlice(k8s(EndpointSlice.class, "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n" + yaml));
    }

    @Nested
    class FinishedPods {
        /** Shaped as `kubectl get pod -o yaml` prints a Job's pod after it completed: podIP still set. */
        private static final String COMPLETED_JOB_POD = """
                metadata:
                  name: backup-28391234-x7k2p
                  namespace: ops
                  labels: {batch.kubernetes.io/job-name: backup-28391234, job-name: backup-28391234}
                  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: backup-28391234, uid: 5d0c, controller: true}]
                spec:
                  nodeName: worker-1
                  restartPolicy: Never
                  containers: [{name: backup, image: busybox}]
                status:
                  phase: %s
                  hostIP: 10.0.0.11
                  hostIPs: [{ip: 10.0.0.11}]
                  podIP: 10.244.1.23
                  podIPs: [{ip: 10.244.1.23}]
                  conditions:
                  - {type: PodReadyToStartContainers, status: "False"}
                  - {type: Initialized, status: "True", reason: PodCompleted}
                  - {type: Ready, status: "False", reason: PodCompleted}
                  - {type: ContainersReady, status: "False", reason: PodCompleted}
                  - {type: PodScheduled, status: "True"}
                  containerStatuses:
                  - name: backup
                    ready: false
                    restartCount: 0
                    state: {terminated: {exitCode: 0, reason: Completed}}
                """;

        @Test
        void aSucceededOrFailedPodHasNoAddressThoughItsStatusKeepsOne() {
            for (String phase : new String[]{"Succeeded", "Failed"}) {
                Pod p = pod(COMPLETED_JOB_POD.formatted(phase));
                assertThat(p.ips()).as(phase).isEmpty();
                assertThat(p.ready()).as(phase).isFalse();
            }
            assertThat(pod(COMPLETED_JOB_POD.formatted("Running")).ips()).as("the same pod running").containsExactly("10.244.1.23");
        }
    }

    @Nested
    class Labels_ {
        @Test
        void kubernetesLabelsArePrefixedAndSystemLabelsAdded() {
            Pod p = pod("""
                    metadata: {name: db-0, namespace: shop, labels: {app: db, environment: production}}
                    spec: {nodeName: worker-1}
                    status: {podIP: 10.1.0.5}
                    """);
            assertThat(p.labels().values()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
                    "orchestrator_app", "db",
                    "orchestrator_environment", "production",
                    LabelKeys.CLUSTER_NAME, "prod",
                    LabelKeys.NAMESPACE, "shop",
                    LabelKeys.POD_NAME, "db-0",
                    LabelKeys.NODE_NAME, "worker-1",
                    LabelKeys.WORKLOAD_TYPE, "pod"));
        }

        @Test
        void servicesCarryTheirNameAndType() {
            Service s = service("""
                    metadata: {name: web, namespace: shop, labels: {tier: front}}
                    spec: {type: NodePort, clusterIP: 10.96.0.10, ports: [{port: 80}]}
                    """);
            assertThat(s.labels().values()).containsEntry("orchestrator_tier", "front")
                    .containsEntry(LabelKeys.SERVICE_NAME, "web")
                    .containsEntry(LabelKeys.SERVICE_TYPE, "NodePort")
                    .containsEntry(LabelKeys.WORKLOAD_TYPE, "service")
                    .containsEntry(LabelKeys.NAMESPACE, "shop")
                    .containsEntry(LabelKeys.CLUSTER_NAME, "prod");
        }

        @Test
        void nodesAreClusterScoped() {
            Node n = node("metadata: {name: worker-1, labels: {zone: a}}");
            assertThat(n.labels().values()).containsEntry("orchestrator_zone", "a")
                    .containsEntry(LabelKeys.NODE_NAME, "worker-1")
                    .containsEntry(LabelKeys.WORKLOAD_TYPE, "node")
                    .doesNotContainKey(LabelKeys.NAMESPACE);
            assertThat(n.id()).isEqualTo("node/prod/worker-1");
        }

        @Test
        void systemLabelsWinOverKubernetesLabelsOfTheSameName() {
            Pod p = pod("metadata: {name: real, namespace: default, labels: {system/pod_name: spoofed}}");
            assertThat(p.labels().get(LabelKeys.POD_NAME)).contains("real");
        }

        @Test
        void namespacedObjectsWithoutNamespaceAreRefusedNotPutInDefault() {
            assertThatThrownBy(() -> pod("metadata: {name: a}"))
                    .hasMessage("Pod a: field metadata.namespace: expected the namespace of this Pod, found none");
            assertThatThrownBy(() -> service("metadata: {name: a}\nspec: {ports: [{port: 80}]}"))
                    .hasMessage("Service a: field metadata.namespace: expected the namespace of this Service, found none");
            assertThatThrownBy(() -> slice("metadata: {name: a, labels: {kubernetes.io/service-name: db}}"))
                    .hasMessage("EndpointSlice a: field metadata.namespace: expected the namespace of this EndpointSlice, found none");
            assertThat(node("metadata: {name: n}").name()).isEqualTo("n");
        }

        @Test
        void labelsLongerThanKubernetesAllowsAreRefused() {
            assertThat(pod("metadata: {name: a, namespace: shop, labels: {note: " + "x".repeat(63) + "}}").labels()
                    .get("orchestrator_note")).hasValueSatisfying(v -> assertThat(v).hasSize(63));
            assertThatThrownBy(() -> pod("metadata: {name: a, namespace: shop, labels: {note: " + "x".repeat(1_000_000) + "}}"))
                    .hasMessage("Pod shop/a: field metadata.labels[\"note\"]: expected a label value of at most 63 characters,"
                            + " as Kubernetes allows, found one of 1000000");
            assertThatThrownBy(() -> node("metadata: {name: n, labels: {" + "k".repeat(64) + ": v}}"))
                    .hasMessageContaining("expected a label name of at most 63 characters");
        }

        @Test
        void aServiceWithoutSpecIsRefused() {
            assertThatThrownBy(() -> service("metadata: {name: a, namespace: shop}"))
                    .hasMessage("Service shop/a: field spec: expected the service's spec (its ports, selector and clusterIP), found none");
        }

        @Test
        void aBadPodIpIsRefusedEvenWhenPodIpsIsGood() {
            assertThatThrownBy(() -> pod("metadata: {name: a, namespace: shop}\nstatus: {podIP: 10.1.0.300, podIPs: [{ip: 10.1.0.3}]}"))
                    .hasMessage("Pod shop/a: field status.podIP: expected an IPv4 or IPv6 address, found '10.1.0.300'");
        }
    }

    @Nested
    class Nodes {
        @Test
        void keepInternalAndExternalAddressesOfBothFamilies() {
            Node n = node("""
                    metadata: {name: worker-1}
                    status:
                      addresses:
                      - {type: InternalIP, address: 192.168.1.10}
                      - {type: InternalIP, address: "fd00::10"}
                      - {type: ExternalIP, address: 203.0.113.10}
                      - {type: Hostname, address: worker-1}
                      - {type: InternalDNS, address: worker-1.internal}
                    """);
            assertThat(n.ips()).containsExactly("192.168.1.10", "fd00::10", "203.0.113.10");
        }
    }

    @Nested
    class Pods {
        @Test
        void dualStackPodsKeepEveryPodIp() {
            Pod p = pod("""
                    metadata: {name: a, namespace: default}
                    status: {podIP: 10.1.0.5, podIPs: [{ip: 10.1.0.5}, {ip: "fd00:1::5"}]}
                    """);
            assertThat(p.ips()).containsExactly("10.1.0.5", "fd00:1::5");
        }

        @Test
        void podWithoutAnIpIsKeptWithNoAddressAndIsNotReady() {
            Pod p = pod("""
                    metadata: {name: pending, namespace: default}
                    status: {phase: Pending}
                    """);
            assertThat(p.ips()).isEmpty();
            assertThat(p.ready()).isFalse();
            assertThat(p.nodeName()).isNull();
            assertThat(p.labels().get(LabelKeys.NODE_NAME)).isEmpty();
        }

        @Test
        void hostNetworkPodsHaveTheirNodesAddresses() {
            Pod p = pod("""
                    metadata: {name: agent, namespace: default}
                    spec: {hostNetwork: true, nodeName: worker-1}
                    status: {hostIP: 192.168.1.10, hostIPs: [{ip: 192.168.1.10}, {ip: "fd00::10"}]}
                    """);
            assertThat(p.hostNetwork()).isTrue();
            assertThat(p.ips()).containsExactly("192.168.1.10", "fd00::10");
            assertThat(p.nodeId()).isEqualTo("node/prod/worker-1");
        }

        @Test
        void hostIpsAreNotPodIpsForOrdinaryPods() {
            assertThat(pod("metadata: {name: a, namespace: default}\nstatus: {hostIP: 192.168.1.10}").ips()).isEmpty();
        }

        @Test
        void theReadyConditionDecidesReadiness() {
            assertThat(pod("""
                    metadata: {name: a, namespace: default}
                    status: {phase: Running, podIP: 10.1.0.5, conditions: [{type: Ready, status: "False"}]}
                    """).ready()).isFalse();
            assertThat(pod("""
                    metadata: {name: a, namespace: default}
                    status: {phase: Running, podIP: 10.1.0.5, conditions: [{type: Ready, status: "True"}]}
                    """).ready()).isTrue();
        }

        @Test
        void withoutAReadyConditionAPodWithAnIpThatIsRunningOrHasNoPhaseIsReady() {
            assertThat(pod("metadata: {name: a, namespace: default}\nstatus: {podIP: 10.1.0.5}").ready()).isTrue();
            assertThat(pod("metadata: {name: a, namespace: default}\nstatus: {podIP: 10.1.0.5, phase: Running}").ready()).isTrue();
            assertThat(pod("metadata: {name: a, namespace: default}\nstatus: {podIP: 10.1.0.5, phase: Succeeded}").ready()).isFalse();
        }

        @Test
        void terminatingPodsAreNotReady() {
            assertThat(pod("""
                    metadata: {name: a, namespace: default, deletionTimestamp: "2024-01-01T00:00:00Z"}
                    status: {podIP: 10.1.0.5, conditions: [{type: Ready, status: "True"}]}
                    """).ready()).isFalse();
        }

        @Test
        void containerPortsOfAllContainersAndSidecars() {
            Pod p = pod("""
                    metadata: {name: a, namespace: default}
                    spec:
                      containers:
                      - {name: app, ports: [{name: http, containerPort: 8080}, {containerPort: 53, protocol: UDP}]}
                      - {name: metrics, ports: [{name: metrics, containerPort: 9090}]}
                      initContainers:
                      - {name: proxy, restartPolicy: Always, ports: [{name: proxy, containerPort: 15001}]}
                      - {name: migrate, ports: [{name: ignored, containerPort: 1}]}
                    """);
            assertThat(p.containerPorts()).containsExactly(
                    new ContainerPort("http", 8080, Protocol.TCP),
                    new ContainerPort(null, 53, Protocol.UDP),
                    new ContainerPort("metrics", 9090, Protocol.TCP),
                    new ContainerPort("proxy", 15001, Protocol.TCP));
        }
    }

    @Nested
    class Services {
        @Test
        void clusterIpIsTheDefaultTypeAndTcpTheDefaultProtocol() {
            Service s = service("""
                    metadata: {name: db, namespace: default}
                    spec: {clusterIP: 10.96.0.10, selector: {app: db}, ports: [{port: 5432}]}
                    """);
            assertThat(s.type()).isEqualTo(ServiceType.ClusterIP);
            assertThat(s.clusterIps()).containsExactly("10.96.0.10");
            assertThat(s.selector()).containsExactlyEntriesOf(java.util.Map.of("app", "db"));
            assertThat(s.ports()).containsExactly(new ServicePort(null, Protocol.TCP, 5432, TargetPort.of(5432), null));
        }

        @Test
        void dualStackServicesListEveryClusterIp() {
            Service s = service("""
                    metadata: {name: db, namespace: default}
                    spec: {clusterIP: 10.96.0.10, clusterIPs: [10.96.0.10, "fd00:96::10"], ports: [{port: 5432}]}
                    """);
            assertThat(s.clusterIps()).containsExactly("10.96.0.10", "fd00:96::10");
        }

        @Test
        void headlessServicesHaveNoClusterIp() {
            Service s = service("""
                    metadata: {name: db, namespace: default}
                    spec: {clusterIP: None, clusterIPs: [None], selector: {app: db}, ports: [{port: 5432}]}
                    """);
            assertThat(s.clusterIps()).isEmpty();
            assertThat(s.headless()).isTrue();
        }

        @Test
        void externalNameServicesHaveNoAddresses() {
            Service s = service("""
                    metadata: {name: mail, namespace: default}
                    spec: {type: ExternalName, externalName: mail.example.com, clusterIP: 10.96.0.11}
                    """);
            assertThat(s.type()).isEqualTo(ServiceType.ExternalName);
            assertThat(s.clusterIps()).isEmpty();
            assertThat(s.headless()).isFalse();
        }

        @Test
        void emptySelectorMeansNoSelector() {
            assertThat(service("metadata: {name: a, namespace: default}\nspec: {selector: {}}").selector()).isNull();
            assertThat(service("metadata: {name: a, namespace: default}\nspec: {ports: [{port: 80}]}").selector()).isNull();
        }

        @Test
        void loadBalancersKeepIngressIpsNodePortsAndTrafficPolicy() {
            Service s = service("""
                    metadata: {name: web, namespace: default}
                    spec:
                      type: LoadBalancer
                      clusterIP: 10.96.0.20
                      externalTrafficPolicy: Local
                      ports: [{name: https, port: 443, targetPort: https, nodePort: 31443}, {name: dns, protocol: UDP, port: 53, targetPort: 5353, nodePort: 31053}]
                    status:
                      loadBalancer:
                        ingress: [{ip: 203.0.113.7}, {hostname: lb.example.com}, {ip: "2001:db8::7"}]
                    """);
            assertThat(s.loadBalancerIps()).containsExactly("203.0.113.7", "2001:db8::7");
            assertThat(s.externalTrafficLocal()).isTrue();
            assertThat(s.ports()).containsExactly(
                    new ServicePort("https", Protocol.TCP, 443, TargetPort.named("https"), 31443),
                    new ServicePort("dns", Protocol.UDP, 53, TargetPort.of(5353), 31053));
        }

        @Test
        void noNodePortWhenLoadBalancerNodePortsAreNotAllocated() {
            Service s = service("""
                    metadata: {name: web, namespace: default}
                    spec: {type: LoadBalancer, allocateLoadBalancerNodePorts: false, ports: [{port: 443, nodePort: 31443}]}
                    """);
            assertThat(s.ports().get(0).nodePort()).isNull();
        }

        @Test
        void nodePortsOnlyMeanSomethingOnNodePortAndLoadBalancerServices() {
            Service s = service("""
                    metadata: {name: web, namespace: default}
                    spec: {type: ClusterIP, externalTrafficPolicy: Local, ports: [{port: 443, nodePort: 31443}]}
                    status: {loadBalancer: {ingress: [{ip: 203.0.113.7}]}}
                    """);
            assertThat(s.ports().get(0).nodePort()).isNull();
            assertThat(s.externalTrafficLocal()).isFalse();
            assertThat(s.loadBalancerIps()).isEmpty();
        }
    }

    @Nested
    class EndpointSlices {
        @Test
        void oneEndpointPerReadyEndpointAddressAndPort() {
            SliceEndpoints s = slice("""
                    metadata: {name: web-abc, namespace: shop, labels: {kubernetes.io/service-name: web}}
                    addressType: IPv4
                    ports: [{name: http, port: 8080}, {name: dns, port: 5353, protocol: UDP}]
                    endpoints:
                    - addresses: [10.1.0.5]
                      conditions: {ready: true}
                      targetRef: {kind: Pod, name: web-0, namespace: shop}
                    - addresses: [10.1.0.6]
                      conditions: {ready: false}
                      targetRef: {kind: Pod, name: web-1, namespace: shop}
                    - addresses: [192.168.50.4]
                    """);
            assertThat(s.serviceId()).isEqualTo("service/prod/shop/web");
            assertThat(s.endpoints()).containsExactly(
                    new Endpoint("prod", "shop", "web", "http", Protocol.TCP, 8080, "10.1.0.5", "web-0"),
                    new Endpoint("prod", "shop", "web", "dns", Protocol.UDP, 5353, "10.1.0.5", "web-0"),
                    new Endpoint("prod", "shop", "web", "http", Protocol.TCP, 8080, "192.168.50.4", null),
                    new Endpoint("prod", "shop", "web", "dns", Protocol.UDP, 5353, "192.168.50.4", null));
        }

        @Test
        void anUnnamedSlicePortHasTheEmptyKey() {
            SliceEndpoints s = slice("""
                    metadata: {name: db-abc, namespace: default, labels: {kubernetes.io/service-name: db}}
                    ports: [{port: 5432}]
                    endpoints: [{addresses: [10.1.0.9]}]
                    """);
            assertThat(s.endpoints()).singleElement().extracting(Endpoint::portKey).isEqualTo("");
        }

        @Test
        void aSliceWithoutItsServiceIsRejected() {
            assertThatThrownBy(() -> slice("metadata: {name: orphan, namespace: default}"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("kubernetes.io/service-name");
        }
    }

    @Test
    void rejectionsAreIllegalArgumentsNamingObjectFieldAndExpectation() {
        assertThatThrownBy(() -> service("metadata: {name: web, namespace: shop}\nspec: {ports: [{port: 0}]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Service shop/web: field spec.ports[0].port: expected a port in 1..65535, found 0");
        assertThatThrownBy(() -> pod("metadata: {name: a, namespace: default}\nstatus: {podIP: 10.1.0.300x}"))
                .isInstanceOf(KubeTranslator.Rejected.class)
                .hasMessageContaining("status.podIP").hasMessageContaining("expected an IPv4 or IPv6 address");
        assertThatThrownBy(() -> service("metadata: {name: a, namespace: default}\nspec: {type: Ingress}"))
                .hasMessageContaining("spec.type").hasMessageContaining("expected one of ClusterIP, NodePort, LoadBalancer, ExternalName");
        assertThatThrownBy(() -> service("metadata: {name: a, namespace: default}\nspec: {ports: [{port: 80, protocol: ICMP}]}"))
                .hasMessageContaining("spec.ports[0].protocol").hasMessageContaining("expected TCP, UDP or SCTP");
        assertThatThrownBy(() -> service("metadata: {name: a, namespace: default}\nspec: {ports: [{name: a, port: 80}, {port: 81}]}"))
                .hasMessageContaining("spec.ports[1].name").hasMessageContaining("multi-port");
        assertThatThrownBy(() -> pod("metadata: {namespace: x}"))
                .hasMessageContaining("metadata.name");
    }
}
