package io.microseg.bench;

/**
 * One bench run: the cluster, the seed, how many samples per kind of change (after a warm-up), and
 * how long to sustain churn in batches of {@code churnBatch} changes, and whether to measure the
 * output's own cost (which takes longer than the compile at 150k).
 */
public record BenchOptions(ClusterShape shape, long seed, int samples, int warmup, double churnSeconds, int churnBatch,
                           boolean measureOutput) {
    public BenchOptions {
        if (samples < 1 || warmup < 0 || churnSeconds < 0 || churnBatch < 1) {
            throw new IllegalArgumentException("samples and the churn batch must be positive, warm-up and churn time not negative");
        }
    }
}
