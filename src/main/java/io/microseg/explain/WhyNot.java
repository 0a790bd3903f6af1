package io.microseg.explain;

import io.microseg.controlplane.CompiledRule;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Labels;
import io.microseg.inventory.NamedPortMiss;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.inventory.ServiceType;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Policy;
import io.microseg.policy.PortSpec;
import io.microseg.policy.Rank;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.Expr;
import io.microseg.policy.query.Query;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Why a denying hop has no ALLOW rule that decides first, read from the policies. Every ALLOW policy
 * whose provider concerns the hop's destination (the service the flow addresses, the pod or workload
 * it reaches, or a service that pod is behind) is checked, and each gets the concrete reasons it
 * produced no matching rule here: ExternalName, service-versus-pod, a missing named port, the
 * workspace scope, the consumer query (with the source's closest label), the port; or, when it does
 * allow the flow, the earlier rule that decides first.
 */
final class WhyNot {
    private final Trace trace;
    private final NetpolWhyNot netpol;

    WhyNot(Trace trace) {
        this.trace = trace;
        this.netpol = new NetpolWhyNot(trace);
    }

    private enum Relation { SERVICE, WORKLOAD, SERVICE_OF_POD }

    /** How a policy's provider concerns the hop; {@code service} is the service it selects, if that is the relation. */
    private record Concern(Relation relation, Service service) {}

    List<String> reasons(Hop hop, HopContext ctx) {
        List<String> out = new ArrayList<>();
        CompiledRule decider = hop.rule();
        boolean isolated = NetpolWhyNot.isIsolation(decider);
        if (isolated) {
            String np = decider.policy().substring("netpol/".length(), decider.policy().lastIndexOf('/'));
            out.add("denied by the " + hop.direction().name().toLowerCase(java.util.Locale.ROOT) + " isolation of NetworkPolicy "
                    + np.substring(np.indexOf('/') + 1) + " (" + decider.policy() + ", " + decider.rank() + " " + decider.priority()
                    + "): a pod a NetworkPolicy selects " + (hop.direction() == io.microseg.policy.Direction.INGRESS ? "accepts" : "opens")
                    + " only the connections a rule of such a policy allows, and none of these does");
            out.addAll(netpol.reasons(hop));
        } else if (decider != null && decider.policy().startsWith("cnp/")) {
            String rule = decider.justifications().stream().flatMap(j -> j.matched().stream()).filter(m -> m.startsWith("rule:"))
                    .map(m -> m.substring("rule:".length())).findFirst().orElse("?");
            out.add("denied by ClusterNetworkPolicy " + decider.policy().substring(decider.policy().lastIndexOf('/') + 1) + ", rule " + rule
                    + " (" + decider.policy() + ", " + decider.rank() + " " + decider.priority() + "): "
                    + (decider.rank() == Rank.ADMIN ? "the Admin tier decides before every workspace policy and NetworkPolicy"
                    : "the Baseline tier decides what no workspace policy or NetworkPolicy decided"));
        } else if (decider != null && decider.rank() != Rank.CATCHALL) {
            Policy p = policy(decider.policy());
            out.add("denied by policy " + decider.policy() + " (" + decider.rank() + " " + decider.priority()
                    + (p == null ? "" : ", consumer: " + p.consumer().text() + ", provider: " + p.provider().text()) + ")");
        }
        boolean any = false;
        for (Workspace ws : trace.workspaces()) {
            for (Policy p : ws.policies()) {
                if (p.action() != Action.ALLOW) continue;
                Concern concern = concern(p, hop, ctx);
                if (concern == null) continue;
                any = true;
                out.add(ws.qualify(p) + ": " + String.join("; ", reasons(ws, p, concern, hop, ctx)));
            }
        }
        if (!any) {
            out.add("no " + (isolated ? "workspace " : "") + "ALLOW policy has a provider that selects " + (ctx.service() != null ? ctx.service().id()
                    : ctx.backend() != null ? ctx.backend().id() : ctx.dst().id()));
        }
        return out;
    }

    private Concern concern(Policy p, Hop hop, HopContext ctx) {
        Service svc = ctx.service();
        if (svc != null && selects(p.provider(), svc)) return new Concern(Relation.SERVICE, svc);
        List<InventoryItem> targets = new ArrayList<>();
        if (ctx.backend() != null) {
            if (ctx.backend().item() != null) targets.add(ctx.backend().item());
        } else if (svc != null) {
            targets.addAll(trace.kube().backendPods(svc));
        } else if (ctx.dst().item() != null) {
            targets.add(ctx.dst().item());
        }
        for (InventoryItem t : targets) {
            if (selects(p.provider(), t)) return new Concern(Relation.WORKLOAD, null);
        }
        if (svc == null && ctx.dst().item() instanceof Pod pod) {
            for (Service s : trace.inventory().services()) {
                if (!s.cluster().equals(pod.cluster()) || !s.namespace().equals(pod.namespace())) continue;
                boolean behind = trace.kube().backendPods(s).contains(pod) || trace.kube().selectedPods(s).contains(pod);
                if (behind && selects(p.provider(), s)) return new Concern(Relation.SERVICE_OF_POD, s);
            }
        }
        return null;
    }

    private List<String> reasons(Workspace ws, Policy p, Concern concern, Hop hop, HopContext ctx) {
        List<String> r = new ArrayList<>();
        Service svc = concern.service();
        End src = ctx.src();
        if (concern.relation() == Relation.SERVICE && svc.type() == ServiceType.ExternalName) {
            r.add(svc.id() + " is ExternalName: the policy generates no rules for it");
            return r;
        }
        if (concern.relation() == Relation.SERVICE_OF_POD) {
            Pod pod = (Pod) ctx.dst().item();
            for (NamedPortMiss m : trace.inventory().namedPortMisses()) {
                if (m.serviceId().equals(svc.id()) && m.podId().equals(pod.id())) {
                    r.add("the named target port is missing on that pod: " + pod.id() + " has no container port named "
                            + m.name() + ", so it is no endpoint of " + svc.id() + " and the policy gives it no rule");
                }
            }
            r.add("the policy opens the service, not the pod: the flow targets " + pod.id() + " directly, the policy's"
                    + " rules are for " + svc.id() + reachVia(svc));
        }
        if (concern.relation() == Relation.WORKLOAD && ctx.service() != null && hop.step() == Hop.Step.SOURCE_EGRESS
                && ctx.access() != End.Access.HEADLESS) {
            r.add("the policy opens the pods, not the service: the source's rule names the pods' addresses, not the "
                    + accessWords(ctx) + " of " + ctx.service().id() + " (make the provider orchestrator_system/service_name = "
                    + ctx.service().name() + ")");
        }
        InventoryItem subject = trace.names().item(hop.workload());
        if (subject != null && !ws.scope().matches(subject.labels(), subject.ips())) {
            if (hop.step() == Hop.Step.NODE_FORWARD || hop.step() == Hop.Step.ENTRY_NODE_INGRESS) {
                r.add("the scope of workspace " + ws.name() + " excludes the nodes (" + hop.workload() + "): no rule on them"
                        + (hop.step() == Hop.Step.NODE_FORWARD ? " forwards to the pods" : " accepts the consumers")
                        + "; NodePort and LoadBalancer policies belong in a workspace whose scope includes the nodes");
            } else {
                r.add("the scope of workspace " + ws.name() + " excludes " + hop.workload() + " (scope: " + ws.scope().text()
                        + "): the policy makes no rule on it");
            }
        }
        boolean consumerSide = hop.step() == Hop.Step.SOURCE_EGRESS || hop.step() == Hop.Step.ENTRY_NODE_INGRESS
                || (hop.step() == Hop.Step.DESTINATION_INGRESS && !ctx.snat());
        if (consumerSide && !selects(p.consumer(), src)) {
            r.add("consumer query did not match: " + closest(p.consumer(), src) + " (consumer: " + p.consumer().text() + ")");
        }
        if (concern.relation() == Relation.SERVICE && ctx.access() == End.Access.CLUSTER_IP
                && !((src.kind() == End.Kind.POD || src.kind() == End.Kind.NODE) && svc.cluster().equals(src.cluster()))) {
            r.add("a ClusterIP is reachable only from pods and nodes of cluster " + svc.cluster()
                    + ": the policy gives other consumers the node port or load-balancer address instead");
        }
        if (concern.relation() == Relation.SERVICE) {
            ServicePort sp = ctx.servicePort();
            if (sp == null) {
                r.add("port differs: the policy opens " + ports(p) + ", the flow is " + flowPort(hop.protocol(), ctx.requestedPort())
                        + ", which " + svc.id() + " does not have");
            } else if (p.ports().stream().noneMatch(ps -> ps.covers(sp.protocol(), sp.port()))) {
                boolean viaNodePort = sp.nodePort() != null && sp.nodePort() == ctx.requestedPort() && sp.port() != ctx.requestedPort();
                r.add("port differs: the policy opens " + ports(p) + ", the flow is " + flowPort(sp.protocol(), sp.port())
                        + (viaNodePort ? " (service port of node port " + sp.nodePort() + ")" : ""));
            }
        } else if (concern.relation() == Relation.WORKLOAD) {
            if (p.ports().stream().noneMatch(ps -> ps.covers(hop.protocol(), hop.port()))) {
                r.add("port differs: the policy opens " + ports(p) + ", the flow is " + flowPort(hop.protocol(), hop.port()));
            }
        }
        if (r.isEmpty()) r.add(decidedEarlier(ws, p, hop));
        return r;
    }

    /** A policy that would allow the hop: its rule comes after the deciding one, or it made none that matches. */
    private String decidedEarlier(Workspace ws, Policy p, Hop hop) {
        List<CompiledRule> mine = trace.rules().rulesOf(hop.enforcer()).stream().filter(x -> x.direction() == hop.direction()).toList();
        for (int i = 0; i < mine.size(); i++) {
            CompiledRule x = mine.get(i);
            if (x.policy().equals(ws.qualify(p)) && trace.rules().matches(x, hop)) {
                CompiledRule d = hop.rule();
                return "it allows this (rule " + (i + 1) + " of " + mine.size() + " on " + hop.enforcer() + "), but rule "
                        + hop.position() + " decides first: " + (d == null ? "?" : d.action() + " " + d.rank() + " "
                        + d.priority() + " of " + d.policy());
            }
        }
        return "it should allow this, but made no matching rule on " + hop.enforcer() + " (see the compile warnings)";
    }

    private String reachVia(Service svc) {
        List<String> ways = new ArrayList<>();
        for (ServicePort sp : svc.ports()) {
            if (!svc.clusterIps().isEmpty()) ways.add("ClusterIP " + svc.clusterIps().get(0) + ":" + sp.port());
            if (sp.nodePort() != null) ways.add("node port " + sp.nodePort());
            if (!svc.loadBalancerIps().isEmpty()) ways.add("load balancer " + svc.loadBalancerIps().get(0) + ":" + sp.port());
        }
        return ways.isEmpty() ? "" : "; reach it through " + String.join(" or ", ways);
    }

    private static String accessWords(HopContext ctx) {
        return switch (ctx.access()) {
            case CLUSTER_IP -> "ClusterIP";
            case LOAD_BALANCER -> "load-balancer address";
            case NODE_PORT -> "node port on the nodes";
            default -> "address";
        };
    }

    /**
     * The source's label closest to what the query asks: a label the query compares that the source
     * has with another value ("orchestrator_environment = development, the query wants
     * orchestrator_environment = production"), else the labels it lacks, else its address.
     */
    static String closest(Query query, End src) {
        Labels labels = src.item() == null ? Labels.EMPTY : src.item().labels();
        List<String> ips = src.ips();
        List<Expr.Compare> terms = new ArrayList<>();
        List<Expr.InSubnet> subnets = new ArrayList<>();
        if (query instanceof Expr e) collect(e, false, terms, subnets);
        for (Expr.Compare c : terms) {
            Optional<String> v = labels.get(c.key());
            if (v.isPresent() && !c.matches(labels, ips)) {
                return c.key() + " = " + v.get() + " on " + src.id() + ", the query wants " + c.text();
            }
        }
        Set<String> missing = terms.stream().filter(c -> labels.get(c.key()).isEmpty()).map(Expr.Compare::key)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        if (!subnets.isEmpty() && missing.isEmpty()) {
            return src.id() + " has address " + String.join(", ", ips) + ", not in " + subnets.get(0).text().replace("address in subnet ", "");
        }
        if (!missing.isEmpty()) {
            return src.id() + (src.item() == null ? " has no labels" : " has no label " + String.join(" or ", missing));
        }
        return src.id() + " is not selected";
    }

    /** The positive comparisons and subnets of a query, in order (those under NOT are skipped). */
    private static void collect(Expr e, boolean negated, List<Expr.Compare> terms, List<Expr.InSubnet> subnets) {
        if (e instanceof Expr.Or or) or.operands().forEach(x -> collect(x, negated, terms, subnets));
        else if (e instanceof Expr.And and) and.operands().forEach(x -> collect(x, negated, terms, subnets));
        else if (e instanceof Expr.Not not) collect(not.operand(), !negated, terms, subnets);
        else if (e instanceof Expr.Compare c && !negated && c.operator() != Expr.Operator.NOT_EQUALS) terms.add(c);
        else if (e instanceof Expr.InSubnet s && !negated) subnets.add(s);
    }

    private static boolean selects(Query q, InventoryItem item) {
        return q.matches(item.labels(), item.ips());
    }

    private static boolean selects(Query q, End e) {
        return e.item() == null ? q.matches(Labels.EMPTY, e.ips()) : selects(q, e.item());
    }

    private Policy policy(String qualified) {
        for (Workspace ws : trace.workspaces()) {
            for (Policy p : ws.policies()) if (ws.qualify(p).equals(qualified)) return p;
        }
        return null;
    }

    private static String ports(Policy p) {
        return p.ports().stream().map(PortSpec::toString).collect(Collectors.joining(", "));
    }

    private static String flowPort(Protocol protocol, int port) {
        return protocol.hasPorts() ? protocol + " " + port : protocol.name();
    }
}
