package io.microseg.compile;

import io.microseg.facts.FirewallRule;
import io.microseg.facts.SetMember;
import io.microseg.facts.Warning;
import io.microseg.inventory.Inventory;
import io.microseg.policy.Workspace;
import org.kie.api.runtime.KieSession;

import java.util.ArrayList;
import java.util.List;

/** A full compile: one fresh session, every fact inserted, rules fired once. */
public final class Compiler {
    private final RuleBase rules;

    public Compiler(RuleBase rules) {
        this.rules = rules;
    }

    public Compilation compile(Inventory inventory, List<Workspace> workspaces) {
        FactProjection.Projected projected = FactProjection.project(inventory, workspaces);
        KieSession session = rules.newSession();
        try {
            projected.facts().forEach(session::insert);
            session.fireAllRules();
            List<FirewallRule> derived = new ArrayList<>();
            List<SetMember> members = new ArrayList<>();
            List<Warning> warnings = new ArrayList<>();
            for (Object o : session.getObjects()) {
                if (o instanceof FirewallRule f) derived.add(f);
                else if (o instanceof SetMember m) members.add(m);
                else if (o instanceof Warning w) warnings.add(w);
            }
            return new CompilationAssembler(rules.sources(), projected.queries()).assemble(derived, members, warnings);
        } finally {
            session.dispose();
        }
    }
}
