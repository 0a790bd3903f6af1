package io.microseg.netpol;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.input.Document;
import io.microseg.inventory.ClusterNetworkPolicy;
import io.microseg.net.AddressIntervals;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Rank;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a {@code policy.networking.k8s.io} ClusterNetworkPolicy document strictly (fabric8 has no model
 * of it): every field of the spec is known, and a field microseg does not enforce (egress peers
 * {@code nodes} and {@code domainNames}) or does not know (a field of another version of the API, such as
 * the earlier {@code ports}) is an error naming it, never ignored, because ignoring it would change what
 * the policy accepts or denies. What the API server would refuse is refused too. {@code metadata} (but
 * a namespace) and {@code status} are not policy and are not read. The schema is that of
 * {@code apis/v1alpha2} (and {@code v1beta1}, the same) of kubernetes-sigs/network-policy-api.
 */
public final class CnpReader {
    private CnpReader() {}

    /** The API versions read: both have this one schema. */
    public static final Set<String> API_VERSIONS = Set.of("policy.networking.k8s.io/v1alpha2", "policy.networking.k8s.io/v1beta1");
    public static final String KIND = "ClusterNetworkPolicy";

    private static final int MAX_RULES = 25;
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");

    /** The policy of {@code doc}, in {@code cluster}; an {@link io.microseg.input.InputException} names file, line, object and field. */
    public static ClusterNetworkPolicy read(String cluster, Document doc) {
        try {
            return policy(cluster, doc.node());
        } catch (NetworkPolicyTranslator.Rejected e) {
            throw doc.error(e.field(), e.expected());
        }
    }

    private static ClusterNetworkPolicy policy(String cluster, JsonNode root) {
        only(root, "", "apiVersion", "kind", "metadata", "spec", "status");
        JsonNode meta = root.path("metadata");
        String name = meta.path("name").asText("");
        if (!meta.path("name").isTextual() || name.isBlank()) throw reject("metadata.name", "expected the policy's name, found none");
        if (meta.has("namespace")) {
            throw reject("metadata.namespace", "expected no namespace: a ClusterNetworkPolicy is cluster-scoped, found '" + meta.path("namespace").asText() + "'");
        }
        JsonNode spec = object(root.path("spec"), "spec", "the policy's spec");
        only(spec, "spec.", "tier", "priority", "subject", "ingress", "egress");
        Rank tier = switch (spec.path("tier").asText("")) {
            case "Admin" -> Rank.ADMIN;
            case "Baseline" -> Rank.BASELINE;
            default -> throw reject("spec.tier", "expected Admin or Baseline, found " + found(spec.path("tier")));
        };
        JsonNode p = spec.path("priority");
        if (!p.isIntegralNumber() || p.asLong() < 0 || p.asLong() > 1000) {
            throw reject("spec.priority", "expected an integer from 0 to 1000 (lower first within the tier), found " + found(p));
        }
        ClusterNetworkPolicy.Selection subject = oneSelection(object(spec.path("subject"), "spec.subject", "the pods the policy applies to"),
                "spec.subject", false);
        List<ClusterNetworkPolicy.Rule> ingress = rules(spec.path("ingress"), "spec.ingress", true);
        List<ClusterNetworkPolicy.Rule> egress = rules(spec.path("egress"), "spec.egress", false);
        return new ClusterNetworkPolicy(cluster, name, tier, p.asInt(), subject, ingress, egress);
    }

