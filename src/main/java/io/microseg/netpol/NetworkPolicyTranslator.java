package io.microseg.netpol;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.microseg.inventory.NetworkPolicy;
import io.microseg.net.AddressIntervals;
import io.microseg.net.Protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Translates fabric8's NetworkPolicy into {@link NetworkPolicy}, strictly: a field microseg cannot
 * enforce is refused rather than ignored, because ignoring it would leave open what the policy
 * closes. {@link Rejected} names the field.
 */
public final class NetworkPolicyTranslator {
    private NetworkPolicyTranslator() {}

    /** A field that is wrong or not supported: {@code field} is its path, {@code expected} what would do. */
    public static final class Rejected extends IllegalArgumentException {
        private final String field;
        private final String expected;

        Rejected(String field, String expected) {
            super("field " + field + ": " + expected);
            this.field = field;
            this.expected = expected;
        }

        public String field() { return field; }
        public String expected() { return expected; }
    }

    public static NetworkPolicy translate(String cluster, io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy np) {
        var meta = np.getMetadata();
        if (meta == null || blank(meta.getName())) throw new Rejected("metadata.name", "expected the policy's name, found none");
        if (blank(meta.getNamespace())) {
            throw new Rejected("metadata.namespace", "expected the namespace of this NetworkPolicy, found none");
        }
        // spec and spec.podSelector are structs, not pointers, in the Kubernetes API: left out or null they
        // decode to their empty value, which the API server accepts. An empty podSelector selects every pod
        // of the namespace, so reading them the same way isolates exactly the pods the cluster isolates.
        NetworkPolicySpec spec = np.getSpec() == null ? new NetworkPolicySpec() : np.getSpec();
        LabelSelector subject = spec.getPodSelector() == null ? LabelSelector.EVERYTHING : selector(spec.getPodSelector(), "spec.podSelector");
        List<NetworkPolicyIngressRule> ingress = spec.getIngress() == null ? List.of() : spec.getIngress();
        List<NetworkPolicyEgressRule> egress = spec.getEgress() == null ? List.of() : spec.getEgress();
        boolean ingressType;
        boolean egressType;
        List<String> types = spec.getPolicyTypes();
        if (types == null || types.isEmpty()) {
            // inferred as the API server does: always Ingress, and Egress when there are egress rules
            ingressType = true;
            egressType = !egress.isEmpty();
        } else {
            ingressType = false;
            egressType = false;
            for (int i = 0; i < types.size(); i++) {
                String t = types.get(i);
                if ("Ingress".equals(t)) ingressType = true;
                else if ("Egress".equals(t)) egressType = true;
                else throw new Rejected("spec.policyTypes[" + i + "]", "expected Ingress or Egress, found '" + t + "'");
            }
        }
        if (!ingressType && !ingress.isEmpty()) {
            throw new Rejected("spec.ingress", "expected no ingress rules in a policy whose policyTypes leave out Ingress");
        }
        if (!egressType && !egress.isEmpty()) {
            throw new Rejected("spec.egress", "expected no egress rules in a policy whose policyTypes leave out Egress");
        }
        List<NetworkPolicy.IngressRule> rules = new ArrayList<>();
        for (int i = 0; i < ingress.size(); i++) {
            String at = "spec.ingress[" + i + "]";
            NetworkPolicyIngressRule r = ingress.get(i) == null ? new NetworkPolicyIngressRule() : ingress.get(i);
            rules.add(new NetworkPolicy.IngressRule(peers(r.getFrom(), at + ".from"), ports(r.getPorts(), at + ".ports")));
        }
        List<NetworkPolicy.EgressRule> egressRules = new ArrayList<>();
        for (int i = 0; i < egress.size(); i++) {
            String at = "spec.egress[" + i + "]";
            NetworkPolicyEgressRule r = egress.get(i) == null ? new NetworkPolicyEgressRule() : egress.get(i);
            egressRules.add(new NetworkPolicy.EgressRule(peers(r.getTo(), at + ".to"), ports(r.getPorts(), at + ".ports")));
        }
        return new NetworkPolicy(cluster, meta.getNamespace(), meta.getName(), subject, ingressType, rules, egressType, egressRules);
    }

    private static List<NetworkPolicy.Peer> peers(List<NetworkPolicyPeer> given, String at) {
        List<NetworkPolicy.Peer> out = new ArrayList<>();
        List<NetworkPolicyPeer> peers = given == null ? List.of() : given;
        for (int j = 0; j < peers.size(); j++) out.add(peer(peers.get(j), at + "[" + j + "]"));
        return out;
    }

    private static List<NetworkPolicy.Port> ports(List<NetworkPolicyPort> given, String at) {
        List<NetworkPolicy.Port> out = new ArrayList<>();
        List<NetworkPolicyPort> ports = given == null ? List.of() : given;
        for (int j = 0; j < ports.size(); j++) out.add(port(ports.get(j), at + "[" + j + "]"));
        return out;
    }

    private static NetworkPolicy.Peer peer(NetworkPolicyPeer p, String at) {
        if (p == null) throw new Rejected(at, "expected a peer with podSelector, namespaceSelector or ipBlock, found null");
        if (p.getIpBlock() != null) {
            if (p.getPodSelector() != null || p.getNamespaceSelector() != null) {
                throw new Rejected(at + ".ipBlock", "expected ipBlock alone in its peer, found it beside a selector");
            }
            return new NetworkPolicy.Peer(null, null, ipBlock(p.getIpBlock(), at + ".ipBlock"));
        }
        if (p.getPodSelector() == null && p.getNamespaceSelector() == null) {
            throw new Rejected(at, "expected podSelector, namespaceSelector or ipBlock, found none");
        }
        LabelSelector pods = p.getPodSelector() == null ? null : selector(p.getPodSelector(), at + ".podSelector");
        LabelSelector namespaces = p.getNamespaceSelector() == null ? null : selector(p.getNamespaceSelector(), at + ".namespaceSelector");
        return new NetworkPolicy.Peer(pods, namespaces);
    }

