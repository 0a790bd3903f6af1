package io.microseg.facts;

/**
 * The workloads a rule is applied to, named by what makes them members rather than listed: "the
 * workloads the consumer query selects, inside the workspace's scope". The rules derive one rule per
 * group; {@link io.microseg.compile.AppliedToGroups} keeps each group's members and expands the rule
 * into a concrete rule on each of them (Antrea's applied-to groups), so that a pod coming or going
 * touches the groups it belongs to, not the session's joins.
 *
 * <p>Every group lies inside a workspace scope: a workspace's policies put rules only on workloads
 * its scope selects. {@code key} is what {@code members} needs besides the scope (a selector, a
 * cluster, a backend key); {@code cluster} narrows {@link Members#SELECTED_IN_CLUSTER}.
 */
public record AppliedTo(Members members, String key, String scope, String cluster) {

    /** What, besides being in the scope and having an address, makes a workload a member. */
    public enum Members {
        /** Every workload of the scope. */
        SCOPE,
        /** The workloads the query {@code key} selects. */
        SELECTED,
        /** The pods and nodes of {@code cluster} that the query {@code key} selects (hosts cannot route to a ClusterIP). */
        SELECTED_IN_CLUSTER,
        /** The nodes of cluster {@code key}. */
        NODES,
        /** The pods that back one service port on one target port ({@link #backendKey}). */
        BACKENDS
    }

    /** Every workload of a workspace's scope. */
    public static AppliedTo scope(String scope) {
        return new AppliedTo(Members.SCOPE, "", scope, null);
    }

    /** The workloads a query selects, inside a scope. */
    public static AppliedTo selected(String selector, String scope) {
        return new AppliedTo(Members.SELECTED, selector, scope, null);
    }

    /** The pods and nodes of one cluster that a query selects, inside a scope. */
    public static AppliedTo selectedInCluster(String selector, String scope, String cluster) {
        return new AppliedTo(Members.SELECTED_IN_CLUSTER, selector, scope, cluster);
    }

    /** The nodes of a cluster, inside a scope. */
    public static AppliedTo nodes(String cluster, String scope) {
        return new AppliedTo(Members.NODES, cluster, scope, null);
    }

    /** The pods that receive a service port's traffic on one target port, inside a scope. */
    public static AppliedTo backends(TargetPort t, String scope) {
        return new AppliedTo(Members.BACKENDS, backendKey(t.service(), t.portKey(), t.port()), scope, null);
    }

    /** The key of the pods behind one service port that listen on one target port. */
    public static String backendKey(String service, String portKey, int targetPort) {
        return service + "|" + portKey + "|" + targetPort;
    }
}
