package io.microseg.controlplane;

import java.util.List;

/** A named set of addresses (IPs or CIDRs) that rules use as their peer. */
public record AddressSet(String id, String description, List<String> members) {
    public AddressSet {
        members = List.copyOf(members);
    }

    /** The id of the set "nodes of cluster K", to which an agent adds its node's own addresses. */
    public static String nodesOf(String cluster) {
        return "nodes:" + cluster;
    }
}
