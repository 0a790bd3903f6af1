package io.microseg.bench;

import io.microseg.inventory.ContainerPort;

import java.util.List;

/**
 * A synthetic deployment: pods of one app in one namespace, with the labels real deployments carry
 * (app, tier, environment, team, pod-template-hash) and the container ports its service targets.
 * {@code exposed} pods carry {@code exposure: public}: their service is a NodePort or LoadBalancer.
 */
record Deployment(String namespace, String app, String tier, String environment, String team, String templateHash,
                  List<ContainerPort> ports, boolean exposed) {}
