package io.microseg.policy;

import io.microseg.net.PortRange;
import io.microseg.net.Protocol;

/** One entry of a policy's {@code ports}: "TCP 27017", "UDP 53", "TCP 8000-8080", "ICMP" or "ANY". */
public record PortSpec(Protocol protocol, PortRange range) {
    /** Whether traffic of {@code protocol} to {@code port} falls under this spec. */
    public boolean covers(Protocol protocol, int port) {
        return (this.protocol == Protocol.ANY || this.protocol == protocol) && range.contains(port);
    }

    @Override
    public String toString() {
        return range.isNone() ? protocol.name() : protocol + " " + range;
    }
}
