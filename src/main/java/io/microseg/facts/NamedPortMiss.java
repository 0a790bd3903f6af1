package io.microseg.facts;

/** A pod selected by a service lacks the container port a named targetPort refers to, so it gets no traffic on that port. */
public record NamedPortMiss(String service, String portKey, String pod, String portName) {}
