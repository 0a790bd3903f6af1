package io.microseg.inventory;

import io.microseg.net.Protocol;

/**
 * One ready backend address of one service port, with the target port resolved for that backend
 * (from its EndpointSlice, or from the pod's container ports when the endpoints were derived from
 * the selector). {@code podName} is null for backends that are not pods.
 */
public record Endpoint(String cluster, String namespace, String service, String portKey, Protocol protocol,
                       int targetPort, String ip, String podName) {
    public String serviceId() {
        return "service/" + cluster + "/" + namespace + "/" + service;
    }

    /** The backend pod as a workload id, or null. */
    public String podId() {
        return podName == null ? null : "pod/" + cluster + "/" + namespace + "/" + podName;
    }
}
