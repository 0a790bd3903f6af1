package io.microseg.netpol;

import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.Labels;
import io.microseg.policy.query.Query;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pods of some namespaces of one cluster that a label selector selects: a NetworkPolicy's subject
 * or peer, as a query, so that it has a selector id and an address set like a workspace's queries.
 * {@code namespaces} is already resolved (a namespace selector is judged on the namespaces' labels
 * when the facts are projected), and {@code excluded} names pods ({@code namespace/name}) it never
 * selects: hostNetwork pods, which NetworkPolicy does not cover and whose rules would land on their
 * node. {@link #text} is for display and identity; it is not in the query syntax.
 */
public record PodSelection(String cluster, Set<String> namespaces, LabelSelector pods, Set<String> excluded) implements Query {
    public PodSelection {
        namespaces = java.util.Collections.unmodifiableSet(new TreeSet<>(namespaces));
        excluded = java.util.Collections.unmodifiableSet(new TreeSet<>(excluded));
    }

    @Override
    public boolean matches(Labels labels, List<String> ips) {
        if (!"pod".equals(labels.get(LabelKeys.WORKLOAD_TYPE).orElse(null))) return false;
        if (!cluster.equals(labels.get(LabelKeys.CLUSTER_NAME).orElse(null))) return false;
        String ns = labels.get(LabelKeys.NAMESPACE).orElse(null);
        if (ns == null || !namespaces.contains(ns)) return false;
        if (!excluded.isEmpty() && excluded.contains(ns + "/" + labels.get(LabelKeys.POD_NAME).orElse(""))) return false;
        return pods.matches(kubernetesLabels(labels));
    }

    /** A workload's imported labels as Kubernetes wrote them, without microseg's system labels. */
    public static Map<String, String> kubernetesLabels(Labels labels) {
        Map<String, String> plain = new HashMap<>();
        labels.values().forEach((k, v) -> {
            if (k.startsWith(LabelKeys.ORCHESTRATOR_PREFIX) && !k.startsWith("orchestrator_system/")) {
                plain.put(k.substring(LabelKeys.ORCHESTRATOR_PREFIX.length()), v);
            }
        });
        return plain;
    }

    @Override
    public String text() {
        String sel = pods.text();
        return "pods of cluster " + cluster + " in namespaces [" + String.join(",", namespaces) + "]"
                + (sel.isEmpty() ? "" : " with labels " + sel)
                + (excluded.isEmpty() ? "" : " except hostNetwork pods [" + String.join(",", excluded) + "]");
    }

    @Override
    public String toString() {
        return text();
    }
}
