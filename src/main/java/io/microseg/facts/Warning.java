package io.microseg.facts;

/** Something a policy expert should know about a policy ({@code <workspace>/<id>}). */
public record Warning(String policy, String message) {}
