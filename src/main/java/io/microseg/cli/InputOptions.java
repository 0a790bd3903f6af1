package io.microseg.cli;

import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** The inventory and policy folders an offline command reads. */
final class InputOptions {
    @Option(names = "--inventory", paramLabel = "DIR", defaultValue = "config/demo/inventory",
            description = "Folder of Kubernetes manifests, Cluster and Host documents (default: ${DEFAULT-VALUE}).")
    Path inventory;

    @Option(names = "--policies", paramLabel = "DIR", defaultValue = "config/demo/policies",
            description = "Folder of Workspace documents (default: ${DEFAULT-VALUE}).")
    Path policies;

    /** The inputs, compiled offline with the rules packaged in the jar. */
    record Compiled(Compilation compilation, List<Workspace> workspaces) {}

    Compiled compile() {
        Inventory inv = InventoryReader.read(inventory);
        List<Workspace> workspaces = PolicyReader.read(policies);
        return new Compiled(new Compiler(RuleBase.packaged()).compile(inv, workspaces), workspaces);
    }
}
