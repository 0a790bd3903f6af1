package io.microseg.explain;

/**
 * The other end of a hop as the enforcing firewall sees it: how to name it, its address, and, when the
 * address is not known to the inventory because masquerade picks it among a node's own addresses, the
 * one set it counts as a member of.
 *
 * @param name     in words: a workload id, a service address, "outside ..."
 * @param address  the address a rule's peer set is matched against; null when not known
 * @param memberOf with a null address: the set the address is a member of (the agent puts the node's own
 *                 addresses in {@code nodes:<cluster>} in the node's and its pods' namespaces); null otherwise
 */
record Peer(String name, String address, String memberOf) {
    static Peer at(String name, String address) {
        return new Peer(name, address, null);
    }

    /** A node-local address of {@code nodeId} that masquerade picked, counted a member of {@code nodesSet} only. */
    static Peer masqueraded(String nodeId, String nodesSet) {
        return new Peer(nodeId + " (a pod-side address of the node, masquerade)", null, nodesSet);
    }
}
