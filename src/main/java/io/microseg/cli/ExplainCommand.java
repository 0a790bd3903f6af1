package io.microseg.cli;

import io.microseg.explain.WorkloadExplanation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Prints each rule of a workload with its provenance: policy, DRL rule (file:line) and matched facts.")
final class ExplainCommand implements Callable<Integer> {
    @Mixin
    InputOptions input;

    @Option(names = "--workload", paramLabel = "ID", required = true, description = "e.g. pod/demo/prod/web-0, node/demo/node-1, host/backup.")
    String workload;

    @Override
    public Integer call() {
        InputOptions.Compiled c = input.compile();
        System.out.print(WorkloadExplanation.explain(c.compilation(), c.workspaces(), workload));
        System.out.print(WorkloadExplanation.warnings(c.compilation(), workload));
        return 0;
    }
}
