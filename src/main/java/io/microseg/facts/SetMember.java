package io.microseg.facts;

/** An address belongs to an address set. */
public record SetMember(String set, String ip) {}
