package io.microseg.explain;

import io.microseg.controlplane.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.Justification;
import io.microseg.policy.Policy;
import io.microseg.policy.PortSpec;
import io.microseg.policy.Workspace;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Answers "why does this rule exist?" for every rule of one workload: the policy behind it, the DRL
 * rule that produced it (name, file:line) and the facts that matched, once per justification.
 */
public final class WorkloadExplanation {
    private WorkloadExplanation() {}

    public static String explain(Compilation compilation, List<Workspace> workspaces, String workload) {
        Map<String, AddressSet> sets = compilation.sets().stream().collect(Collectors.toMap(AddressSet::id, s -> s));
        Policies policies = new Policies(workspaces);
        List<CompiledRule> rules = compilation.rulesOf(workload);
        StringBuilder out = new StringBuilder(workload).append('\n');
        if (rules.isEmpty()) {
            out.append("  no rules: the workload is unknown, has no address yet, or no workspace's scope selects it\n");
            return out.toString();
        }
        int n = 0;
        for (CompiledRule r : rules) {
            out.append(String.format("%n  %d. ", ++n));
            rule(out, r, sets, policies, false);
        }
        return out.toString();
    }

    /** One rule by id, with the DRL source text of every rule that justifies it. */
    public static String explainRule(Compilation compilation, List<Workspace> workspaces, String ruleId) {
        Map<String, AddressSet> sets = compilation.sets().stream().collect(Collectors.toMap(AddressSet::id, s -> s));
        StringBuilder out = new StringBuilder();
        // one workload's rules made at a time, until the rule is found
        compilation.workloads().values().stream().flatMap(w -> w.rules().stream()).filter(r -> r.id().equals(ruleId)).findFirst().ifPresentOrElse(
                r -> rule(out.append(r.workload()).append("\n  "), r, sets, new Policies(workspaces), true),
                () -> out.append("no rule ").append(ruleId).append(" in this compile\n"));
        return out.toString();
    }

    private static void rule(StringBuilder out, CompiledRule r, Map<String, AddressSet> sets, Policies policies, boolean source) {
        out.append(String.format("%s %s %s %s %s  [rule %s]%n", r.direction(), r.action(), r.protocol(),
                r.ports().isEmpty() ? "*" : r.ports(), peer(r.peerSet(), sets), r.id()));
        out.append(String.format("     rank %s, priority %d, policy %s%n", r.rank(), r.priority(), r.policy()));
        Policy p = policies.byId.get(r.policy());
        Workspace ws = policies.owner.get(r.policy());
        if (ws != null) out.append("     workspace ").append(ws.name()).append(" (scope: ").append(ws.scope().text()).append(")\n");
        if (p != null) {
            out.append("     consumer: ").append(p.consumer().text()).append('\n');
            out.append("     provider: ").append(p.provider().text()).append('\n');
            out.append("     ports:    ").append(p.ports().stream().map(PortSpec::toString).collect(Collectors.joining(", ")))
                    .append(", action ").append(p.action()).append('\n');
        }
        for (Justification j : r.justifications()) {
            out.append("     because DRL rule \"").append(j.source().name()).append("\" (")
                    .append(j.source().location()).append(") matched ").append(String.join(", ", j.matched())).append('\n');
            if (source) j.source().text().lines().forEach(l -> out.append("       | ").append(l).append('\n'));
        }
    }

    /** Policies by their qualified id, and the workspace each belongs to (catch-alls included). */
    private static final class Policies {
        final Map<String, Policy> byId = new HashMap<>();
        final Map<String, Workspace> owner = new HashMap<>();

        Policies(List<Workspace> workspaces) {
            for (Workspace ws : workspaces) {
                owner.put(ws.name() + "/catch-all", ws);
                for (Policy p : ws.policies()) {
                    byId.put(ws.qualify(p), p);
                    owner.put(ws.qualify(p), ws);
                }
            }
        }
    }

    /**
     * The warnings that concern one workload: those that name it, and those of the (non-catch-all)
     * policies that have rules on it. Empty text when there are none.
     */
    public static String warnings(Compilation compilation, String workload) {
        List<io.microseg.facts.Warning> mine = compilation.warningsOf(workload);
        if (mine.isEmpty()) return "";
        StringBuilder out = new StringBuilder("\n  warnings:\n");
        for (io.microseg.facts.Warning w : mine) out.append("    ").append(w.policy()).append(": ").append(w.message()).append('\n');
        return out.toString();
    }

    private static String peer(String setId, Map<String, AddressSet> sets) {
        if (setId == null) return "any address";
        AddressSet s = sets.get(setId);
        String dir = "peer ";
        return s == null ? dir + setId : dir + setId + " (" + s.description() + ") {" + String.join(", ", s.members()) + "}";
    }
}
