package io.microseg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.server.FeedBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;

/** {@code microseg bench-feed}: latency of the rule feed from an inventory change to the last watcher's delta. */
@Command(name = "bench-feed", mixinStandardHelpOptions = true,
        description = {"Benchmarks the rule feed: starts a real server in-process on loopback over a synthetic cluster (N nodes, "
                + "four pods per node, a NodePort service with backends on every node, the seed's policy and a catch-all), "
                + "opens W NDJSON watchers (W/N per node), applies a stream of inventory changes one at a time, and reports "
                + "the time from submitting each change until the last watcher that should get its delta has it (p50/p99/max), "
                + "deltas delivered, heap after GC, connected watchers and slow-consumer disconnects.",
                "Each watcher is one TCP connection on each side: allow about 2*W+100 open files (ulimit -n)."})
final class BenchFeedCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "200", description = "Nodes of the synthetic cluster (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--watchers", defaultValue = "1000", description = "Concurrent watch streams, spread over the nodes (default ${DEFAULT-VALUE}).")
    int watchers;

    @Option(names = "--changes", defaultValue = "500", description = "Inventory changes applied, one at a time (default ${DEFAULT-VALUE}).")
    int changes;

    @Option(names = "--spacing-ms", defaultValue = "20",
            description = "Pause after every watcher has a change's delta, before the next change (default ${DEFAULT-VALUE}).")
    long spacingMs;

    @Option(names = "--bookmark-interval-ms", defaultValue = "10000",
            description = "The server's bookmark interval, also the watchers' heartbeat (default ${DEFAULT-VALUE}).")
    long bookmarkMs;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default ${DEFAULT-VALUE}).")
    BenchFormat format;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (nodes < 1 || watchers < 1 || changes < 0 || spacingMs < 0 || bookmarkMs < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "expected --nodes >= 1, --watchers >= 1, --changes >= 0, --spacing-ms >= 0, --bookmark-interval-ms >= 1");
        }
        FeedBenchmark.Result r = FeedBenchmark.run(new FeedBenchmark.Settings(nodes, watchers, changes, Duration.ofMillis(spacingMs),
                Duration.ofMillis(bookmarkMs), line -> {
                    err.println(line);
                    err.flush();
                }));
        if (format == BenchFormat.json) out.println(new ObjectMapper().writeValueAsString(r.toMap()));
        else out.print(r.toText());
        out.flush();
        return 0;
    }
}
