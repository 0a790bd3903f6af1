package io.microseg.matrix;

import io.microseg.controlplane.CompiledRule;
import io.microseg.explain.Firewalls;
import io.microseg.explain.SetIndex;
import io.microseg.inventory.Host;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Everything a trace can tell about a workload, at either end of a flow: two workloads with equal keys
 * get the same verdict toward every destination and from every source.
 *
 * <p>Why these three parts suffice: a trace ({@code io.microseg.explain.KubeProxyPaths}) uses a workload
 * only through (1) its shape: its kind, its cluster (a service's ClusterIP is for its own cluster), the
 * firewall that enforces it (a hostNetwork pod's node), and, for a node as destination, its identity
 * (traffic to its node ports enters there: masquerade to its own pods, its load-balancer local sets);
 * as a source a node's identity only decides whether it sends to itself, which is no cell; (2) the
 * rules of that firewall, in evaluation order, which decide its hops; (3) its addresses, in order,
 * through their family (which address of the other end is used) and the address sets holding them
 * (the only thing a rule's peer or local set asks of an address). Names, labels and placement of a
 * pod decide nothing on its own hops: labels already act through set memberships and scopes through
 * rules.
 *
 * @param shape     kind and cluster; the enforcing node for a hostNetwork pod; the node's id for a node as destination
 * @param rules     the enforcer's rules in evaluation order, without their ids, workloads and provenance
 * @param addresses per address in order: its family and the sets that hold it
 */
record ClassKey(String shape, List<RuleShape> rules, List<AddressShape> addresses) {

    /**
     * What decides a hop in a rule; {@code policy}, rank, priority and the DRL rules that made it
     * ({@code drlRules}, from its justifications) so that the members of one class are decided by the
     * same policies and DRL rules, which the impact diff names ({@link Decider}).
     */
    record RuleShape(Direction direction, Action action, Protocol protocol, String ports, String peerSet, String localSet,
                     String policy, Rank rank, int priority, String drlRules) {
        static RuleShape of(CompiledRule r) {
            return new RuleShape(r.direction(), r.action(), r.protocol(), r.ports(), r.peerSet(), r.localSet(), r.policy(),
                    r.rank(), r.priority(), Decider.drlRules(r));
        }
    }

    /** An address as rules see it: IPv6 or not, and the ids of the sets that hold it. */
    record AddressShape(boolean v6, Set<String> sets) {}

    /**
     * The key of a workload as a source, or as a destination when {@code destination}; {@code rulesOf}
     * gives a workload's compiled rules in evaluation order.
     */
    static ClassKey of(InventoryItem w, boolean destination, Function<String, List<CompiledRule>> rulesOf, SetIndex sets) {
        String enforcer = Firewalls.enforcer(w);
        String shape;
        if (w instanceof Host) shape = "host";
        else if (w instanceof Node n) shape = destination ? n.id() : "node " + n.cluster();
        else if (w instanceof Pod p) shape = "pod " + p.cluster() + (enforcer.equals(p.id()) ? "" : " enforced on " + enforcer);
        else throw new IllegalArgumentException("not a workload: " + w.id());
        List<RuleShape> rules = rulesOf.apply(enforcer).stream().map(RuleShape::of).toList();
        List<AddressShape> addresses = w.ips().stream().map(ip -> new AddressShape(ip.contains(":"), sets.holding(ip))).toList();
        return new ClassKey(shape, rules, addresses);
    }
}
