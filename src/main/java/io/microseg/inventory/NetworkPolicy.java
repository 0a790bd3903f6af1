package io.microseg.inventory;

import io.microseg.net.Protocol;
import io.microseg.netpol.LabelSelector;

import java.util.List;

/**
 * A {@code networking.k8s.io/v1 NetworkPolicy}: the pods it selects, whether it isolates them for
 * ingress and for egress ({@code policyTypes} as written, or inferred: a policy always isolates for
 * ingress unless its types are given without Ingress, and for egress when it has egress rules), its
 * ingress rules and its egress rules (see docs/networkpolicy.md).
 */
public record NetworkPolicy(String cluster, String namespace, String name, LabelSelector podSelector,
                            boolean isolatesIngress, List<IngressRule> ingress, boolean isolatesEgress,
                            List<EgressRule> egress) implements KubernetesPolicy {
    public NetworkPolicy {
        ingress = List.copyOf(ingress);
        egress = List.copyOf(egress);
    }

    /** An ingress-only policy. */
    public NetworkPolicy(String cluster, String namespace, String name, LabelSelector podSelector,
                         boolean isolatesIngress, List<IngressRule> ingress) {
        this(cluster, namespace, name, podSelector, isolatesIngress, ingress, false, List.of());
    }

    @Override
    public String key() {
        return "networkpolicy/" + cluster + "/" + namespace + "/" + name;
    }

    /** The id rules derived from this policy carry: {@code netpol/<cluster>/<namespace>/<name>}. */
    @Override
    public String id() {
        return "netpol/" + cluster + "/" + namespace + "/" + name;
    }

    @Override
    public String title() {
        return "NetworkPolicy " + namespace + "/" + name;
    }

    /** One ingress rule: traffic from any of {@code from} (empty: from anywhere) to any of {@code ports} (empty: every port). */
    public record IngressRule(List<Peer> from, List<Port> ports) {
        public IngressRule {
            from = List.copyOf(from);
            ports = List.copyOf(ports);
        }
    }

    /**
     * One egress rule: traffic to any of {@code to} (empty: to anywhere) on any of {@code ports} (empty:
     * every port). A named port means, on each destination pod, the port its containers give that name.
     */
    public record EgressRule(List<Peer> to, List<Port> ports) {
        public EgressRule {
            to = List.copyOf(to);
            ports = List.copyOf(ports);
        }
    }

    /**
     * A peer: pods of the policy's namespace ({@code namespaces} null) or of the namespaces the
     * namespace selector selects, that the pod selector selects (null: every pod of those namespaces);
     * or, when {@code block} is given (and both selectors are null), the addresses of an ipBlock.
     */
    public record Peer(LabelSelector pods, LabelSelector namespaces, IpBlock block) {
        public Peer(LabelSelector pods, LabelSelector namespaces) {
            this(pods, namespaces, null);
        }
    }

    /** An ipBlock: the addresses of {@code cidr} but those of the {@code except} CIDRs (each inside {@code cidr}). */
    public record IpBlock(String cidr, List<String> except) {
        public IpBlock {
            except = List.copyOf(except);
        }
    }

    /**
     * A port entry: a protocol and a port number, or 0 for every port of the protocol; {@code endPort}
     * (0: none) makes it the range port..endPort; {@code name} (null: none) is a named port, which
     * means, on each selected pod, the port its containers declare under that name and protocol.
     */
    public record Port(Protocol protocol, int port, int endPort, String name) {
        public Port(Protocol protocol, int port) {
            this(protocol, port, 0, null);
        }

        /** Whether this numbered entry (not a named one) takes a connection on {@code protocol} to {@code number}. */
        public boolean covers(Protocol connection, int number) {
            return protocol == connection && (port == 0 || (number >= port && number <= Math.max(port, endPort)));
        }

        /** The compile JSON's spelling of a numbered entry: "80", "8000-8080", "" (every port). */
        public String ports() {
            if (port == 0) return "";
            return endPort == 0 || endPort == port ? Integer.toString(port) : port + "-" + endPort;
        }
    }
}
