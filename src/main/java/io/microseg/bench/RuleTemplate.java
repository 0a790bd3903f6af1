package io.microseg.bench;

import io.microseg.compile.CompilationAssembler;
import io.microseg.controlplane.CompiledRule;
import io.microseg.facts.FirewallRule;
import io.microseg.facts.GroupRule;
import io.microseg.facts.Workload;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;

import java.util.List;

/**
 * A rule without the workload it applies to: every field of a {@link CompiledRule} but {@code id} and
 * {@code workload} (and the justifications, which never travel: the feed keeps provenance on the server).
 * Rules of one agent that differ only by workload are one template; {@link #on} makes the rule of one
 * workload back, its id digested by the compiler's own {@link CompilationAssembler#idOf} over the same
 * fields, so an agent that receives templates and memberships renders exactly the rules the feed sends
 * today. The provenance an agent reads on a rule ({@code rule}, the DRL rule's name, and {@code policy})
 * is a template field, the same for every workload.
 *
 * <p>{@link #id} names the template on the wire: the same digest over the fields with an empty workload,
 * so that equal templates of different agents have one name.
 */
record RuleTemplate(Direction direction, Action action, Protocol protocol, String ports, String peerSet, String localSet,
                    String rule, String policy, Rank rank, int priority, Enforcement enforcement, boolean afterDnat) {

    static RuleTemplate of(CompiledRule r) {
        return new RuleTemplate(r.direction(), r.action(), r.protocol(), r.ports(), r.peerSet(), r.localSet(), r.rule(),
                r.policy(), r.rank(), r.priority(), r.enforcement(), r.afterDnat());
    }

    /** The template's name on the wire. */
    String id() {
        return digest("");
    }

    /** The rule of this template on one workload, as the feed sends it (no justifications). */
    CompiledRule on(String workload) {
        return new CompiledRule(digest(workload), workload, direction, action, protocol, ports, peerSet, localSet, rule, policy,
                rank, priority, List.of(), enforcement, afterDnat);
    }

    private String digest(String workload) {
        // the compiler digests a concrete rule fact: the template as a group rule on a workload that lands on itself
        GroupRule group = new GroupRule(null, direction, action, protocol, ports, peerSet, localSet, rank, priority, policy, rule,
                List.of(), enforcement, afterDnat);
        return CompilationAssembler.idOf(new FirewallRule(group, new Workload(workload, null, null, workload)));
    }
}
