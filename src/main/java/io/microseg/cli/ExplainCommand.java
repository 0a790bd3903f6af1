package io.microseg.cli;

import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.explain.WorkloadExplanation;
import io.microseg.inventory.Inventory;
import io.microseg.policy.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
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
        Inventory inventory = input.readInventory();
        List<Workspace> workspaces = input.readPolicies();
        Compilation c = new Compiler(RuleBase.packaged()).compile(inventory, workspaces);
        System.out.print(WorkloadExplanation.explain(c, workspaces, workload));
        return 0;
    }
}
