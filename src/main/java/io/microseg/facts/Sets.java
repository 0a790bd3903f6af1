package io.microseg.facts;

import io.microseg.controlplane.AddressSet;
import io.microseg.net.Protocol;

import java.util.Locale;

/**
 * Names of the address sets the rules use. A rule's peer is a set, so that a pod that comes or goes
 * changes set members, not every rule that mentions it. Query sets are named by their selector (see
 * {@link Selected}); these are the sets the service translation defines.
 */
public final class Sets {
    private Sets() {}

    /** "nodes of cluster K". */
    public static String nodes(String cluster) {
        return AddressSet.nodesOf(cluster);
    }

    /** "ClusterIPs of service S". */
    public static String clusterIps(String serviceId) {
        return "clusterip:" + strip(serviceId);
    }

    /** "load-balancer ingress IPs of service S". */
    public static String loadBalancer(String serviceId) {
        return "loadbalancer:" + strip(serviceId);
    }

    /** "pods of service S on TCP port P". */
    public static String backends(String serviceId, Protocol protocol, int targetPort) {
        return "backends:" + strip(serviceId) + ":" + protocol.name().toLowerCase(Locale.ROOT) + "/" + targetPort;
    }

    private static String strip(String serviceId) {
        return serviceId.startsWith("service/") ? serviceId.substring("service/".length()) : serviceId;
    }
}
