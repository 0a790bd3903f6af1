package io.microseg.facts;

import io.microseg.net.Protocol;

/**
 * One peer and port of one egress rule of a NetworkPolicy: the pods {@code subject} selects reach
 * {@code peer} (a selector id; null: any address) on {@code protocol} and {@code ports} ("" every
 * port; ANY with "" when the rule lists no ports; "80-90" for an endPort range), the destination as
 * it is after the DNAT of the client's node. {@code scope} is that of every workload. {@code peerBlock}
 * says the peer is an ipBlock (its set holds addresses beside the workloads in it). {@code portName},
 * when not null, is a named port still to resolve on each destination pod ({@link NetpolDestinationPort});
 * {@code ports} is then "".
 */
public record NetpolEgress(String policy, String subject, String scope, String peer, boolean peerBlock, Protocol protocol,
                           String ports, String portName) {

    /** This entry towards the destination pods where its named port means {@code d.port()}: numbered, to those pods alone. */
    public NetpolEgress resolved(NetpolDestinationPort d) {
        return new NetpolEgress(policy, subject, scope, d.pods(), false, protocol, Integer.toString(d.port()), null);
    }
}
