package io.microseg.cli;

import io.microseg.bench.ClusterShape;
import picocli.CommandLine.Option;

/** The synthetic cluster's options that {@code bench} and {@code bench-wire} share (a picocli mixin), and the shape they give. */
final class ClusterShapeOptions {
    @Option(names = "--pods", description = "Pods (default: 1000; Antrea shape: 100000).")
    Integer pods;

    @Option(names = "--nodes", description = "Nodes (default: pods / 30, at least 1; Antrea shape: 1000).")
    Integer nodes;

    @Option(names = "--services", description = "Services (default: pods / 15).")
    Integer services;

    @Option(names = "--policies", description = "Policies (default: pods / 75; Antrea shape: 75000).")
    Integer policies;

    @Option(names = "--antrea", description = "Antrea's scale test instead: 25k namespaces, 100k pods, 75k policies each selecting pods of one namespace.")
    boolean antrea;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the generator (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The cluster these options ask for. */
    ClusterShape shape() {
        return antrea ? ClusterShape.antrea(nodes == null ? 1000 : nodes)
                : ClusterShape.withUsualRatios(pods == null ? 1000 : pods, nodes, services, policies);
    }
}
