package io.microseg.controlplane;

import io.microseg.net.Addresses;

import java.util.List;
import java.util.Objects;

/**
 * A workload placed on an agent (the agent's own node or host, or a pod scheduled on its node) with
 * the addresses the inventory gives it, without repeats and in {@link Addresses#ORDER}. An agent
 * finds a pod's network namespace by these addresses. A workload without rules is a workload still;
 * a pod whose addresses are not known yet has none.
 */
public record Workload(String id, List<String> addresses) {
    public Workload {
        Objects.requireNonNull(id, "id");
        addresses = Addresses.canonical(addresses);
    }
}
