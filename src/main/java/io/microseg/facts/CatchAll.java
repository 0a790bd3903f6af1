package io.microseg.facts;

import io.microseg.policy.Action;

/** A workspace's catch-all actions, applied on the workloads its scope selects. */
public record CatchAll(String workspace, String scope, Action ingress, Action egress) {
    /** The policy id the catch-all rules carry. */
    public String policy() {
        return workspace + "/catch-all";
    }
}
