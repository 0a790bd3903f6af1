package io.microseg.explain;

import io.microseg.inventory.Node;
import io.microseg.net.Protocol;
import io.microseg.policy.Direction;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects one flow as {@link KubeProxyPaths} walks it: each hop decided by the {@link RuleEvaluator}
 * as it is added, with its context; what blocks the flow outside the firewalls; notes; the path in
 * words. {@link #finish} explains each denying hop ({@link WhyNot}, when asked) and gives the verdict:
 * ALLOW only when every hop allows and nothing blocks.
 */
final class FlowBuilder {
    final End src;
    final End dst;
    final Protocol protocol;
    final int port;
    final boolean explain;
    final List<Hop> hops = new ArrayList<>();
    final List<String> blocked = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    String path = "";
    /** The node where the flow enters the service's cluster and is DNATed (node port, load balancer); null when none. */
    Node entry;
    private final List<HopContext> contexts = new ArrayList<>();
    private final RuleEvaluator rules;
    private final WhyNot whyNot;

    FlowBuilder(End src, End dst, Protocol protocol, int port, boolean explain, RuleEvaluator rules, WhyNot whyNot) {
        this.src = src;
        this.dst = dst;
        this.protocol = protocol;
        this.port = port;
        this.explain = explain;
        this.rules = rules;
        this.whyNot = whyNot;
    }

    /** Adds a hop: {@code subject}'s firewall, seeing {@code peer} and its own {@code localAddress} (null: none applies). */
    void hop(Hop.Step step, End subject, Direction direction, Peer peer, String localAddress, int hopPort, HopContext ctx) {
        hop(step, subject, direction, peer, localAddress, hopPort, null, ctx);
    }

    /** As above, the destination after the client node's DNAT being {@code dnat} (null: none) for the rules judged after it. */
    void hop(Hop.Step step, End subject, Direction direction, Peer peer, String localAddress, int hopPort, RuleEvaluator.Dnat dnat,
             HopContext ctx) {
        hops.add(rules.evaluate(step, subject, direction, peer, localAddress, protocol, hopPort, dnat));
        contexts.add(ctx);
    }

    /** Adds a note once. */
    void note(String note) {
        if (!notes.contains(note)) notes.add(note);
    }

    FlowTrace finish() {
        List<Hop> done = new ArrayList<>();
        for (int i = 0; i < hops.size(); i++) {
            Hop h = hops.get(i);
            done.add(explain && h.verdict() == Verdict.DENY ? h.withWhy(whyNot.reasons(h, contexts.get(i))) : h);
        }
        boolean allow = blocked.isEmpty() && done.stream().allMatch(h -> h.verdict() == Verdict.ALLOW);
        return new FlowTrace(src.id(), dst.id(), protocol, port, path, done, blocked, notes, allow ? Verdict.ALLOW : Verdict.DENY);
    }
}
