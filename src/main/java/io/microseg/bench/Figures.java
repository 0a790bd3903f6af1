package io.microseg.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Values of one measure (bytes, nanoseconds): count, total, p50, p99 and max, percentiles by nearest rank. */
final class Figures {
    private long[] values = new long[64];
    private int count;
    private long total;

    void add(long value) {
        if (count == values.length) values = Arrays.copyOf(values, count * 2);
        values[count++] = value;
        total += value;
    }

    long total() {
        return total;
    }

    long percentile(double p) {
        if (count == 0) return 0;
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        return Latencies.nearestRank(sorted, p);
    }

    long max() {
        return percentile(100);
    }

    /** {@code p50}, {@code p99}, {@code max}, {@code total}, each divided by {@code unit} (1 for bytes, 1000 for nanoseconds to microseconds). */
    Map<String, Object> summary(long unit) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", percentile(50) / unit);
        m.put("p99", percentile(99) / unit);
        m.put("max", max() / unit);
        m.put("total", total / unit);
        return m;
    }
}
