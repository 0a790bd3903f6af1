package io.microseg.inventory;

import io.microseg.net.Protocol;
import io.microseg.netpol.LabelSelector;
import io.microseg.policy.Action;
import io.microseg.policy.Rank;

import java.util.List;

/**
 * A {@code policy.networking.k8s.io} ClusterNetworkPolicy (v1alpha2, or v1beta1 of the same schema), as
 * microseg enforces it (docs/clusternetworkpolicy.md): cluster-scoped, in tier {@code tier}
 * ({@link Rank#ADMIN} or {@link Rank#BASELINE}) at {@code priority} (0 to 1000, lower first), applying its
 * ingress and egress rules, each in the order written, to the pods {@code subject} selects.
 */
public record ClusterNetworkPolicy(String cluster, String name, Rank tier, int priority, Selection subject,
                                   List<Rule> ingress, List<Rule> egress) implements KubernetesPolicy {
    public ClusterNetworkPolicy {
        if (!tier.tier()) throw new IllegalArgumentException("a ClusterNetworkPolicy's tier is ADMIN or BASELINE, not " + tier);
        ingress = List.copyOf(ingress);
        egress = List.copyOf(egress);
    }

    @Override
    public String key() {
        return "clusternetworkpolicy/" + cluster + "/" + name;
    }

    /** The id rules derived from this policy carry: {@code cnp/<cluster>/<name>}. */
    @Override
    public String id() {
        return "cnp/" + cluster + "/" + name;
    }

    @Override
    public String title() {
        return "ClusterNetworkPolicy " + name;
    }

    /**
     * Pods of the namespaces {@code namespaces} selects that {@code pods} selects (null: every pod of those
     * namespaces): the API's {@code namespaces} selector (pods null) or {@code pods} (namespaceSelector and
     * podSelector). hostNetwork pods are never selected.
     */
    public record Selection(LabelSelector namespaces, LabelSelector pods) {}

    /**
     * One rule: {@code action} on the connections from (ingress) or to (egress) any of {@code peers} on any
     * of {@code ports} (empty: all traffic). {@code name} is the rule's own name, "" when it has none.
     */
    public record Rule(String name, Action action, List<Peer> peers, List<Port> ports) {
        public Rule {
            peers = List.copyOf(peers);
            ports = List.copyOf(ports);
        }
    }

    /** A peer: pods ({@code networks} null), or the addresses of CIDRs ({@code pods} null; egress only). */
    public record Peer(Selection pods, List<String> networks) {
        public Peer {
            if ((pods == null) == (networks == null)) throw new IllegalArgumentException("a peer is pods or networks");
            networks = networks == null ? null : List.copyOf(networks);
        }
    }

    /**
     * A protocols entry: {@code protocol} on port {@code start} (to {@code end}, equal for one port); or,
     * when {@code name} is not null (and {@code protocol} null), a destination named port: on each
     * destination pod, the number and protocol of its container port of that name.
     */
    public record Port(Protocol protocol, int start, int end, String name) {
        /** The compile JSON's spelling of a numbered entry: "80", "8000-8080". */
        public String ports() {
            return start == end ? Integer.toString(start) : start + "-" + end;
        }
    }
}
