package io.microseg.inventory;

import io.microseg.net.Protocol;
import io.microseg.netpol.LabelSelector;

import java.util.List;

/**
 * A {@code networking.k8s.io/v1 NetworkPolicy}, as far as microseg enforces it: the pods it selects,
 * whether it isolates them for ingress ({@code policyTypes} as written, or inferred: a policy always
 * isolates for ingress unless its types are given without Ingress), and its ingress rules.
 * Egress rules are read and refused (see docs/networkpolicy.md).
 */
public record NetworkPolicy(String cluster, String namespace, String name, LabelSelector podSelector,
                            boolean isolatesIngress, List<IngressRule> ingress) implements InventoryObject {
    public NetworkPolicy {
        ingress = List.copyOf(ingress);
    }

    @Override
    public String key() {
        return "networkpolicy/" + cluster + "/" + namespace + "/" + name;
    }

    /** The id rules derived from this policy carry: {@code netpol/<cluster>/<namespace>/<name>}. */
    public String id() {
        return "netpol/" + cluster + "/" + namespace + "/" + name;
    }

    /** One ingress rule: traffic from any of {@code from} (empty: from anywhere) to any of {@code ports} (empty: every port). */
    public record IngressRule(List<Peer> from, List<Port> ports) {
        public IngressRule {
            from = List.copyOf(from);
            ports = List.copyOf(ports);
        }
    }

    /**
     * A peer: pods of the policy's namespace ({@code namespaces} null) or of the namespaces the
     * namespace selector selects, that the pod selector selects (null: every pod of those namespaces).
     */
    public record Peer(LabelSelector pods, LabelSelector namespaces) {}

    /** A port entry: a protocol and a port number, or 0 for every port of the protocol. */
    public record Port(Protocol protocol, int port) {
        public String ports() {
            return port == 0 ? "" : Integer.toString(port);
        }
    }
}
