package io.microseg.controlplane;

import java.util.List;

/** One reason a concrete rule exists: the DRL rule's source and the ids of the facts it matched. */
public record Justification(RuleSource source, List<String> matched) {}
