package io.microseg.facts;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;

/**
 * One peer and one protocols entry of one rule of a ClusterNetworkPolicy: {@code action} (ALLOW for
 * Accept, DENY, PASS) on the connections of the pods {@code subject} selects from ({@code direction}
 * INGRESS) or to (EGRESS) {@code peer} (a selector id), on {@code protocol} and {@code ports} ("" every
 * port; ANY with "" when the rule has no protocols; "80-90" for a range), in rank {@code tier} at
 * {@code priority} ({@link CnpRules#priority}). {@code scope} is that of every workload.
 * {@code peerBlock} says the peer is a networks peer (its set holds addresses beside the workloads in
 * it). {@code portName}, when not null, is a destination named port still to resolve per destination
 * pod ({@link CnpNamedPort}); {@code protocol} is then ANY and {@code ports} "". {@code label} names the
 * rule in its policy ({@code ingress[3] deny-from-slytherin}), for explain.
 */
public record CnpRule(String policy, Rank tier, int priority, Action action, Direction direction, String subject, String scope,
                      String peer, boolean peerBlock, Protocol protocol, String ports, String portName, String label) {

    /** Whether the rule is a Pass: it skips the rest of its tier. */
    public boolean pass() {
        return action == Action.PASS;
    }

    /** This entry where its named port means {@code n.port()} on {@code n.protocol()}: numbered, towards those pods alone. */
    public CnpRule resolved(CnpNamedPort n) {
        String s = direction == Direction.INGRESS ? n.pods() : subject;
        String p = direction == Direction.INGRESS ? peer : n.pods();
        return new CnpRule(policy, tier, priority, action, direction, s, scope, p, peerBlock, n.protocol(), Integer.toString(n.port()),
                null, label);
    }
}