    private static List<ClusterNetworkPolicy.Rule> rules(JsonNode node, String at, boolean ingress) {
        List<ClusterNetworkPolicy.Rule> out = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) return out;
        if (!node.isArray()) throw reject(at, "expected a list of rules, found " + found(node));
        if (node.size() > MAX_RULES) throw reject(at, "expected at most " + MAX_RULES + " rules, found " + node.size());
        String peersField = ingress ? "from" : "to";
        for (int i = 0; i < node.size(); i++) {
            String f = at + "[" + i + "]";
            JsonNode r = object(node.get(i), f, "a rule with action and " + peersField);
            only(r, f + ".", "name", "action", peersField, "protocols");
            String name = r.path("name").asText("");
            if (name.length() > 100) throw reject(f + ".name", "expected at most 100 characters, found " + name.length());
            Action action = switch (r.path("action").asText("")) {
                case "Accept" -> Action.ALLOW;
                case "Deny" -> Action.DENY;
                case "Pass" -> Action.PASS;
                default -> throw reject(f + ".action", "expected Accept, Deny or Pass, found " + found(r.path("action")));
            };
            JsonNode peers = r.path(peersField);
            String pf = f + "." + peersField;
            if (!peers.isArray() || peers.isEmpty() || peers.size() > MAX_RULES) {
                throw reject(pf, "expected a list of 1 to " + MAX_RULES + " peers, found " + found(peers));
            }
            List<ClusterNetworkPolicy.Peer> list = new ArrayList<>();
            for (int j = 0; j < peers.size(); j++) list.add(peer(peers.get(j), pf + "[" + j + "]", ingress));
            List<ClusterNetworkPolicy.Port> ports = protocols(r.path("protocols"), f + ".protocols");
            if (list.stream().anyMatch(x -> x.networks() != null) && ports.stream().anyMatch(x -> x.name() != null)) {
                throw reject(f + ".protocols", "expected no destinationNamedPort in a rule with a networks peer: addresses have no named ports");
            }
            out.add(new ClusterNetworkPolicy.Rule(name, action, list, ports));
        }
        return out;
    }

    private static ClusterNetworkPolicy.Peer peer(JsonNode node, String at, boolean ingress) {
        object(node, at, "a peer");
        if (!ingress && node.has("nodes")) {
            throw reject(at + ".nodes", "expected namespaces, pods or networks: microseg does not enforce nodes peers of a ClusterNetworkPolicy yet,"
                    + " and ignoring one would change what the rule matches");
        }
        if (!ingress && node.has("domainNames")) {
            throw reject(at + ".domainNames", "expected namespaces, pods or networks: microseg does not enforce domainNames peers"
                    + " (they need a DNS-aware dataplane), and ignoring one would change what the rule matches");
        }
        if (ingress) only(node, at + ".", "namespaces", "pods");
        else only(node, at + ".", "namespaces", "pods", "networks");
        if (node.has("networks")) {
            if (node.size() != 1) throw reject(at, "expected exactly one of namespaces, pods or networks in a peer, found " + node.size());
            JsonNode n = node.get("networks");
            if (!n.isArray() || n.isEmpty() || n.size() > MAX_RULES) throw reject(at + ".networks", "expected a list of 1 to 25 CIDRs, found " + found(n));
            List<String> cidrs = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) {
                String f = at + ".networks[" + i + "]";
                String cidr = n.get(i).asText("");
                if (!n.get(i).isTextual() || !cidr.contains("/")) throw reject(f, "expected a CIDR such as 10.0.0.0/8 or fd00::/8, found " + found(n.get(i)));
                try {
                    AddressIntervals.ofCidr(cidr);
                } catch (RuntimeException e) {
                    throw reject(f, "expected a CIDR such as 10.0.0.0/8 or fd00::/8, found '" + cidr + "'");
                }
                if (cidrs.contains(cidr)) throw reject(f, "expected each CIDR once, found '" + cidr + "' twice");
                cidrs.add(cidr);
            }
            return new ClusterNetworkPolicy.Peer(null, cidrs);
        }
        return new ClusterNetworkPolicy.Peer(oneSelection(node, at, true), null);
    }

    /** A subject or a pod peer: exactly one of {@code namespaces} (a selector) and {@code pods}. */
    private static ClusterNetworkPolicy.Selection oneSelection(JsonNode node, String at, boolean peer) {
        if (!peer) only(node, at + ".", "namespaces", "pods");
        if (node.size() != 1) {
            throw reject(at, "expected exactly one of namespaces or pods" + (peer ? "" : " (the pods the policy applies to)") + ", found "
                    + (node.isEmpty() ? "none" : String.join(" and ", names(node))));
        }
        if (node.has("namespaces")) return new ClusterNetworkPolicy.Selection(selector(node.get("namespaces"), at + ".namespaces"), null);
        JsonNode pods = object(node.get("pods"), at + ".pods", "namespaceSelector and podSelector");
        only(pods, at + ".pods.", "namespaceSelector", "podSelector");
        if (!pods.has("podSelector")) throw reject(at + ".pods.podSelector", "expected a pod selector ({} selects every pod), found none");
        // namespaceSelector is optional: left out, it is the empty selector, every namespace
        LabelSelector namespaces = pods.has("namespaceSelector") ? selector(pods.get("namespaceSelector"), at + ".pods.namespaceSelector")
                : LabelSelector.EVERYTHING;
        return new ClusterNetworkPolicy.Selection(namespaces, selector(pods.get("podSelector"), at + ".pods.podSelector"));
    }

    private static LabelSelector selector(JsonNode node, String at) {
        if (node.isNull()) return LabelSelector.EVERYTHING;
        object(node, at, "a label selector (matchLabels, matchExpressions)");
        only(node, at + ".", "matchLabels", "matchExpressions");
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode ml = node.path("matchLabels");
        if (!ml.isMissingNode() && !ml.isNull()) {
            object(ml, at + ".matchLabels", "a mapping of label keys to values");
            for (Iterator<Map.Entry<String, JsonNode>> it = ml.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw reject(at + ".matchLabels." + e.getKey(), "expected a label value, found " + found(e.getValue()));
                }
                labels.put(e.getKey(), e.getValue().asText());
            }
        }
        List<LabelSelector.Requirement> requirements = new ArrayList<>();
        JsonNode me = node.path("matchExpressions");
        if (!me.isMissingNode() && !me.isNull()) {
            if (!me.isArray()) throw reject(at + ".matchExpressions", "expected a list of {key, operator, values}, found " + found(me));
            for (int i = 0; i < me.size(); i++) {
                String f = at + ".matchExpressions[" + i + "]";
                JsonNode r = object(me.get(i), f, "{key, operator, values}");
                only(r, f + ".", "key", "operator", "values");
                List<String> values = new ArrayList<>();
                JsonNode v = r.path("values");
                if (!v.isMissingNode() && !v.isNull()) {
                    if (!v.isArray()) throw reject(f + ".values", "expected a list of values, found " + found(v));
                    v.forEach(x -> values.add(x.asText()));
                }
                requirements.add(NetworkPolicyTranslator.requirement(f, r.path("key").asText(""), r.path("operator").asText(null), values));
            }
        }
        return new LabelSelector(labels, requirements);
    }

    /** The protocols of a rule: empty when there are none (the rule matches all traffic). */
    private static List<ClusterNetworkPolicy.Port> protocols(JsonNode node, String at) {
        List<ClusterNetworkPolicy.Port> out = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) return out;
        if (!node.isArray() || node.isEmpty() || node.size() > MAX_RULES) {
            throw reject(at, "expected a list of 1 to 25 entries ({tcp: ...}, {udp: ...}, {sctp: ...} or {destinationNamedPort: ...}), found " + found(node));
        }
        for (int i = 0; i < node.size(); i++) {
            String f = at + "[" + i + "]";
            JsonNode e = object(node.get(i), f, "one of tcp, udp, sctp or destinationNamedPort");
            only(e, f + ".", "tcp", "udp", "sctp", "destinationNamedPort");
            if (e.size() != 1) throw reject(f, "expected exactly one of tcp, udp, sctp or destinationNamedPort, found "
                    + (e.isEmpty() ? "none" : String.join(" and ", names(e))));
            if (e.has("destinationNamedPort")) {
                String name = e.get("destinationNamedPort").asText("");
                if (!e.get("destinationNamedPort").isTextual() || !PORT_NAME.matcher(name).matches() || !name.matches(".*[a-z].*")) {
                    throw reject(f + ".destinationNamedPort", "expected an IANA service name (lower-case letters, digits, '-', at most 15, with a letter), found "
                            + found(e.get("destinationNamedPort")));
                }
                out.add(new ClusterNetworkPolicy.Port(null, 0, 0, name));
                continue;
            }
            String key = names(e).get(0);
            Protocol protocol = Protocol.valueOf(key.toUpperCase(java.util.Locale.ROOT));
            JsonNode attrs = object(e.get(key), f + "." + key, "{destinationPort: {number: N} or {range: {start, end}}}");
            only(attrs, f + "." + key + ".", "destinationPort");
            String pf = f + "." + key + ".destinationPort";
            JsonNode port = object(attrs.path("destinationPort"), pf, "{number: N} or {range: {start: N, end: M}}");
            only(port, pf + ".", "number", "range");
            if (port.size() != 1) throw reject(pf, "expected exactly one of number or range, found " + (port.isEmpty() ? "none" : "both"));
            if (port.has("number")) {
                int n = portNumber(port.get("number"), pf + ".number");
                out.add(new ClusterNetworkPolicy.Port(protocol, n, n, null));
            } else {
                JsonNode range = object(port.get("range"), pf + ".range", "{start: N, end: M}");
                only(range, pf + ".range.", "start", "end");
                int start = portNumber(range.path("start"), pf + ".range.start");
                int end = portNumber(range.path("end"), pf + ".range.end");
                if (start >= end) throw reject(pf + ".range.end", "expected an end greater than start " + start + ", found " + end);
                out.add(new ClusterNetworkPolicy.Port(protocol, start, end, null));
            }
        }
        return out;
    }

    private static int portNumber(JsonNode n, String at) {
        if (!n.isIntegralNumber() || n.asInt() < 1 || n.asInt() > 65535) throw reject(at, "expected a port from 1 to 65535, found " + found(n));
        return n.asInt();
    }

    private static JsonNode object(JsonNode n, String at, String what) {
        if (!n.isObject()) throw reject(at, "expected " + what + ", found " + found(n));
        return n;
    }

    /** Refuses any field of {@code node} but {@code known}: a field of another API version, or a typo, changes what the policy means. */
    private static void only(JsonNode node, String prefix, String... known) {
        Set<String> ok = Set.of(known);
        for (String f : names(node)) {
            if (!ok.contains(f)) {
                String hint = f.equals("ports") ? " (this API version names ports in protocols: [{tcp: {destinationPort: {number: 80}}}])" : "";
                throw reject(prefix + f, "expected one of " + String.join(", ", known) + "; found the unknown field '" + f + "'" + hint);
            }
        }
    }

    private static List<String> names(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static String found(JsonNode n) {
        if (n == null || n.isMissingNode()) return "none";
        if (n.isTextual()) return "'" + n.asText() + "'";
        return n.toString();
    }

    private static NetworkPolicyTranslator.Rejected reject(String field, String expected) {
        return new NetworkPolicyTranslator.Rejected(field, expected);
    }
}
