package io.microseg.source;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.FileInputStream;
import java.io.IOException;

/**
 * Writes the objects of the seed's example cluster into a Kubernetes API server (the fabric8 mock in
 * CRUD mode): its nodes, the {@code data/db} NodePort service whose target port is named, its pods,
 * and the Workspace CRD. Tests add their own workspaces and extra pods.
 */
final class SeedCluster {
    private final KubernetesClient client;

    SeedCluster(KubernetesClient client) {
        this.client = client;
    }

    <T extends HasMetadata> T create(Class<T> type, String yaml) {
        return client.resource(client.getKubernetesSerialization().unmarshal(yaml, type)).create();
    }

    /** Nodes {@code node-1} .. {@code node-count}, node-i at 10.0.0.1i. */
    void nodes(int count) {
        for (int i = 1; i <= count; i++) {
            create(io.fabric8.kubernetes.api.model.Node.class, """
                    apiVersion: v1
                    kind: Node
                    metadata: {name: node-%d}
                    status: {addresses: [{type: InternalIP, address: 10.0.0.1%d}]}
                    """.formatted(i, i));
        }
    }

    /** {@code data/db}: NodePort 30017 to the pods labelled app=db on their port named mongo (27017). */
    void dbService() {
        create(io.fabric8.kubernetes.api.model.Service.class, """
                apiVersion: v1
                kind: Service
                metadata: {name: db, namespace: data}
                spec:
                  type: NodePort
                  clusterIP: 10.96.0.50
                  selector: {app: db}
                  ports: [{name: mongo, protocol: TCP, port: 27017, targetPort: mongo, nodePort: 30017}]
                """);
    }

    /** A running pod with one container port named mongo (27017); {@code labels} in YAML flow style. */
    void pod(String namespace, String name, String node, String ip, String labels) {
        create(io.fabric8.kubernetes.api.model.Pod.class, """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: %s, labels: %s}
                spec:
                  nodeName: %s
                  containers: [{name: main, image: x, ports: [{name: mongo, containerPort: 27017, protocol: TCP}]}]
                status: {phase: Running, podIP: %s, podIPs: [{ip: %s}]}
                """.formatted(name, namespace, labels, node, ip, ip));
    }

    /** The Workspace CRD as installed (config/crd). */
    void workspaceCrd() throws IOException {
        try (FileInputStream crd = new FileInputStream("config/crd/workspaces.microseg.io.yaml")) {
            client.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
    }
}
