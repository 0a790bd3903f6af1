package io.microseg.policy;

import io.microseg.policy.query.Query;

import java.util.List;

/**
 * A workspace: its policies produce rules only on workloads its scope selects, and its catch-all
 * decides what no policy matched. {@code source} names the file it came from, for error messages.
 */
public record Workspace(String name, Query scope, Action catchAllIngress, Action catchAllEgress,
                        List<Policy> policies, String source) {
    public Workspace {
        policies = List.copyOf(policies);
    }

    /** The id a policy is known by everywhere: {@code <workspace>/<policy id>}. */
    public String qualify(Policy policy) {
        return name + "/" + policy.id();
    }
}
