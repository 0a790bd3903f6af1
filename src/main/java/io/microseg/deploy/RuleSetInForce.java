package io.microseg.deploy;

import java.time.Instant;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The rule set the engine runs: the digest of its DRL ({@code sha256:...} over file names and
 * contents, as {@code check-rules} prints it), the names of its DRL rules, when it was applied and the
 * version of the change set that carried it to the agents.
 */
public record RuleSetInForce(String digest, SortedSet<String> ruleNames, Instant appliedAt, long version) {
    public RuleSetInForce {
        ruleNames = Collections.unmodifiableSortedSet(new TreeSet<>(ruleNames));
    }
}
