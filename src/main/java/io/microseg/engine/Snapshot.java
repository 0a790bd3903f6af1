package io.microseg.engine;

import io.microseg.compile.Compilation;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The compiled rules as of one version, which agent enforces each placed workload, and each placed
 * workload's addresses (both keyed by the same workload ids; see {@link Placement}).
 */
public record Snapshot(long version, Compilation compilation, Map<String, String> placements, Map<String, List<String>> addresses) {
    public Snapshot {
        placements = Map.copyOf(placements);
        addresses = Map.copyOf(addresses);
        if (!placements.keySet().equals(addresses.keySet())) {
            throw new IllegalArgumentException("placements and addresses must name the same workloads");
        }
    }

    /** A snapshot of the given placements. */
    public static Snapshot of(long version, Compilation compilation, Collection<Placement> placed) {
        Map<String, String> agents = new HashMap<>(placed.size());
        Map<String, List<String>> addresses = new HashMap<>(placed.size());
        for (Placement p : placed) {
            agents.put(p.workload(), p.agent());
            addresses.put(p.workload(), p.addresses());
        }
        return new Snapshot(version, compilation, agents, addresses);
    }
}
