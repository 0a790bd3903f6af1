package io.microseg.compile;

import io.microseg.facts.FirewallRule;
import io.microseg.facts.GroupRule;
import io.microseg.facts.SetMember;
import io.microseg.facts.Warning;
import io.microseg.inventory.Inventory;
import io.microseg.policy.Workspace;
import org.kie.api.runtime.KieSession;

import java.util.ArrayList;
import java.util.List;

/**
 * The naive reference compile, the oracle the live engine is held to ({@code IncrementalEqualsFullTest}):
 * every query evaluated on every item ({@link FactProjection}), one fresh session, every fact inserted,
 * rules fired once, their groups expanded, query sets filled. The product compiles through the engine
 * ({@code io.microseg.engine.FullCompile}).
 */
public final class Compiler {
    private final RuleBase rules;

    public Compiler(RuleBase rules) {
        this.rules = rules;
    }

    public Compilation compile(Inventory inventory, List<Workspace> workspaces) {
        FactProjection.Projected projected = FactProjection.project(inventory, workspaces);
        KieSession session = rules.newSession();
        try {
            NodeCoverage coverage = new NodeCoverage();
            for (Object f : projected.facts()) {
                if (ObjectFacts.entersSession(f)) session.insert(f);
                coverage.fact(f, true);
            }
            coverage.settle((f, present) -> session.insert(f));
            session.fireAllRules();
            List<FirewallRule> derived = new ArrayList<>();
            List<SetMember> members = new ArrayList<>();
            List<Warning> warnings = new ArrayList<>();
            AppliedToGroups groups = new AppliedToGroups((rule, added) -> derived.add(rule));
            QuerySets querySets = new QuerySets((member, added) -> members.add(member), groups);
            for (Object f : projected.facts()) {
                groups.fact(f, true);
                querySets.fact(f, true);
                if (f instanceof SetMember m) members.add(m);
            }
            for (Object o : session.getObjects()) {
                if (o instanceof GroupRule r) groups.rule(r, true);
                else if (o instanceof SetMember m) members.add(m);
                else if (o instanceof Warning w) warnings.add(w);
            }
            groups.settle();
            return new CompilationAssembler(rules.sources(), projected.queries()).assemble(derived, members, warnings);
        } finally {
            session.dispose();
        }
    }
}
