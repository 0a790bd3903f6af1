package io.microseg.inventory;

/**
 * A Kubernetes policy object of one cluster: a NetworkPolicy or a ClusterNetworkPolicy. What policy
 * folders and messages need of either without knowing which: its cluster, the id its rules carry, and
 * how a person names it.
 */
public sealed interface KubernetesPolicy extends InventoryObject permits NetworkPolicy, ClusterNetworkPolicy {
    String cluster();

    /** The id rules derived from it carry: {@code netpol/...} or {@code cnp/...}. */
    String id();

    /** Its kind and name as people write them: "NetworkPolicy x/np", "ClusterNetworkPolicy deny-all". */
    String title();
}
