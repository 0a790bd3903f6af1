package io.microseg.cli;

import io.microseg.explain.WorkloadExplanation;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Prints each rule of a workload, or one rule, with its provenance: policy, DRL rule (file:line, and its source for one rule) and matched facts.")
final class ExplainCommand implements Callable<Integer> {
    @Mixin
    InputOptions input;

    /** One of the two: every rule of a workload, or one rule with the DRL source of each justification. */
    static final class Target {
        @Option(names = "--workload", paramLabel = "ID", required = true, description = "Every rule of a workload, e.g. pod/demo/data/db-0, node/demo/node-1, host/backup-prod.")
        String workload;

        @Option(names = "--rule", paramLabel = "ID", required = true, description = "One rule by its id (as compile and the feed print it), with the DRL source text.")
        String rule;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Override
    public Integer call() {
        InputOptions.Compiled c = input.compile();
        if (target.rule != null) {
            System.out.print(WorkloadExplanation.explainRule(c.compilation(), c.workspaces(), target.rule));
            return 0;
        }
        c.requireWorkload(target.workload);
        System.out.print(WorkloadExplanation.explain(c.compilation(), c.workspaces(), target.workload));
        System.out.print(WorkloadExplanation.warnings(c.compilation(), target.workload));
        return 0;
    }
}
