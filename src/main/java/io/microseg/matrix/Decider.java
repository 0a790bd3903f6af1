package io.microseg.matrix;

import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.Justification;
import io.microseg.explain.FlowTrace;
import io.microseg.explain.Hop;
import io.microseg.explain.Verdict;

import java.util.List;
import java.util.Objects;

/**
 * Names who decided each side of a flip, from the two traces of the same flow (the same two ends,
 * one trace per side), hop by hop as {@code trace} decides them.
 *
 * <p>The <em>deciding hop</em> is the first hop, in path order, that denies on the DENY side. The
 * DENY side names the rule that denied there. The ALLOW side names the rule that allowed the same hop
 * (same step, same enforcing workload, same direction), which is the rule the change took away or
 * added; when the ALLOW side has no such hop (the path itself changed, as an inventory edit may do),
 * or when the DENY side is blocked outside the firewalls (no hop denies), the ALLOW side names its
 * first hop that a rule decided.
 */
final class Decider {
    private Decider() {}

    /** Who decided each side of a flip: [before, after]; the traces' verdicts differ. */
    static Diff.By[] of(FlowTrace before, FlowTrace after) {
        if (before.verdict() == after.verdict()) throw new IllegalArgumentException("not a flip: both " + before.verdict());
        FlowTrace deny = before.verdict() == Verdict.DENY ? before : after;
        FlowTrace allow = deny == before ? after : before;
        Hop deciding = deny.hops().stream().filter(h -> h.verdict() == Verdict.DENY).findFirst().orElse(null);
        Diff.By denyBy = deciding == null ? new Diff.By(null, null, null) : by(deciding);
        Hop same = deciding == null ? null : allow.hops().stream().filter(h -> sameHop(h, deciding)).findFirst().orElse(null);
        if (same == null) same = allow.hops().stream().filter(h -> h.rule() != null).findFirst().orElse(null);
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
