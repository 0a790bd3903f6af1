package io.microseg.inventory;

import io.microseg.net.Protocol;

/** One port of a service. {@code name} may be null on single-port services; {@code nodePort} is null when none is allocated. */
public record ServicePort(String name, Protocol protocol, int port, TargetPort targetPort, Integer nodePort) {
    /** The key EndpointSlice ports use to refer to this service port. */
    public String key() {
        return name == null ? "" : name;
    }
}
