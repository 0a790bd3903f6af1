package io.microseg.matrix;

/** The workspace the matrix and diff tests put over tests/fixtures/multi-cluster: clients of any cluster may reach db. */
final class MultiClusterShop {
    private MultiClusterShop() {}

    static final String CLIENTS_TO_DB = """
            apiVersion: microseg.io/v1
            kind: Workspace
            metadata: {name: shop}
            spec:
              scope: "*"
              catchAll: {ingress: DENY, egress: DENY}
              policies:
                - {id: clients-to-db, consumer: "orchestrator_role = client",
                   provider: "orchestrator_system/service_name = db", ports: ["TCP 5432"], action: ALLOW}
            """;
}
