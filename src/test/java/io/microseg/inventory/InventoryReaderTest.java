package io.microseg.inventory;

import io.microseg.input.InputException;
import io.microseg.net.Protocol;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

class InventoryReaderTest {
    @TempDir
    Path dir;

    private Path write(String relative, String yaml) {
        Path file = dir.resolve(relative);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private Inventory read() {
        return InventoryReader.read(dir);
    }

    @Nested
    class Objects {
        @Test
        void readsEveryKindAndImportsLabels() {
            write("shop.yaml", """
                    apiVersion: v1
                    kind: Namespace
                    metadata: {name: shop, labels: {team: payments}}
                    ---
                    apiVersion: v1
                    kind: Node
                    metadata: {name: worker-1, labels: {zone: a}}
                    status: {addresses: [{type: InternalIP, address: 192.168.1.10}]}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: db-0, namespace: shop, labels: {app: db}}
                    spec: {nodeName: worker-1, containers: [{name: db, ports: [{containerPort: 5432}]}]}
                    status: {podIP: 10.1.0.5}
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: db, namespace: shop}
                    spec: {clusterIP: 10.96.0.10, selector: {app: db}, ports: [{port: 5432}]}
                    """);

            Inventory inv = read();

            assertThat(inv.clusters()).containsExactly("default");
            assertThat(inv.namespaces()).singleElement().satisfies(ns ->
                    assertThat(ns.labels().get("orchestrator_team")).contains("payments"));
            assertThat(inv.nodes()).singleElement().extracting(Node::id).isEqualTo("node/default/worker-1");
            assertThat(inv.pods()).singleElement().satisfies(p -> {
                assertThat(p.labels().get("orchestrator_app")).contains("db");
                assertThat(p.labels().get(LabelKeys.CLUSTER_NAME)).contains("default");
                assertThat(p.labels().get(LabelKeys.NODE_NAME)).contains("worker-1");
            });
            assertThat(inv.endpoints()).containsExactly(
                    new Endpoint("default", "shop", "db", "", Protocol.TCP, 5432, "10.1.0.5", "db-0"));
        }

        @Test
        void expandsKindList() {
            write("dump.yaml", """
                    apiVersion: v1
                    kind: List
                    items:
                    - apiVersion: v1
                      kind: Pod
                      metadata: {name: a, namespace: shop}
                    - apiVersion: v1
                      kind: Pod
                      metadata: {name: b, namespace: shop}
                    """);
            assertThat(read().pods()).extracting(Pod::name).containsExactly("a", "b");
        }

        @Test
        void aliasesAreTheValuesTheirAnchorsName() {
            write("aliases.yaml", """
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: a
                      namespace: shop
                      labels: &labels {app: &app aliasapp, copy: *app}
                    ---
                    apiVersion: v1
                    kind: List
                    items:
                    - apiVersion: v1
                      kind: Pod
                      metadata: {name: b, namespace: shop, labels: &shared {app: web, tier: front}}
                    - apiVersion: v1
                      kind: Pod
                      metadata: {name: c, namespace: shop, labels: *shared}
                    """);
            Inventory inv = read();
            assertThat(inv.pods()).extracting(p -> p.name() + " " + p.labels().get("orchestrator_app").orElse("-") + " "
                    + p.labels().get("orchestrator_copy").orElse(p.labels().get("orchestrator_tier").orElse("-")))
                    .containsExactly("a aliasapp aliasapp", "b web front", "c web front");
        }

        @Test
        void aPodWithoutAnIpIsKept() {
            write("pending.yaml", """
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: pending, namespace: shop, labels: {app: web}}
                    status: {phase: Pending}
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: web, namespace: shop}
                    spec: {clusterIP: 10.96.0.10, selector: {app: web}, ports: [{port: 80}]}
                    """);
            Inventory inv = read();
            assertThat(inv.pods()).singleElement().satisfies(p -> assertThat(p.ips()).isEmpty());
            assertThat(inv.endpoints()).isEmpty();
        }
    }

    @Nested
    class Endpoints {
        @Test
        void aNamedTargetPortResolvesPerPod() {
            write("web.yaml", """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: web, namespace: shop}
                    spec: {clusterIP: 10.96.0.10, selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: web-v1, namespace: shop, labels: {app: web}}
                    spec: {containers: [{name: web, ports: [{name: http, containerPort: 8080}]}]}
                    status: {podIP: 10.1.0.5}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: web-v2, namespace: shop, labels: {app: web}}
                    spec: {containers: [{name: web, ports: [{name: http, containerPort: 9090}]}]}
                    status: {podIP: 10.1.0.6}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: web-broken, namespace: shop, labels: {app: web}}
                    spec: {containers: [{name: web, ports: [{name: www, containerPort: 80}]}]}
                    status: {podIP: 10.1.0.7}
                    """);

            Inventory loaded = InventoryReader.read(dir);

            assertThat(loaded.endpoints()).extracting(Endpoint::podName, Endpoint::targetPort)
                    .containsExactly(tuple("web-v1", 8080), tuple("web-v2", 9090));
            assertThat(loaded.namedPortMisses()).containsExactly(new NamedPortMiss(
                    "service/default/shop/web", "http", "pod/default/shop/web-broken", "http"));
        }

        @Test
        void selectorDerivedEndpointsSkipPodsThatAreNotReady() {
            write("web.yaml", """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: web, namespace: shop}
                    spec: {clusterIP: 10.96.0.10, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: ready, namespace: shop, labels: {app: web}}
                    status: {phase: Running, podIP: 10.1.0.5, conditions: [{type: Ready, status: "True"}]}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: starting, namespace: shop, labels: {app: web}}
                    status: {phase: Running, podIP: 10.1.0.6, conditions: [{type: Ready, status: "False"}]}
                    """);
            assertThat(read().endpoints()).extracting(Endpoint::podName).containsExactly("ready");
        }

        @Test
        void aServiceWithoutSelectorTakesItsEndpointSliceEvenToANonPodAddress() {
            write("legacy-db.yaml", """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: legacy-db, namespace: shop}
                    spec: {clusterIP: 10.96.0.30, ports: [{name: pg, port: 5432}]}
                    ---
                    apiVersion: discovery.k8s.io/v1
                    kind: EndpointSlice
                    metadata: {name: legacy-db-1, namespace: shop, labels: {kubernetes.io/service-name: legacy-db}}
                    addressType: IPv4
                    ports: [{name: pg, port: 5432, protocol: TCP}]
                    endpoints:
                    - addresses: [192.168.50.4]
                      conditions: {ready: true}
                    """);
            assertThat(read().endpoints()).containsExactly(
                    new Endpoint("default", "shop", "legacy-db", "pg", Protocol.TCP, 5432, "192.168.50.4", null));
        }
    }

    @Nested
    class Clusters {
        @Test
        void aClusterDocumentNamesTheClusterOfItsFolderAndSubfoldersNearestFirst() {
            write("top.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\n");
            write("east/cluster.yaml", "apiVersion: microseg.io/v1\nkind: Cluster\nmetadata: {name: east}\n");
            write("east/pods/p.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\n");
            write("east/west/cluster.yaml", "apiVersion: microseg.io/v1\nkind: Cluster\nmetadata: {name: west}\n");
            write("east/west/deeper/p.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\n");

            Inventory inv = read();

            assertThat(inv.clusters()).containsExactly("default", "east", "west");
            assertThat(inv.pods()).extracting(Pod::id)
                    .containsExactlyInAnyOrder("pod/default/default/p", "pod/east/default/p", "pod/west/default/p");
            assertThat(inv.pods()).allSatisfy(p -> assertThat(p.labels().get(LabelKeys.CLUSTER_NAME)).contains(p.cluster()));
        }

        @Test
        void twoDifferentClustersInOneFolderAreAnError() {
            Path a = write("k/a.yaml", "apiVersion: microseg.io/v1\nkind: Cluster\nmetadata: {name: east}\n");
            Path b = write("k/b.yaml", "apiVersion: microseg.io/v1\nkind: Cluster\nmetadata: {name: west}\n");
            assertThatThrownBy(this::readDir).isInstanceOf(InputException.class)
                    .hasMessageContaining(a.toString()).hasMessageContaining(b.toString())
                    .hasMessageContaining("expected one cluster per folder");
        }

        private void readDir() {
            read();
        }
    }

    @Nested
    class Hosts {
        @Test
        void aHostIsReadWithItsLabelsAsWritten() {
            write("hosts.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Host
                    metadata: {name: billing-vm, labels: {environment: production, tier: 1}}
                    spec: {ips: [172.16.0.5, "fd00:16::5"]}
                    """);
            assertThat(read().hosts()).singleElement().satisfies(h -> {
                assertThat(h.id()).isEqualTo("host/billing-vm");
                assertThat(h.labels().values()).containsEntry("environment", "production").containsEntry("tier", "1").hasSize(2);
                assertThat(h.ips()).containsExactly("172.16.0.5", "fd00:16::5");
            });
        }

        @Test
        void aHostSharingANodesAddressIsThatNode() {
            write("cluster/node.yaml", """
                    apiVersion: v1
                    kind: Node
                    metadata: {name: worker-1, labels: {zone: a}}
                    status: {addresses: [{type: InternalIP, address: "fd00::10"}, {type: Hostname, address: worker-1}]}
                    """);
            write("hosts.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Host
                    metadata: {name: rack3-u12, labels: {environment: production, datacenter: fra}}
                    spec: {ips: ["fd00:0::10", 10.0.0.10]}
                    """);

            Inventory inv = read();

            assertThat(inv.hosts()).isEmpty();
            assertThat(inv.nodes()).singleElement().satisfies(n -> {
                assertThat(n.labels().values()).containsEntry("environment", "production").containsEntry("datacenter", "fra")
                        .containsEntry("orchestrator_zone", "a").containsEntry(LabelKeys.WORKLOAD_TYPE, "node");
                assertThat(n.ips()).containsExactly("fd00::10", "10.0.0.10");
            });
        }
    }

    @Nested
    class Errors {
        private InputException error() {
            try {
                read();
            } catch (InputException e) {
                return e;
            }
            throw new AssertionError("expected an InputException");
        }

        @Test
        void aCoreKindThatDoesNotExistIsATypoNotSkipped() {
            Path f = write("pods.yaml", """
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: ok, namespace: shop}
                    ---
                    apiVersion: v1
                    kind: Pdo
                    metadata: {name: web, namespace: shop}
                    """);
            assertThat(error().getMessage()).isEqualTo(f + ":5: Pdo shop/web: field apiVersion/kind: expected one of: Node, Pod,"
                    + " Service, EndpointSlice, Namespace (v1 / discovery.k8s.io/v1), Cluster, Host (microseg.io/v1), or another"
                    + " Kubernetes kind, which is skipped; found apiVersion v1, kind Pdo (did you mean Pod?)");
        }

        @Test
        void anUnknownMicrosegKindIsAnError() {
            Path f = write("mine.yaml", "apiVersion: microseg.io/v1\nkind: Hosts\nmetadata: {name: vm}\n");
            assertThat(error().getMessage()).startsWith(f + ":1: Hosts vm: field apiVersion/kind: expected one of:")
                    .endsWith("found apiVersion microseg.io/v1, kind Hosts");
        }

        @Test
        void aWorkspaceInTheInventoryIsAnError() {
            Path f = write("ws.yaml", "apiVersion: microseg.io/v1\nkind: Workspace\nmetadata: {name: prod}\n");
            assertThat(error().getMessage()).isEqualTo(f + ":2: Workspace prod: field kind: expected inventory documents here,"
                    + " found a Workspace: Workspaces belong in the policies folder");
        }

        @Test
        void aUsedKindWithAnotherVersionOfItsGroupIsAnError() {
            Path f = write("slice.yaml", "apiVersion: discovery.k8s.io/v1beta1\nkind: EndpointSlice\nmetadata: {name: s, namespace: shop}\n");
            assertThat(error().getMessage()).isEqualTo(f + ":1: EndpointSlice shop/s: field apiVersion: expected apiVersion"
                    + " discovery.k8s.io/v1 for kind EndpointSlice, found discovery.k8s.io/v1beta1");
        }

        @Test
        void anErrorInsideAListNamesTheLineOfTheFieldInItsItem() {
            Path f = write("dump.yaml", """
                    apiVersion: v1
                    items:
                    - apiVersion: v1
                      kind: Service
                      metadata: {name: a, namespace: shop}
                      spec: {ports: [{port: 80}]}
                    - apiVersion: v1
                      kind: Service
                      metadata:
                        name: b
                        namespace: shop
                      spec:
                        ports:
                        - name: http
                          port: 80
                        - name: admin
                          port: 0
                    kind: List
                    metadata: {resourceVersion: ""}
                    """);
            assertThat(error().getMessage()).isEqualTo(f + ":17: Service shop/b: field spec.ports[1].port: expected a port in 1..65535, found 0");
        }

        @Test
        void anItemWithoutNamespaceNamesTheLineOfItsMetadata() {
            Path f = write("dump.json", """
                    {
                        "apiVersion": "v1",
                        "items": [
                            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "shop"}},
                            {
                                "apiVersion": "v1",
                                "kind": "Pod",
                                "metadata": {
                                    "name": "b"
                                }
                            }
                        ],
                        "kind": "List"
                    }
                    """);
            assertThat(error().getMessage()).isEqualTo(f + ":8: Pod b: field metadata.namespace: expected the namespace of this Pod, found none");
        }

        @Test
        void aDuplicateKeyInAnItemIsAnErrorNamingBothLines() {
            Path f = write("dump.yaml", """
                    apiVersion: v1
                    kind: List
                    items:
                    - apiVersion: v1
                      kind: Pod
                      metadata:
                        name: a
                        namespace: shop
                        labels:
                          app: web
                          app: db
                    """);
            assertThat(error().getMessage()).isEqualTo(f + ":11: field items[0].metadata.labels.app: expected each key once in a"
                    + " mapping, found app on lines 10 and 11");
        }

        @Test
        void servicePortZero() {
            Path f = write("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec: {ports: [{port: 0}]}\n");
            assertThat(error().getMessage()).isEqualTo(f + ":4: Service default/web: field spec.ports[0].port: expected a port in 1..65535, found 0");
        }

        @Test
        void servicePort70000() {
            Path f = write("svc.yaml", 
                    "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports:\n  - {name: a, port: 80}\n  - name: b\n    port: 70000\n");
            assertThat(error()).hasMessageStartingWith(f + ":8:").hasMessageContaining("field spec.ports[1].port")
                    .hasMessageContaining("expected a port in 1..65535, found 70000");
        }

        @Test
        void badTargetPorts() {
            Path f = write("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80, targetPort: 0}]}\n");
            assertThat(error()).hasMessageStartingWith(f.toString()).hasMessageContaining("field spec.ports[0].targetPort")
                    .hasMessageContaining("expected a port in 1..65535");

            write("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80, targetPort: Not_A_Name}]}\n");
            assertThat(error()).hasMessageContaining("field spec.ports[0].targetPort")
                    .hasMessageContaining("expected a port number in 1..65535 or a container port name").hasMessageContaining("Not_A_Name");

            write("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80, targetPort: 80.5}]}\n");
            assertThat(error()).hasMessageContaining("field spec.ports[0].targetPort").hasMessageContaining("expected");
        }

        @Test
        void aValueOfTheWrongTypeNamesItsField() {
            Path f = write("pod.yaml", """
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: web}
                    spec: {containers: [{name: web, ports: [{containerPort: http}]}]}
                    """);
            assertThat(error()).hasMessageStartingWith(f + ":4: Pod web: field spec.containers[0].ports[0].containerPort: expected")
                    .hasMessageContaining("integer");
        }

        @Test
        void duplicateObject() {
            Path first = write("a.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n");
            Path second = write("b.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n");
            assertThat(error()).hasMessageStartingWith(second + ":3: Pod shop/web: field metadata.name:")
                    .hasMessageContaining("expected one Pod of this name in cluster default")
                    .hasMessageContaining(first + ":1");
        }

        @Test
        void theSameNameInAnotherNamespaceOrClusterIsNoDuplicate() {
            write("a.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n");
            write("b.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: blog}\n");
            write("east/c.yaml", "apiVersion: microseg.io/v1\nkind: Cluster\nmetadata: {name: east}\n"
                    + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n");
            write("east/d.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80}]}\n");
            assertThat(read().pods()).hasSize(3);
        }

        @Test
        void badHostIp() {
            Path f = write("hosts.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Host
                    metadata: {name: vm}
                    spec: {ips: [10.0.0.1, 10.0.0.0/24]}
                    """);
            assertThat(error().getMessage()).isEqualTo(f + ":4: Host vm: field spec.ips[1]: expected an IPv4 or IPv6 address, found '10.0.0.0/24'");
        }

        @Test
        void hostLabelsMayNotPoseAsKubernetesLabels() {
            write("hosts.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Host
                    metadata: {name: vm, labels: {orchestrator_system/cluster_name: prod}}
                    """);
            assertThat(error()).hasMessageContaining("metadata.labels[\"orchestrator_system/cluster_name\"]")
                    .hasMessageContaining("expected a label name without the prefix orchestrator_");
        }

        @Test
        void aHostMeetingTwoNodesIsAnError() {
            write("east/c.yaml", "apiVersion: microseg.io/v1\nkind: Cluster\nmetadata: {name: east}\n---\n"
                    + "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 10.0.0.5}]}\n");
            write("west/c.yaml", "apiVersion: microseg.io/v1\nkind: Cluster\nmetadata: {name: west}\n---\n"
                    + "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 10.0.0.5}]}\n");
            Path f = write("hosts.yaml", "apiVersion: microseg.io/v1\nkind: Host\nmetadata: {name: vm}\nspec: {ips: [10.0.0.5]}\n");
            assertThat(error()).hasMessageStartingWith(f + ":4: Host vm: field spec.ips:")
                    .hasMessageContaining("node/east/n1 and node/west/n1");
        }

        @Test
        void malformedYaml() {
            Path f = write("broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n");
            assertThat(error()).hasMessageStartingWith(f + ":").hasMessageContaining("malformed YAML");
        }

        /** Whatever shape a document has, the reader answers with an inventory or an InputException, never a crash. */
        @ParameterizedTest
        @ValueSource(strings = {
                "apiVersion: v1\nkind: Pod\nmetadata: null\n",
                "apiVersion: v1\nkind: Pod\nmetadata: 5\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\nstatus: {conditions: [null, {type: Ready}], podIPs: [null, {ip: null}]}\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: }}\nspec: {containers: [null, {name: c, ports: [{}]}]}\n",
                "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: x}\nspec: {clusterIPs: [null], selector: {app: }, ports: [null, {port: 99999999999}]}\n",
                "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: x}\nspec: {ports: [{port: 80, targetPort: \"\"}]}\n",
                "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: x}\nstatus: {loadBalancer: {ingress: [null, {ip: \"\"}]}}\nspec: {type: LoadBalancer}\n",
                "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus: {addresses: [{type: InternalIP}]}\n",
                "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, namespace: x, labels: {kubernetes.io/service-name: a}}\nendpoints: [{addresses: [null, 1.2.3.4]}]\nports: [{port: null}, {}]\n",
                "apiVersion: microseg.io/v1\nkind: Host\nmetadata: {name: h, labels: {a: [1]}}\n",
                "apiVersion: microseg.io/v1\nkind: Host\nmetadata: {name: h}\nspec: {ips: 10.0.0.1}\n",
                "apiVersion: microseg.io/v1\nkind: Host\nmetadata: {name: h}\nspec: {ips: [5]}\n",
                "apiVersion: microseg.io/v1\nkind: Cluster\nmetadata: {}\n",
                "apiVersion: v1\nkind: List\nitems: [5, {kind: Pod}]\n",
                "kind: Pod\n",
                "just a string\n",
        })
        void oddShapesAreInputErrorsOrAreRead(String yaml) {
            write("odd.yaml", yaml);
            try {
                read();
            } catch (InputException e) {
                assertThat(e.file()).endsWith("odd.yaml");
            }
        }

        @Test
        void aSliceWithoutItsServiceLabel() {
            Path f = write("slice.yaml", "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, namespace: default}\naddressType: IPv4\n");
            assertThat(error()).hasMessageStartingWith(f + ":3: EndpointSlice default/s: field metadata.labels[\"kubernetes.io/service-name\"]:")
                    .hasMessageContaining("expected the name of the service");
        }
    }
}
