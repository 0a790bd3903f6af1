package io.microseg.facts;

import io.microseg.net.Protocol;

/**
 * On some pods a NetworkPolicy's {@code subject} selects, the named port {@code name} of {@code protocol}
 * is {@code port}: a container of each declares it so. {@code pods} is the selector id of exactly those
 * pods. A selected pod whose containers do not declare the name is in no such fact.
 */
public record NetpolNamedPort(String policy, String subject, String name, Protocol protocol, int port, String pods) {}
