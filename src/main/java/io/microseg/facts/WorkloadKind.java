package io.microseg.facts;

public enum WorkloadKind { HOST, NODE, POD }
