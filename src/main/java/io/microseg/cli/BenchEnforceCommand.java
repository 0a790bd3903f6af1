package io.microseg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.bench.EnforceBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;

/** {@code microseg bench-enforce}: the agent's delta-to-applied latency and full resync, in real network namespaces. */
@Command(name = "bench-enforce", mixinStandardHelpOptions = true,
        description = {"Benchmarks the agent's nftables apply in real network namespaces (needs root, ip, nsenter and nft): a node's "
                + "namespace and --pods pod namespaces, the set nodes:<cluster> with --set-members members used by every pod, eight rules "
                + "per pod. Reports the time from a delta's arrival to its last nft transaction (p50/p99/max) for a member of the big set "
                + "added and removed, a rule of one pod added and removed, a pod added and removed, a full resync (a replacing "
                + "snapshot in which every table differs: every table re-created) and the resync of an unchanged node (a replacing "
                + "snapshot of the state in force: nothing re-created). The namespaces are deleted at the end.",
                "Exit codes: 0 done, 2 bad options, 3 this machine cannot run it (not root, nft or ip missing)."})
final class BenchEnforceCommand implements java.util.concurrent.Callable<Integer> {
    static final int UNAVAILABLE = 3;

    @Option(names = "--pods", defaultValue = "110", description = "Pod namespaces (default ${DEFAULT-VALUE}).")
    int pods;

    @Option(names = "--set-members", defaultValue = "5000", description = "Members of the set nodes:<cluster> (default ${DEFAULT-VALUE}).")
    int setMembers;

    @Option(names = "--samples", defaultValue = "200", description = "Samples of each kind of delta (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--warmup", defaultValue = "10",
            description = "Untimed rounds of every kind of delta before the samples of any, so that the figures are those of a running agent, "
                    + "not of the JIT compiling it (default ${DEFAULT-VALUE}; 0: a cold agent).")
    int warmup;

    @Option(names = "--resyncs", defaultValue = "10", description = "Full resyncs measured, and as many of an unchanged node (default ${DEFAULT-VALUE}).")
    int resyncs;

    @Option(names = "--apply-threads", defaultValue = "" + EnforceCommand.DEFAULT_APPLY_THREADS,
            description = "Namespaces applied at once, as the agent's --apply-threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--nft", defaultValue = "session",
            description = "How nft runs: session (one long-lived nft -i per namespace, as the agent does), process (one nft -f per "
                    + "transaction) or none (nothing applied: the agent's own work alone). Default: ${DEFAULT-VALUE}.")
    EnforceBenchmark.Nft nft;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default ${DEFAULT-VALUE}).")
    BenchFormat format;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (pods < 1 || setMembers < 1 || samples < 1 || resyncs < 1 || threads < 1 || warmup < 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "expected --pods, --set-members, --samples, --resyncs and --apply-threads of at least 1, --warmup of at least 0");
        }
        String why = EnforceBenchmark.unavailable();
        if (why != null) {
            err.println("error: bench-enforce cannot run here: " + why);
            return UNAVAILABLE;
        }
        EnforceBenchmark.Result r = EnforceBenchmark.run(new EnforceBenchmark.Settings(pods, setMembers, samples, warmup, resyncs, threads, nft, line -> {
            err.println(line);
            err.flush();
        }));
        if (format == BenchFormat.json) out.println(new ObjectMapper().writeValueAsString(r.toMap()));
        else out.print(r.toText());
        out.flush();
        return 0;
    }
}
