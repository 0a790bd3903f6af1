package io.microseg.cli;

/** How the bench commands print their report: {@code text} for people, {@code json} (one object on one line) for tools. */
enum BenchFormat { json, text }
