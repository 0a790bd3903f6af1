package io.microseg.facts;

import io.microseg.net.Protocol;

/**
 * A ready endpoint of one service port: traffic for that port is delivered to {@code ip} on
 * {@code targetPort}, resolved for this backend. {@code pod} is the backend pod's workload id, or
 * null for an address that is not a pod (a service without a selector).
 */
public record Backend(String service, String portKey, Protocol protocol, int targetPort, String ip, String pod) {}
