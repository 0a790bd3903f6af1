package io.microseg.facts;

import io.microseg.net.Protocol;

/**
 * One peer and port of one ingress rule of a NetworkPolicy: the pods {@code subject} selects accept
 * {@code peer} (a selector id; null: any address) on {@code protocol} and {@code ports} ("" every
 * port; ANY with "" when the rule lists no ports; "80-90" for an endPort range). {@code scope} is
 * that of every workload. {@code peerBlock} says the peer is an ipBlock (its set holds addresses
 * beside the workloads in it). {@code portName}, when not null, is a named port still to resolve per
 * pod ({@link NetpolNamedPort}); {@code ports} is then "".
 */
public record NetpolIngress(String policy, String subject, String scope, String peer, boolean peerBlock, Protocol protocol,
                            String ports, String portName) {

    /** This entry on the pods where its named port means {@code n.port()}: numbered, on those pods alone. */
    public NetpolIngress resolved(NetpolNamedPort n) {
        return new NetpolIngress(policy, n.pods(), scope, peer, peerBlock, protocol, Integer.toString(n.port()), null);
    }
}
