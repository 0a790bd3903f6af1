package io.microseg.matrix;

import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.Justification;
import io.microseg.explain.FlowTrace;
import io.microseg.explain.Hop;
import io.microseg.explain.Verdict;

import java.util.List;
import java.util.Objects;

/**
 * Names who decided a flow, hop by hop as {@code trace} decides them: for one flow (a scenario's
 * truth-table cell that fails), and for each side of a flip (the same two ends, one trace per side).
 *
 * <p>The <em>deciding hop</em> of a denied flow is its first hop, in path order, that denies (none
 * when the flow is blocked outside the firewalls); of an allowed flow, its first hop that a rule
 * decided (every hop allows, so that is the first rule that let it through). For a flip, the DENY side
 * names its deciding hop. The ALLOW side names the rule that allowed the same hop (same step, same
 * enforcing workload, same direction), which is the rule the change took away or added; when the
 * ALLOW side has no such hop (the path itself changed, as an inventory edit may do), or when the DENY
 * side is blocked outside the firewalls, the ALLOW side names its own deciding hop.
 */
public final class Decider {
    private Decider() {}

    /** The deciding hop of one flow (above); null when none: blocked outside the firewalls, or no hop has a rule. */
    public static Hop decidingHop(FlowTrace t) {
        if (t.verdict() == Verdict.DENY) return t.hops().stream().filter(h -> h.verdict() == Verdict.DENY).findFirst().orElse(null);
        return t.hops().stream().filter(h -> h.rule() != null).findFirst().orElse(null);
    }

    /** Who decided one flow: its deciding hop's step, policy and DRL rules; all null when there is none. */
    public static Diff.By of(FlowTrace t) {
        Hop h = decidingHop(t);
        return h == null ? new Diff.By(null, null, null) : by(h);
    }

    /** Who decided each side of a flip: [before, after]; the traces' verdicts differ. */
    static Diff.By[] of(FlowTrace before, FlowTrace after) {
        if (before.verdict() == after.verdict()) throw new IllegalArgumentException("not a flip: both " + before.verdict());
        FlowTrace deny = before.verdict() == Verdict.DENY ? before : after;
        FlowTrace allow = deny == before ? after : before;
        Hop deciding = decidingHop(deny);
        Diff.By denyBy = deciding == null ? new Diff.By(null, null, null) : by(deciding);
        Hop same = deciding == null ? null : allow.hops().stream().filter(h -> sameHop(h, deciding)).findFirst().orElse(null);
        if (same == null) same = decidingHop(allow);
        Diff.By allowBy = same == null ? new Diff.By(null, null, null) : by(same);
        return deny == before ? new Diff.By[] {denyBy, allowBy} : new Diff.By[] {allowBy, denyBy};
    }

    private static boolean sameHop(Hop a, Hop b) {
        return a.step() == b.step() && a.direction() == b.direction() && Objects.equals(a.enforcer(), b.enforcer())
                && Objects.equals(a.workload(), b.workload());
    }

    private static Diff.By by(Hop h) {
        CompiledRule r = h.rule();
        return new Diff.By(h.step().words(), r == null ? null : r.policy(), r == null ? null : drlRules(r));
    }

    /** The DRL rules that made a concrete rule, from its justifications: distinct names, sorted, joined by {@code "; "}. */
    static String drlRules(CompiledRule r) {
        List<String> names = r.justifications().stream().map(Justification::source).filter(Objects::nonNull)
                .map(s -> s.name()).distinct().sorted().toList();
        return names.isEmpty() ? null : String.join("; ", names);
    }
}
