package io.microseg.explain;

import io.microseg.controlplane.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.controlplane.CompiledRule;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;

/**
 * Decides one hop as the agent's chain does: the first rule of the enforcing workload, in evaluation
 * order, that matches the direction, the protocol (ANY matches all), the port range ("" is every
 * port), the peer (set membership; a null set is any address; a masqueraded node-local address is a
 * member of the one set the agent adds it to) and the local address (a rule's local set; null is any
 * address of the workload). A workload with no rules at all is open (no workspace's scope includes
 * it); one whose rules of this direction all miss is open too. An audited DENY (a DENY of a workspace
 * in audit mode) decides nothing: the agent counts and logs what it matches and the next rule decides,
 * so it is passed over here and named in the decision. A PASS rule (a ClusterNetworkPolicy's Pass) decides
 * nothing either: it skips the remaining rules of its rank (its tier) and the first rule of the next rank
 * goes on, as the agent's {@code return} from the tier's chain does; it is named in the decision. An end
 * outside the inventory has no agent: its hop is unmanaged, not enforced. A rule judged after DNAT
 * ({@link CompiledRule#afterDnat}, a NetworkPolicy's egress) matches the destination after the client
 * node's DNAT when the hop has one (the backend and its target port), and the destination as sent otherwise.
 */
final class RuleEvaluator {
    private final Compilation compilation;
    /** Each workload's rules, made the first time a hop asks for them: a trace reads a few workloads of thousands. */
    private final Map<String, List<CompiledRule>> rulesByWorkload = new ConcurrentHashMap<>();
    private final SetIndex sets;

    RuleEvaluator(Compilation compilation) {
        this.compilation = compilation;
        sets = new SetIndex(compilation.sets());
    }

    /** The address sets of the compile, by id. */
    Map<String, AddressSet> sets() {
        return sets.byId();
    }

    /** The sets of the compile, for membership. */
    SetIndex setIndex() {
        return sets;
    }

    /** A workload's rules, both directions, in evaluation order. */
    List<CompiledRule> rulesOf(String workload) {
        return rulesByWorkload.computeIfAbsent(workload, compilation::rulesOf);
    }

    /** The workload whose firewall enforces an end's rules: a hostNetwork pod's are on its node. */
    static String enforcer(End e) {
        return e.item() == null ? e.id() : Firewalls.enforcer(e.item());
    }

    /**
     * One hop: the first rule of the enforcer, in evaluation order, that matches direction, protocol,
     * port, peer and local address ({@code localAddress}: the enforcer's own address on this hop).
     */
    Hop evaluate(Hop.Step step, End subject, Direction direction, Peer peer, String localAddress, Protocol protocol, int port) {
        return evaluate(step, subject, direction, peer, localAddress, protocol, port, null);
    }

    /** The destination after the client node's DNAT: the backend and its target port. */
    record Dnat(Peer to, int port) {}

    /** As above; {@code dnat} (or null) is the destination after the client node's DNAT, for the rules judged after it. */
    Hop evaluate(Hop.Step step, End subject, Direction direction, Peer peer, String localAddress, Protocol protocol, int port, Dnat dnat) {
        if (subject.kind() == End.Kind.OUTSIDE) {
            return hop(step, subject.id(), subject.id(), direction, peer, localAddress, protocol, port, dnat, Verdict.ALLOW, null, 0, 0,
                    "unmanaged: an address in no inventory has no agent and no rules of its own, not enforced");
        }
        String enforcer = enforcer(subject);
        List<CompiledRule> all = rulesOf(enforcer);
        List<CompiledRule> mine = all.stream().filter(r -> r.direction() == direction).toList();
        if (all.isEmpty()) {
            return hop(step, subject.id(), enforcer, direction, peer, localAddress, protocol, port, dnat, Verdict.ALLOW, null, 0, 0,
                    "no rule: no workspace's scope includes this workload (open)");
        }
        List<String> audited = new ArrayList<>();
        for (int i = 0; i < mine.size(); i++) {
            CompiledRule r = mine.get(i);
            if (matches(r, protocol, port, peer, localAddress, dnat)) {
                if (r.audited()) {
                    audited.add("rule " + r.id() + " of " + r.policy());
                    continue;
                }
                if (r.passes()) {
                    audited.add("PASS rule " + r.id() + " of " + r.policy() + " (skips the rest of the " + r.rank() + " tier)");
                    while (i + 1 < mine.size() && mine.get(i + 1).rank() == r.rank()) i++;
                    continue;
                }
                Verdict v = r.action() == Action.ALLOW ? Verdict.ALLOW : Verdict.DENY;
                return hop(step, subject.id(), enforcer, direction, peer, localAddress, protocol, port, dnat, v, r, i + 1, mine.size(),
                        (r.rank() == Rank.CATCHALL ? "the catch-all of workspace " : "policy ")
                                + (r.rank() == Rank.CATCHALL ? r.policy().substring(0, r.policy().lastIndexOf('/')) : r.policy())
                                + passed(audited));
            }
        }
        return hop(step, subject.id(), enforcer, direction, peer, localAddress, protocol, port, dnat, Verdict.ALLOW, null, 0, mine.size(),
                "no rule matches (open)" + passed(audited));
    }

