package io.microseg.compile;

import io.microseg.facts.InScope;
import io.microseg.facts.ScopeHoldsAllNodes;
import io.microseg.facts.Workload;
import io.microseg.facts.WorkloadKind;
import io.microseg.inventory.Node;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Which workspace scopes select every node of a cluster ({@link ScopeHoldsAllNodes}), from the node
 * {@link Workload}s and the scopes' {@link InScope} selections of nodes, counted per scope and cluster.
 * The rules need this only to warn that a node-port policy's scope leaves out nodes
 * (rules/warnings.drl), so the scopes' selections stay out of the session.
 *
 * <p>Contract: tell it every presence change of {@link Workload} and {@link InScope} facts, in any
 * order; then {@link #settle} reports the {@link ScopeHoldsAllNodes} facts that came and went. It
 * recounts only after a node or a scope's selection of a node changed, which pod changes never do.
 */
public final class NodeCoverage {
    /** The cluster of each node workload, by id. */
    private final Map<String, String> clusterOf = new HashMap<>();
    /** The nodes each scope selects (whether or not they are workloads yet: the order of facts is free). */
    private final Map<String, Set<String>> nodesOf = new HashMap<>();
    private Set<ScopeHoldsAllNodes> held = new HashSet<>();
    private boolean changed;

    /** A fact came ({@code present}) or went; facts other than node workloads and scopes' selections of nodes are ignored. */
    public void fact(Object fact, boolean present) {
        if (fact instanceof Workload w && w.kind() == WorkloadKind.NODE) {
            if (present) clusterOf.put(w.id(), w.cluster());
            else clusterOf.remove(w.id());
            changed = true;
        } else if (fact instanceof InScope s && Node.isNodeId(s.item())) {
            if (present) {
                nodesOf.computeIfAbsent(s.scope(), k -> new HashSet<>()).add(s.item());
            } else {
                Set<String> nodes = nodesOf.get(s.scope());
                nodes.remove(s.item());
                if (nodes.isEmpty()) nodesOf.remove(s.scope());
            }
            changed = true;
        }
    }

    /** Reports each {@link ScopeHoldsAllNodes} that came ({@code true}) or went since the last call. */
    public void settle(BiConsumer<ScopeHoldsAllNodes, Boolean> listener) {
        if (!changed) return;
        changed = false;
        Map<String, Integer> inCluster = new HashMap<>();
        clusterOf.values().forEach(c -> inCluster.merge(c, 1, Integer::sum));
        Set<ScopeHoldsAllNodes> now = new HashSet<>();
        nodesOf.forEach((scope, nodes) -> {
            Map<String, Integer> selected = new HashMap<>();
            for (String node : nodes) {
                String cluster = clusterOf.get(node);
                if (cluster != null) selected.merge(cluster, 1, Integer::sum);
            }
            selected.forEach((cluster, n) -> {
                if (n.equals(inCluster.get(cluster))) now.add(new ScopeHoldsAllNodes(scope, cluster));
            });
        });
        for (ScopeHoldsAllNodes h : held) if (!now.contains(h)) listener.accept(h, false);
        for (ScopeHoldsAllNodes h : now) if (!held.contains(h)) listener.accept(h, true);
        held = now;
    }
}
