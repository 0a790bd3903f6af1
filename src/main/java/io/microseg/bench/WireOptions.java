package io.microseg.bench;

/**
 * One run of the wire comparison: the cluster, the seed, how many agents to measure ({@code agents}, 0 for
 * every one; otherwise an even sample of the agents in name order), and how many changes of each kind
 * to measure after a warm-up.
 */
public record WireOptions(ClusterShape shape, long seed, int agents, int samples, int warmup) {
    public WireOptions {
        if (agents < 0 || samples < 1 || warmup < 0) {
            throw new IllegalArgumentException("agents and warm-up must not be negative, samples must be positive");
        }
    }
}