    /**
     * The rules a hop went past without a decision, in words: an audited DENY would have dropped it and counts it
     * instead; a PASS rule skipped the rest of its tier.
     */
    private static String passed(List<String> passed) {
        if (passed.isEmpty()) return "";
        List<String> audited = passed.stream().filter(p -> !p.startsWith("PASS ")).toList();
        List<String> tiers = passed.stream().filter(p -> p.startsWith("PASS ")).toList();
        return (tiers.isEmpty() ? "" : "; passed by " + String.join(", ", tiers))
                + (audited.isEmpty() ? "" : "; passed audited DENY " + String.join(", ", audited) + " (counted and logged, not dropped)");
    }

    private static Hop hop(Hop.Step step, String workload, String enforcer, Direction direction, Peer peer, String localAddress,
                           Protocol protocol, int port, Dnat dnat, Verdict verdict, CompiledRule rule, int position, int of, String decision) {
        return new Hop(step, workload, enforcer, direction, peer.name(), peer.address(), peer.memberOf(), localAddress, protocol,
                port, dnat == null ? null : dnat.to().address(), dnat == null ? 0 : dnat.port(), verdict, rule, position, of, decision,
                List.of());
    }

    /** Whether a rule matches what {@code hop} saw. */
    boolean matches(CompiledRule r, Hop hop) {
        Dnat dnat = hop.dnatAddress() == null ? null : new Dnat(Peer.at(hop.peer(), hop.dnatAddress()), hop.dnatPort());
        return matches(r, hop.protocol(), hop.port(), new Peer(hop.peer(), hop.peerAddress(), hop.peerMemberOf()), hop.localAddress(), dnat);
    }

    /** Whether any EGRESS rule of the workload that enforces {@code e} is judged after DNAT: its service traffic is judged per backend. */
    boolean judgesAfterDnat(End e) {
        if (e.kind() == End.Kind.OUTSIDE) return false;
        return rulesOf(enforcer(e)).stream().anyMatch(r -> r.afterDnat() && !r.ingress());
    }

    /** {@link #matches(CompiledRule, Protocol, int, Peer, String)}, a rule judged after DNAT seeing {@code dnat} when there is one. */
    boolean matches(CompiledRule r, Protocol protocol, int port, Peer peer, String localAddress, Dnat dnat) {
        if (r.afterDnat() && dnat != null) return matches(r, protocol, dnat.port(), dnat.to(), localAddress);
        return matches(r, protocol, port, peer, localAddress);
    }

    /**
     * Whether a rule matches: protocol (ANY matches all), port range ("" is every port), peer set
     * membership (null is any) and local set membership of {@code localAddress} (null set is any).
     */
    boolean matches(CompiledRule r, Protocol protocol, int port, Peer peer, String localAddress) {
        if (r.protocol() != Protocol.ANY && r.protocol() != protocol) return false;
        if (!r.ports().isEmpty() && !inRange(r.ports(), port)) return false;
        if (r.localSet() != null && !inSet(r.localSet(), localAddress)) return false;
        if (r.peerSet() == null) return true;
        return peer.address() != null ? inSet(r.peerSet(), peer.address()) : r.peerSet().equals(peer.memberOf());
    }

    static boolean inRange(String ports, int port) {
        int dash = ports.indexOf('-');
        int from = Integer.parseInt(dash < 0 ? ports : ports.substring(0, dash));
        int to = dash < 0 ? from : Integer.parseInt(ports.substring(dash + 1));
        return port >= from && port <= to;
    }

    /** Whether an address set holds an address ({@link SetIndex#contains}). */
    boolean inSet(String set, String address) {
        return sets.contains(set, address);
    }
}
