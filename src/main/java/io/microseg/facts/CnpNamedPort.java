package io.microseg.facts;

import io.microseg.net.Protocol;
import io.microseg.policy.Direction;

/**
 * A destination named port of a ClusterNetworkPolicy rule, resolved: on some of the destination pods
 * of {@code over} (the subject's selector id for an INGRESS rule, the peer's for an EGRESS one), the
 * container port named {@code name} is {@code port} on {@code protocol}. {@code pods} is the selector
 * id of exactly those pods. A destination pod whose containers do not declare the name is in no such fact.
 */
public record CnpNamedPort(String policy, Direction direction, String over, String name, Protocol protocol, int port, String pods) {}
