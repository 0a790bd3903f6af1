package io.microseg.source;

import io.microseg.engine.Change;
import io.microseg.input.InputException;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.KubernetesPolicy;
import io.microseg.policy.Workspace;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides what every policy folder of one {@link FolderSource} delivers, together: every file whose
 * content differs from what the sink has, such that no workspace name (nor NetworkPolicy, nor
 * ClusterNetworkPolicy) is delivered by two files. A name two files want goes to the file that already
 * has it delivered, else to the first file in path order; the other file is refused whole, keeps what
 * it had delivered, and is tried again whenever policies change, so it gets through once the name is
 * let go. Files are decided together, so that two files swapping names in one save burst both get
 * through.
 */
final class PolicyDelivery {
    private final FolderOutput output;
    private final List<PolicyFolder> folders = new ArrayList<>();

    PolicyDelivery(FolderOutput output) {
        this.output = output;
    }

    void add(PolicyFolder folder) {
        folders.add(folder);
    }

    /** Why a file is refused: another file keeps or takes one of its names ({@link PolicyFile#names}). */
    private record Refusal(String name, PolicyFile owner) {}

    void deliver() {
        Map<Path, PolicyFile> all = new TreeMap<>();
        for (PolicyFolder folder : folders) {
            for (PolicyFile f : folder.files()) all.put(f.path, f);
        }
        Set<PolicyFile> accepted = new LinkedHashSet<>();
        for (PolicyFile f : all.values()) {
            if (f.pending()) accepted.add(f);
        }
        Map<PolicyFile, Refusal> refused = new LinkedHashMap<>();
        // Refusing a file only shrinks `accepted` and puts back names the delivered state held
        // without conflict, so this ends, at worst with everything refused.
        boolean changed = true;
        while (changed) {
            changed = false;
            Map<String, List<PolicyFile>> claims = new TreeMap<>();
            for (PolicyFile f : all.values()) {
                for (String name : f.names(accepted.contains(f))) claims.computeIfAbsent(name, n -> new ArrayList<>()).add(f);
            }
            for (Map.Entry<String, List<PolicyFile>> claim : claims.entrySet()) {
                List<PolicyFile> claimers = claim.getValue();
                if (claimers.size() < 2) continue;
                String name = claim.getKey();
                PolicyFile owner = claimers.stream().filter(f -> f.holds(name)).findFirst().orElse(claimers.get(0));
                for (PolicyFile f : claimers) {
                    if (f != owner && accepted.remove(f)) {
                        refused.put(f, new Refusal(name, owner));
                        changed = true;
                    }
                }
            }
        }
        for (PolicyFile f : accepted) {
            List<Workspace> wanted = f.wanted();
            if (f.delivered == null || !f.delivered.equals(wanted)) {
                f.delivered = wanted;
                output.emit(new Change.Workspaces(f.source, f.delivered));
            }
            List<KubernetesPolicy> policies = f.wantedPolicies();
            if (!f.deliveredPolicies.equals(policies)) {
                f.deliveredPolicies = policies;
                output.emit(new Change.Replace(f.source, List.<InventoryObject>copyOf(policies)));
            }
        }
        refused.forEach((f, r) -> f.report(new InputException(f.path.toString(), f.lines.getOrDefault(r.name(), 0),
                null, "metadata.name", "expected a " + (r.name().startsWith("workspace ") ? "workspace name" : r.name().substring(0, r.name().indexOf(' ')))
                + " no other file uses, found " + r.name() + " also in " + r.owner().path
                + "; this file's workspaces and policies are refused until one of the two is renamed"), output));
    }
}
