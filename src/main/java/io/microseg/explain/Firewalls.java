package io.microseg.explain;

import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Pod;

/**
 * Whose firewall enforces a workload's rules: the workload's own, except a hostNetwork pod's, which
 * shares its node's network namespace and so its node's firewall (and rules).
 */
public final class Firewalls {
    private Firewalls() {}

    /** The id of the workload whose firewall enforces {@code item}'s traffic. */
    public static String enforcer(InventoryItem item) {
        if (item instanceof Pod p && p.hostNetwork() && p.nodeId() != null) return p.nodeId();
        return item.id();
    }
}
