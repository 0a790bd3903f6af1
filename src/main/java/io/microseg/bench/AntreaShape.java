package io.microseg.bench;

import io.microseg.inventory.ContainerPort;
import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.Namespace;
import io.microseg.inventory.Node;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Policy;
import io.microseg.policy.PortSpec;
import io.microseg.policy.Rank;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.Query;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The shape of Antrea's NetworkPolicy scale test: many small namespaces (4 pods each at 25k
 * namespaces and 100k pods), each with three policies that select only pods of that namespace
 * (namespace to namespace, web to db, db to web). One workspace per namespace, scoped to it.
 */
final class AntreaShape {
    private AntreaShape() {}

    static void populate(SyntheticCluster c, ClusterShape shape) {
        for (int i = 0; i < shape.nodes(); i++) {
            String name = String.format("node-%05d", i + 1);
            c.nodes.add(new Node(SyntheticCluster.CLUSTER, name, SyntheticCluster.kube(Map.of("kubernetes.io/os", "linux"),
                    Map.of(LabelKeys.NODE_NAME, name, LabelKeys.WORKLOAD_TYPE, "node")), List.of(c.addresses.node())));
        }
        List<ContainerPort> web = List.of(new ContainerPort("http", 80, Protocol.TCP));
        List<ContainerPort> db = List.of(new ContainerPort("db", 5432, Protocol.TCP));
        int perNamespace = Math.max(1, shape.policies() / shape.namespaces());
        for (int n = 0; n < shape.namespaces(); n++) {
            String ns = String.format("ns-%05d", n + 1);
            c.namespaces.add(new Namespace(SyntheticCluster.CLUSTER, ns, SyntheticCluster.kube(Map.of(), Map.of(LabelKeys.NAMESPACE, ns))));
            Deployment webApp = new Deployment(ns, "web", "frontend", "production", ns, c.hash(), web, false);
            Deployment dbApp = new Deployment(ns, "db", "db", "production", ns, c.hash(), db, false);
            c.deployments.add(webApp);
            c.deployments.add(dbApp);
            String inNs = "orchestrator_system/namespace = " + ns;
            List<Policy> policies = new ArrayList<>();
            String[][] templates = {
                    {inNs, inNs, "TCP 80"},
                    {inNs + " AND orchestrator_app = web", inNs + " AND orchestrator_app = db", "TCP 5432"},
                    {inNs + " AND orchestrator_app = db", inNs + " AND orchestrator_app = web", "TCP 80"}};
            for (int p = 0; p < perNamespace; p++) {
                String[] t = templates[p % templates.length];
                policies.add(new Policy("np-" + (p + 1), Query.parse(t[0]), Query.parse(t[1]),
                        List.<PortSpec>of(SyntheticPolicies.port(t[2])), Action.ALLOW, Rank.DEFAULT, 100));
            }
            c.workspaces.add(new Workspace(ns, Query.parse(inNs), Action.DENY, Action.ALLOW, policies, "synthetic"));
        }
        for (int i = 0; i < shape.pods(); i++) {
            c.addPod(c.deployments.get(i % c.deployments.size()));
        }
    }

}
