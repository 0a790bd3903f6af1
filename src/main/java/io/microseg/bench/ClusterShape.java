package io.microseg.bench;

/**
 * How big a synthetic cluster is. {@code antrea} asks for the shape of Antrea's scale test instead of
 * a mixed cluster: many small namespaces, each with a few policies that select only its own pods.
 */
public record ClusterShape(int pods, int nodes, int services, int policies, int namespaces, boolean antrea) {
    public ClusterShape {
        if (pods < 1 || nodes < 1 || services < 0 || policies < 0 || namespaces < 1) {
            throw new IllegalArgumentException("a cluster needs at least one pod, node and namespace: " + pods + " pods, "
                    + nodes + " nodes, " + namespaces + " namespaces");
        }
    }

    /** A mixed cluster: about 300 pods per namespace, as in large multi-team clusters. */
    public static ClusterShape mixed(int pods, int nodes, int services, int policies) {
        return new ClusterShape(pods, nodes, services, policies, Math.max(2, pods / 300), false);
    }

    /**
     * A mixed cluster of {@code pods} pods where each count not given ({@code null}) takes its usual
     * ratio to the pods: a node per 30 pods, a service per 15, a policy per 75 (at least one of each).
     */
    public static ClusterShape withUsualRatios(int pods, Integer nodes, Integer services, Integer policies) {
        return mixed(pods, nodes != null ? nodes : Math.max(1, pods / 30), services != null ? services : Math.max(1, pods / 15),
                policies != null ? policies : Math.max(1, pods / 75));
    }

    /** Antrea's scale test: 25k namespaces, 100k pods, 75k policies each selecting pods of one namespace. */
    public static ClusterShape antrea(int nodes) {
        return new ClusterShape(100_000, nodes, 0, 75_000, 25_000, true);
    }
}
