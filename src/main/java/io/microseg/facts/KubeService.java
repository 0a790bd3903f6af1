package io.microseg.facts;

import io.microseg.inventory.ServiceType;

/**
 * A Kubernetes service as the rules see it. {@code hasClusterIp} is false for headless and
 * ExternalName services; {@code preservesClientIp} is {@code externalTrafficPolicy: Local}.
 */
public record KubeService(String id, String cluster, ServiceType type, boolean hasClusterIp,
                          boolean hasLoadBalancerIp, boolean preservesClientIp) {}
