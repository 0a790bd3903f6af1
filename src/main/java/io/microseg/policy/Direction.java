package io.microseg.policy;

public enum Direction { INGRESS, EGRESS }
