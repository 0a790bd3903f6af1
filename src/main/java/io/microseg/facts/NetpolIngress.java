package io.microseg.facts;

import io.microseg.net.Protocol;

/**
 * One peer and port of one ingress rule of a NetworkPolicy: the pods {@code subject} selects accept
 * {@code peer} (a selector id; null: any address) on {@code protocol} and {@code ports} ("" every
 * port; ANY with "" when the rule lists no ports). {@code scope} is that of every workload.
 */
public record NetpolIngress(String policy, String subject, String scope, String peer, Protocol protocol, String ports) {}
