package io.microseg.cli;

import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.explain.ClusterSafety;
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

    /** The inputs, compiled offline with the rules packaged in the jar, with the cluster-safety warnings. */
    record Compiled(Compilation compilation, Inventory inventory, List<Workspace> workspaces) {}

    Compiled compile() {
        Inventory inv = InventoryReader.read(inventory);
        List<Workspace> workspaces = PolicyReader.read(policies);
        Compilation c = new Compiler(RuleBase.packaged()).compile(inv, workspaces);
        return new Compiled(c.withWarnings(ClusterSafety.warnings(c, inv, workspaces)), inv, workspaces);
    }
}
