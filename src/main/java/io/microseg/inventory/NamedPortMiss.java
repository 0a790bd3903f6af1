package io.microseg.inventory;

/** A pod selected by a service lacks the container port its named targetPort refers to. */
public record NamedPortMiss(String serviceId, String portKey, String podId, String name) {}
