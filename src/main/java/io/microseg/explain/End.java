package io.microseg.explain;

import io.microseg.inventory.Host;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Node;
import io.microseg.inventory.Pod;
import io.microseg.inventory.Service;

import java.util.List;

/**
 * One end of a flow, resolved: an inventory item (none for an address outside the inventory), the
 * address it was named by (null when named by id), and, for a service named by one of its addresses,
 * how that address reaches it. Ends are values; {@link EndNames} makes them from what a user typed.
 */
record End(Kind kind, String id, InventoryItem item, String ip, Access via) {

    enum Kind { HOST, NODE, POD, SERVICE, OUTSIDE }

    /** How a service was addressed, when named by one of its addresses. */
    enum Access { CLUSTER_IP, LOAD_BALANCER, NODE_PORT, HEADLESS, EXTERNAL_NAME }

    /** An address in no inventory: it has no agent and no rules of its own. */
    static End outside(String ip) {
        return new End(Kind.OUTSIDE, "outside " + ip, null, ip, null);
    }

    /** The end of an inventory item, named by {@code ip} (or null) and reached by {@code via} (or null). */
    static End of(InventoryItem item, String ip, Access via) {
        Kind kind = item instanceof Host ? Kind.HOST : item instanceof Node ? Kind.NODE : item instanceof Pod ? Kind.POD : Kind.SERVICE;
        return new End(kind, item.id(), item, ip, via);
    }

    boolean isWorkload() {
        return kind == Kind.HOST || kind == Kind.NODE || kind == Kind.POD;
    }

    List<String> ips() {
        return item == null ? (ip == null ? List.of() : List.of(ip)) : item.ips();
    }

    String cluster() {
        if (item instanceof Pod p) return p.cluster();
        if (item instanceof Node n) return n.cluster();
        if (item instanceof Service s) return s.cluster();
        return null;
    }

    /** This end's own address toward {@code toward}: the one it was named by, else one of the same family. */
    String addressToward(String toward) {
        if (ip != null) return ip;
        return sameFamily(ips(), toward == null ? List.of() : List.of(toward));
    }

    /** The first of {@code ips} in a family of {@code like} (IPv4 or IPv6), else the first; null when none. */
    static String sameFamily(List<String> ips, List<String> like) {
        if (ips.isEmpty()) return null;
        for (String l : like) {
            boolean v6 = l.contains(":");
            for (String ip : ips) if (ip.contains(":") == v6) return ip;
        }
        return ips.get(0);
    }
}
