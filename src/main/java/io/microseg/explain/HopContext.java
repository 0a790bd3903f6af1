package io.microseg.explain;

import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;

/**
 * What the "why" of one hop needs to know about the flow it belongs to ({@link WhyNot}).
 *
 * @param src           the flow's source
 * @param dst           the destination as addressed: a workload, or a service at one of its addresses
 * @param service       the service the flow goes through, or null
 * @param servicePort   the service port it uses, or null (the service has no such port)
 * @param access        how the service is reached (ClusterIP, node port, ...), or null
 * @param backend       the backend this hop leads to, or null (the source's egress to a service)
 * @param snat          whether the backend sees an address of a node instead of the source's
 * @param requestedPort the port as the source addressed it
 */
record HopContext(End src, End dst, Service service, ServicePort servicePort, End.Access access, End backend,
                  boolean snat, int requestedPort) {}
