package io.microseg.engine;

import io.microseg.compile.Compilation;

import java.util.Map;

/** The compiled rules as of one version, and which agent enforces each workload. */
public record Snapshot(long version, Compilation compilation, Map<String, String> placements) {
    public Snapshot {
        placements = Map.copyOf(placements);
    }
}
