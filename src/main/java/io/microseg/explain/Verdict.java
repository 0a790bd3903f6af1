package io.microseg.explain;

/** What a hop, or a whole flow, does with the traffic. */
public enum Verdict { ALLOW, DENY }
