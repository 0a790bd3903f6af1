package io.microseg.policy;

/** Evaluation order on a workload: absolute policies, then default ones, then the workspace's catch-all. */
public enum Rank { ABSOLUTE, DEFAULT, CATCHALL }
