package io.microseg.policy;

import io.microseg.policy.query.Query;

import java.util.List;

/**
 * A workspace: its policies produce rules only on workloads its scope selects, and its catch-all
 * decides what no policy matched. {@code enforcement} says whether its DENY rules (catch-all included)
 * drop or are only audited ({@link Enforcement}). {@code source} names the file it came from, for
 * error messages.
 */
public record Workspace(String name, Query scope, Action catchAllIngress, Action catchAllEgress,
                        List<Policy> policies, String source, Enforcement enforcement) {
    public Workspace {
        policies = List.copyOf(policies);
        java.util.Objects.requireNonNull(enforcement, "enforcement");
    }

    /** An enforced workspace. */
    public Workspace(String name, Query scope, Action catchAllIngress, Action catchAllEgress, List<Policy> policies, String source) {
        this(name, scope, catchAllIngress, catchAllEgress, policies, source, Enforcement.ENFORCE);
    }

    /** The id a policy is known by everywhere: {@code <workspace>/<policy id>}. */
    public String qualify(Policy policy) {
        return name + "/" + policy.id();
    }
}
