package io.microseg.bench;

import java.util.Arrays;

/** Latency samples of one kind of change, in nanoseconds; percentiles by nearest rank. */
final class Latencies {
    private long[] samples = new long[64];
    private int count;

    void add(long nanos) {
        if (count == samples.length) samples = Arrays.copyOf(samples, count * 2);
        samples[count++] = nanos;
    }

    int count() {
        return count;
    }

    /** The p-th percentile (0-100) in microseconds, or -1 without samples. */
    long percentileMicros(double p) {
        if (count == 0) return -1;
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        return nearestRank(sorted, p) / 1_000;
    }

    /** The p-th percentile (0-100) of non-empty {@code sorted} by nearest rank: the benches' one definition. */
    static long nearestRank(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
