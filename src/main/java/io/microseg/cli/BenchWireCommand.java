package io.microseg.cli;

import io.microseg.bench.WireBench;
import io.microseg.bench.WireOptions;
import io.microseg.compile.RuleBase;
import io.microseg.controlplane.Codec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench-wire", mixinStandardHelpOptions = true,
        description = {"Compares two forms of the rule feed on the live engine's output for a synthetic cluster (the options of bench): "
                + "expanded rules per workload, what the feed sends today, and policy rule templates with the workloads each applies to. "
                + "For every agent (or --agents of them), both forms of its snapshot and of its deltas for each kind of change: bytes, "
                + "server and agent CPU, heap held. The groups form is rebuilt into rules and must equal the feed's, or the run fails. "
                + "Prints one JSON object (docs/wire-forms.md).",
                "Give the JVM room for large clusters: java -Xmx8g -jar target/microseg.jar bench-wire --pods 150000 ..."})
final class BenchWireCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterShapeOptions cluster;

    @Option(names = "--agents", defaultValue = "0", description = "Agents measured, an even sample in name order; 0 for every one (default: ${DEFAULT-VALUE}).")
    int agents;

    @Option(names = "--samples", defaultValue = "20", description = "Measured changes per kind (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--warmup", defaultValue = "5", description = "Unmeasured changes per kind first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Override
    public Integer call() throws Codec.WireFormatException {
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> report = new WireBench(RuleBase.packaged(), line -> {
            err.println("bench-wire: " + line);
            err.flush();
        }).run(new WireOptions(cluster.shape(), cluster.seed, agents, samples, warmup));
        PrintWriter out = spec.commandLine().getOut();
        out.println(new String(Codec.bytes(report), StandardCharsets.UTF_8));
        out.flush();
        return 0;
    }
}
