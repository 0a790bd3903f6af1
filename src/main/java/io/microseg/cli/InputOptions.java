package io.microseg.cli;

import io.microseg.compile.Compilation;
import io.microseg.compile.RuleBase;
import io.microseg.engine.FullCompile;
import io.microseg.explain.ClusterSafety;
import io.microseg.facts.Warning;
import io.microseg.input.InputException;
import io.microseg.input.Wording;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyInputs;
import io.microseg.policy.Workspace;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The inventory and policy folders an offline command reads. */
final class InputOptions {
    @Option(names = "--inventory", paramLabel = "DIR", defaultValue = "config/demo/inventory",
            description = "Folder of Kubernetes manifests and dumps (YAML or JSON; kinds not used are skipped), Cluster and Host documents (default: ${DEFAULT-VALUE}).")
    Path inventory;

    @Option(names = "--policies", paramLabel = "DIR", defaultValue = "config/demo/policies",
            description = "Folder of Workspace documents, YAML or JSON (default: ${DEFAULT-VALUE}).")
    Path policies;

    /**
     * The inputs, compiled offline with the rules packaged in the jar (as the first batch of an engine: {@link FullCompile}), with the cluster-safety warnings
     * and a warning for each inventory file with kinds that were skipped.
     */
    record Compiled(Compilation compilation, Inventory inventory, List<Workspace> workspaces) {
        /**
         * Refuses a {@code --workload} the inventory does not have: a typo would otherwise print an empty
         * answer that reads like "no rules".
         */
        void requireWorkload(String id) {
            List<String> ids = new ArrayList<>();
            inventory.hosts().forEach(h -> ids.add(h.id()));
            inventory.nodes().forEach(n -> ids.add(n.id()));
            inventory.pods().forEach(p -> ids.add(p.id()));
            if (ids.contains(id)) return;
            String name = id.substring(id.lastIndexOf('/') + 1);
            String closest = Wording.closest(id, ids);
            List<String> similar = closest != null ? List.of(closest)
                    : ids.stream().filter(i -> !name.isEmpty() && i.endsWith("/" + name)).sorted().limit(3).toList();
            throw new InputException("--workload", 0, null, null, "expected a workload of the inventory (pod/<cluster>/<namespace>/<name>,"
                    + " node/<cluster>/<name> or host/<name>), found no " + id
                    + (similar.isEmpty() ? "" : " (did you mean " + Wording.listed(similar) + "?)"));
        }
    }

    /**
     * The inputs compiled into rules and sets only, without the cluster-safety analysis: for commands
     * that print no warnings and trace many flows (matrix).
     */
    Compiled compileRules() {
        PolicyInputs given = PolicyInputs.read(policies);
        InventoryReader.Read read = given.addTo(InventoryReader.readBoth(inventory, w -> {}));
        List<Workspace> workspaces = given.workspaces();
        return new Compiled(FullCompile.of(RuleBase.packaged(), read.objects(), workspaces), read.inventory(), workspaces);
    }

    Compiled compile() {
        List<Warning> skipped = new ArrayList<>();
        PolicyInputs given = PolicyInputs.read(policies);
        InventoryReader.Read read = given.addTo(InventoryReader.readBoth(inventory, w -> skipped.add(new Warning(Warning.INVENTORY, w))));
        Inventory inv = read.inventory();
        skipped.addAll(given.unknownClusters(inv));
        List<Workspace> workspaces = given.workspaces();
        Compilation c = FullCompile.of(RuleBase.packaged(), read.objects(), workspaces);
        return new Compiled(c.withWarnings(ClusterSafety.warnings(c, inv, workspaces)).withWarnings(skipped), inv, workspaces);
    }
}