    /** An ipBlock as the API server validates it: a CIDR, and exceptions strictly inside it, of its family. */
    private static NetworkPolicy.IpBlock ipBlock(IPBlock b, String at) {
        String cidr = b.getCidr();
        AddressIntervals block = cidr(cidr, at + ".cidr");
        List<String> except = b.getExcept() == null ? List.of() : b.getExcept();
        for (int i = 0; i < except.size(); i++) {
            String e = except.get(i);
            AddressIntervals hole = cidr(e, at + ".except[" + i + "]");
            if (!block.intersect(hole).equals(hole) || hole.equals(block)) {
                throw new Rejected(at + ".except[" + i + "]", "expected a CIDR strictly inside " + cidr + ", found '" + e + "'");
            }
        }
        return new NetworkPolicy.IpBlock(cidr, except);
    }

    private static AddressIntervals cidr(String text, String at) {
        if (blank(text) || !text.contains("/")) throw new Rejected(at, "expected a CIDR such as 10.0.0.0/24, found '" + text + "'");
        try {
            return AddressIntervals.ofCidr(text);
        } catch (RuntimeException e) {
            throw new Rejected(at, "expected a CIDR such as 10.0.0.0/24, found '" + text + "'");
        }
    }

    private static NetworkPolicy.Port port(NetworkPolicyPort p, String at) {
        if (p == null) throw new Rejected(at, "expected a port entry, found null");
        String name = p.getProtocol() == null ? "TCP" : p.getProtocol();
        Protocol protocol = switch (name) {
            case "TCP" -> Protocol.TCP;
            case "UDP" -> Protocol.UDP;
            case "SCTP" -> Protocol.SCTP;
            default -> throw new Rejected(at + ".protocol", "expected TCP, UDP or SCTP, found '" + name + "'");
        };
        IntOrString port = p.getPort();
        Integer end = p.getEndPort();
        if (port == null) {
            if (end != null) throw new Rejected(at + ".endPort", "expected endPort only with a numbered port, found no port");
            return new NetworkPolicy.Port(protocol, 0);
        }
        if (port.getStrVal() != null) {
            if (end != null) throw new Rejected(at + ".endPort", "expected endPort only with a numbered port, found the named port '" + port.getStrVal() + "'");
            String portName = port.getStrVal();
            if (!PORT_NAME.matcher(portName).matches() || !portName.matches(".*[a-z].*")) {
                throw new Rejected(at + ".port", "expected a port number or an IANA service name (lower-case letters, digits, '-', at most 15), found '" + portName + "'");
            }
            return new NetworkPolicy.Port(protocol, 0, 0, portName);
        }
        int n = port.getIntVal() == null ? 0 : port.getIntVal();
        if (n < 1 || n > 65535) throw new Rejected(at + ".port", "expected a port in 1..65535, found " + n);
        if (end == null) return new NetworkPolicy.Port(protocol, n);
        if (end < n || end > 65535) throw new Rejected(at + ".endPort", "expected a port in " + n + "..65535 (not below port), found " + end);
        return new NetworkPolicy.Port(protocol, n, end, null);
    }

    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");

    private static LabelSelector selector(io.fabric8.kubernetes.api.model.LabelSelector s, String at) {
        Map<String, String> labels = s.getMatchLabels() == null ? Map.of() : s.getMatchLabels();
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (e.getValue() == null) throw new Rejected(at + ".matchLabels." + e.getKey(), "expected a label value, found null");
        }
        List<LabelSelector.Requirement> requirements = new ArrayList<>();
        List<LabelSelectorRequirement> exprs = s.getMatchExpressions() == null ? List.of() : s.getMatchExpressions();
        for (int i = 0; i < exprs.size(); i++) {
            String field = at + ".matchExpressions[" + i + "]";
            LabelSelectorRequirement r = exprs.get(i);
            if (r == null) throw new Rejected(field + ".key", "expected a label key, found none");
            requirements.add(requirement(field, r.getKey(), r.getOperator(), r.getValues() == null ? List.of() : r.getValues()));
        }
        return new LabelSelector(labels, requirements);
    }

    /** One matchExpressions entry as the API server validates it; {@code field} is where it is written. */
    static LabelSelector.Requirement requirement(String field, String key, String operator, List<String> values) {
        if (blank(key)) throw new Rejected(field + ".key", "expected a label key, found none");
        LabelSelector.Operator op;
        try {
            op = LabelSelector.Operator.valueOf(operator == null ? "" : operator);
        } catch (IllegalArgumentException e) {
            throw new Rejected(field + ".operator", "expected In, NotIn, Exists or DoesNotExist, found '" + operator + "'");
        }
        boolean set = op == LabelSelector.Operator.In || op == LabelSelector.Operator.NotIn;
        if (set && values.isEmpty()) throw new Rejected(field + ".values", "expected at least one value for " + op);
        if (!set && !values.isEmpty()) throw new Rejected(field + ".values", "expected no values for " + op + ", found " + values.size());
        return new LabelSelector.Requirement(key, op, values);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
