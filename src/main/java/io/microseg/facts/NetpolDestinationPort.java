package io.microseg.facts;

import io.microseg.net.Protocol;

/**
 * Among the destination pods of one peer of a NetworkPolicy's egress rule ({@code peer}: its selector
 * id, null for a rule without peers, which reaches every pod), the named port {@code name} of
 * {@code protocol} is {@code port} on those of selector id {@code pods}: a container of each declares
 * it so. A destination pod whose containers do not declare the name is in no such fact.
 */
public record NetpolDestinationPort(String policy, String peer, String name, Protocol protocol, int port, String pods) {}
