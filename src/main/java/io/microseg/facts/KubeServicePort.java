package io.microseg.facts;

import io.microseg.net.Protocol;

/** One port of a service; {@code nodePort} is null (and {@code hasNodePort} false) when none is allocated. */
public record KubeServicePort(String service, String portKey, Protocol protocol, int port, Integer nodePort,
                              boolean hasNodePort) {}
