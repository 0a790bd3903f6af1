package io.microseg.policy;

import io.microseg.policy.query.Query;

import java.util.List;

/** One segmentation policy of a workspace: consumers may (ALLOW) or may not (DENY) reach providers on ports. */
public record Policy(String id, Query consumer, Query provider, List<PortSpec> ports, Action action, Rank rank,
                     int priority) {
    public Policy {
        ports = List.copyOf(ports);
    }
}
