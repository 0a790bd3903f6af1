package io.microseg.facts;

import io.microseg.policy.Action;
import io.microseg.policy.Enforcement;

/** A workspace's catch-all actions, applied on the workloads its scope selects, and the workspace's enforcement. */
public record CatchAll(String workspace, String scope, Action ingress, Action egress, Enforcement enforcement) {
    /** The policy id the catch-all rules carry. */
    public String policy() {
        return workspace + "/catch-all";
    }
}
