package io.microseg.cli;

import io.microseg.bench.ClusterShape;
import io.microseg.bench.KubectlDump;
import io.microseg.bench.SyntheticCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "bench-dump", mixinStandardHelpOptions = true,
        description = {"Writes the synthetic cluster bench measures as a user would feed it to compile: what "
                + "`kubectl get nodes,namespaces,pods,services,endpointslices,deployments,replicasets -A -o yaml` prints, in one "
                + "file, with realistic objects (managed fields, owner references, probes, status), plus its Cluster and Host "
                + "documents and its workspaces. The same --pods and --seed give the same files.",
                "Then: microseg compile --inventory OUT/inventory --policies OUT/policies"})
final class BenchDumpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Folder to write inventory/ and policies/ into.")
    Path out;

    @Option(names = "--pods", defaultValue = "6000", description = "Pods (default: ${DEFAULT-VALUE}).")
    int pods;

    @Option(names = "--nodes", description = "Nodes (default: pods / 30, at least 1).")
    Integer nodes;

    @Option(names = "--services", description = "Services (default: pods / 15).")
    Integer services;

    @Option(names = "--policies", description = "Policies (default: pods / 75).")
    Integer policies;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the generator (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Write `kubectl get -o json` output instead of YAML.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ClusterShape shape = ClusterShape.withUsualRatios(pods, nodes, services, policies);
        Path file = KubectlDump.write(SyntheticCluster.generate(shape, seed), seed, out, json);
        spec.commandLine().getOut().println("wrote " + file + " (" + Files.size(file) / (1024 * 1024) + " MiB), "
                + out.resolve("inventory") + " and " + out.resolve("policies"));
        return 0;
    }
}
