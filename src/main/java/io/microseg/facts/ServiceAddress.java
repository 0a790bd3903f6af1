package io.microseg.facts;

/** A virtual address of a service: a ClusterIP, or a load balancer's ingress IP. */
public record ServiceAddress(String service, Role role, String ip) {
    public enum Role { CLUSTER_IP, LOAD_BALANCER }
}
