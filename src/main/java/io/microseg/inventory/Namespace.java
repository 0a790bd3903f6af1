package io.microseg.inventory;

public record Namespace(String cluster, String name, Labels labels) {}
