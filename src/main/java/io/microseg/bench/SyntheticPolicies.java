package io.microseg.bench;

import io.microseg.inventory.Service;
import io.microseg.inventory.ServiceType;
import io.microseg.net.PortRange;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Policy;
import io.microseg.policy.PortSpec;
import io.microseg.policy.Rank;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.Query;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The policies of a {@link SyntheticCluster}, in workspaces as a platform team would lay them out:
 * <ul>
 *   <li>one workspace per team, scope {@code orchestrator_team = T}, catch-all ingress DENY, egress
 *       ALLOW; its policies: 72% one app to one service (80% of the team's own services), 10% a
 *       namespace to one app's pods, 6% one tier of the team to a service, 4% the whole team to a
 *       service, 4% ABSOLUTE DENY from development to the team's production pods, 2% with {@code !=},
 *       2% from hosts (bastions) to a service;</li>
 *   <li>an edge workspace whose scope is the nodes and the exposed pods, holding the node-port and
 *       load-balancer policies (1% of all), so that the seed's node rules are generated;</li>
 *   <li>a hosts workspace (2% of all): backup to databases, monitoring to every host, bastions by subnet.</li>
 * </ul>
 */
final class SyntheticPolicies {
    private final SyntheticCluster cluster;
    private final Random random;
    private final Map<String, List<Deployment>> deploymentsByTeam = new LinkedHashMap<>();
    private final Map<String, List<Service>> servicesByTeam = new LinkedHashMap<>();
    private final List<Service> allServices;
    private int serial;

    SyntheticPolicies(SyntheticCluster cluster) {
        this.cluster = cluster;
        this.random = cluster.random;
        cluster.deployments.forEach(d -> deploymentsByTeam.computeIfAbsent(d.team(), k -> new ArrayList<>()).add(d));
        cluster.services.values().forEach(s -> servicesByTeam
                .computeIfAbsent(cluster.teamOf(s.namespace()), k -> new ArrayList<>()).add(s));
        this.allServices = List.copyOf(cluster.services.values());
    }

    static void populate(SyntheticCluster cluster, int count) {
        new SyntheticPolicies(cluster).populate(count);
    }

    private void populate(int count) {
        List<Service> nodePorts = allServices.stream()
                .filter(s -> s.type() == ServiceType.NodePort || s.type() == ServiceType.LoadBalancer).toList();
        int edge = nodePorts.isEmpty() ? 0 : Math.min(nodePorts.size(), Math.max(1, count / 100));
        int hosts = count >= 50 ? count / 50 : 0;
        List<String> teams = new ArrayList<>(deploymentsByTeam.keySet());
        teams.sort(null);
        Map<String, List<Policy>> byTeam = new LinkedHashMap<>();
        teams.forEach(t -> byTeam.put(t, new ArrayList<>()));
        for (int i = 0; i < count - edge - hosts; i++) {
            String team = teams.get(i % teams.size());
            byTeam.get(team).add(teamPolicy(team));
        }
        byTeam.forEach((team, policies) -> cluster.workspaces.add(teamWorkspace(team, policies)));

        List<Policy> edgePolicies = new ArrayList<>();
        for (int i = 0; i < edge; i++) {
            Service s = nodePorts.get(i);
            String consumer = i % 2 == 0 ? "environment = production OR orchestrator_environment = production" : "role = monitoring";
            edgePolicies.add(policy(consumer, serviceQuery(s), List.of(servicePort(s)), Action.ALLOW, Rank.DEFAULT, 100));
        }
        if (edge > 0) {
            cluster.workspaces.add(new Workspace("edge", Query.parse("orchestrator_system/workload_type = node OR orchestrator_exposure = public"),
                    Action.ALLOW, Action.ALLOW, edgePolicies, "synthetic"));
        }

        List<Policy> hostPolicies = new ArrayList<>();
        String[][] templates = {
                {"role = backup", "role = db", "TCP 5432"},
                {"role = monitoring", "datacenter starts with dc", "TCP 9100"},
                {"role = bastion AND address in subnet 192.168.0.0/16", "role = db OR role = ci", "TCP 22"},
                {"role = ci", "role = db AND environment = staging", "TCP 5432"}};
        for (int i = 0; i < hosts; i++) {
            String[] t = templates[i % templates.length];
            hostPolicies.add(policy(t[0], t[1], List.of(port(t[2])), Action.ALLOW, Rank.DEFAULT, 100 + i % 4));
        }
        if (hosts > 0) {
            cluster.workspaces.add(new Workspace("hosts", Query.parse("datacenter = dc1 OR datacenter = dc2"),
                    Action.ALLOW, Action.ALLOW, hostPolicies, "synthetic"));
        }
    }

    static Workspace teamWorkspace(String team, List<Policy> policies) {
        return new Workspace(team, Query.parse("orchestrator_team = " + team), Action.DENY, Action.ALLOW, policies, "synthetic");
    }

    /** A policy of a team's workspace, drawn from the mix described above. */
    Policy teamPolicy(String team) {
        List<Deployment> mine = deploymentsByTeam.getOrDefault(team, List.of());
        if (mine.isEmpty()) return policy("orchestrator_team = " + team, serviceQuery(anyService()), List.of(servicePort(anyService())),
                Action.ALLOW, Rank.DEFAULT, 100);
        Deployment consumer = mine.get(random.nextInt(mine.size()));
        Service provider = providerFor(team);
        double r = random.nextDouble();
        if (r < 0.72) {
            return policy("orchestrator_app = " + consumer.app(), serviceQuery(provider), ports(provider), Action.ALLOW, Rank.DEFAULT, 100);
        } else if (r < 0.82) {
            Deployment target = mine.get(random.nextInt(mine.size()));
            return policy("orchestrator_system/namespace = " + consumer.namespace(), "orchestrator_app = " + target.app(),
                    List.of(new PortSpec(Protocol.TCP, PortRange.single(target.ports().get(0).port()))), Action.ALLOW, Rank.DEFAULT, 100);
        } else if (r < 0.88) {
            return policy("orchestrator_team = " + team + " AND orchestrator_tier = " + consumer.tier(), serviceQuery(provider),
                    ports(provider), Action.ALLOW, Rank.DEFAULT, 100);
        } else if (r < 0.92) {
            return policy("orchestrator_team = " + team, serviceQuery(provider), ports(provider), Action.ALLOW, Rank.DEFAULT, 50);
        } else if (r < 0.96) {
            return policy("orchestrator_environment = development", "orchestrator_environment = production AND orchestrator_team = " + team,
                    List.of(port("ANY")), Action.DENY, Rank.ABSOLUTE, 10);
        } else if (r < 0.98) {
            return policy("orchestrator_team = " + team + " AND orchestrator_tier != db", serviceQuery(provider), ports(provider),
                    Action.ALLOW, Rank.DEFAULT, 100);
        }
        return policy("role = bastion", serviceQuery(provider), ports(provider), Action.ALLOW, Rank.DEFAULT, 100);
    }

    private Service providerFor(String team) {
        List<Service> own = servicesByTeam.getOrDefault(team, List.of());
        return own.isEmpty() || random.nextInt(10) < 2 ? anyService() : own.get(random.nextInt(own.size()));
    }

    private Service anyService() {
        return allServices.get(random.nextInt(allServices.size()));
    }

    private String serviceQuery(Service s) {
        String byName = "orchestrator_system/service_name = " + s.name();
        return random.nextInt(10) < 3 ? "orchestrator_system/namespace = " + s.namespace() + " AND " + byName : byName;
    }

    private List<PortSpec> ports(Service s) {
        return random.nextInt(20) == 0 ? List.of(port("ANY")) : List.of(servicePort(s));
    }

    private static PortSpec servicePort(Service s) {
        return new PortSpec(Protocol.TCP, PortRange.single(s.ports().get(0).port()));
    }

    private Policy policy(String consumer, String provider, List<PortSpec> ports, Action action, Rank rank, int priority) {
        return new Policy(String.format("p-%05d", ++serial), Query.parse(consumer), Query.parse(provider), ports, action, rank, priority);
    }

    static PortSpec port(String text) {
        String[] parts = text.split(" ");
        Protocol protocol = Protocol.parse(parts[0]).orElseThrow();
        if (parts.length == 1) return new PortSpec(protocol, PortRange.NONE);
        return new PortSpec(protocol, PortRange.single(Integer.parseInt(parts[1])));
    }
}
