package io.microseg.inventory;

import io.microseg.net.Protocol;

/** A port a pod's container declares; {@code name} may be null. Named target ports resolve against these. */
public record ContainerPort(String name, int port, Protocol protocol) {}
