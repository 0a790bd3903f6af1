package io.microseg.facts;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Enforcement;
import io.microseg.policy.PortSpec;
import io.microseg.policy.Rank;

/**
 * One port entry of one policy: "consumers may (not) reach providers on this protocol and ports",
 * with the selectors of the consumer query, provider query and workspace scope.
 * {@code ports} is the compile JSON's spelling ("27017", "8000-8080", "").
 */
public record PolicyPort(String policy, String workspace, String scope, String consumer, String provider,
                         Action action, Rank rank, int priority, Protocol protocol, String ports, PortSpec spec,
                         Enforcement enforcement)
        implements Grant {

    /** Whether this entry opens (or closes) a service port of that protocol and number. */
    public boolean covers(Protocol protocol, int port) {
        return spec.covers(protocol, port);
    }
}
