package io.microseg.bench;

/**
 * Hands out addresses from the ranges a cluster uses: node IPs from 10.0.0.0/16, pod IPs from the
 * pod CIDR 10.128.0.0/9 (8M addresses), ClusterIPs from 10.96.0.0/12, load-balancer IPs from
 * 172.16.0.0/12, hosts from 192.168.0.0/16 and external endpoints from 198.18.0.0/15.
 */
final class Addressing {
    private int nodes;
    private int pods;
    private int clusterIps;
    private int loadBalancers;
    private int hosts;
    private int external;

    String node() {
        return ipv4(10 << 24, ++nodes);
    }

    String pod() {
        return ipv4((10 << 24) | (128 << 16), ++pods);
    }

    String clusterIp() {
        return ipv4((10 << 24) | (96 << 16), ++clusterIps);
    }

    String loadBalancer() {
        return ipv4((172 << 24) | (16 << 16), ++loadBalancers);
    }

    String host() {
        return ipv4((192 << 24) | (168 << 16), ++hosts);
    }

    String external() {
        return ipv4((198 << 24) | (18 << 16), ++external);
    }

    /** The n-th address after {@code base}, skipping .0 and .255 so that every address looks like a host's. */
    private static String ipv4(int base, int n) {
        int host = (n / 254) * 256 + (n % 254) + 1;
        int ip = base + host;
        return ((ip >>> 24) & 0xff) + "." + ((ip >>> 16) & 0xff) + "." + ((ip >>> 8) & 0xff) + "." + (ip & 0xff);
    }
}
