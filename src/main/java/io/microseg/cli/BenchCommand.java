package io.microseg.cli;

import io.microseg.bench.Bench;
import io.microseg.bench.BenchOptions;
import io.microseg.bench.BenchReport;
import io.microseg.compile.RuleBase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Generates a synthetic cluster and measures the live engine on it: full compile time, heap after GC, "
                + "rules and sets, p50/p99 latency of single changes (pod add, delete, relabel, service type, endpoints, "
                + "policy add, delete), sustained churn, and how many rules and set members each agent receives per pod change.",
                "Give the JVM room for large clusters: java -Xmx4g -jar target/microseg.jar bench --pods 150000 ...",
                "-XX:+UseStringDeduplication (G1) lowers the heap after the compile by about 14%% at 150k pods: "
                        + "inventory ids and labels repeat as distinct strings (docs/scale.md)."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterShapeOptions cluster;

    @Option(names = "--samples", defaultValue = "200", description = "Measured changes per kind (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--warmup", defaultValue = "20", description = "Unmeasured changes per kind first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--churn-seconds", defaultValue = "10", description = "How long to sustain churn (default: ${DEFAULT-VALUE}).")
    double churnSeconds;

    @Option(names = "--churn-batch", defaultValue = "200", description = "Changes submitted per batch during churn (default: ${DEFAULT-VALUE}).")
    int churnBatch;

    @Option(names = "--skip-output", description = "Do not measure the output's cost (compile JSON, every agent's snapshot): "
            + "for runs after changes and churn only.")
    boolean skipOutput;

    @Option(names = "--format", defaultValue = "text", description = "text or json (one object on one line). Default: ${DEFAULT-VALUE}.")
    BenchFormat format;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BenchReport report = new Bench(RuleBase.packaged(), line -> {
            err.println("bench: " + line);
            err.flush();
        }).run(new BenchOptions(cluster.shape(), cluster.seed, samples, warmup, churnSeconds, churnBatch, !skipOutput));
        out.println(format == BenchFormat.json ? report.json() : report.text());
        out.flush();
        return 0;
    }
}
