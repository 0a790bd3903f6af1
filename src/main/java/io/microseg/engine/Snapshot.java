package io.microseg.engine;

import io.microseg.compile.Compilation;

/** The compiled rules as of one version. */
public record Snapshot(long version, Compilation compilation) {}
