package io.microseg.deploy;

import java.util.List;

/** What one attempt to deploy the rules folder did. */
public sealed interface DeployOutcome {
    /** The new rule set is in force; {@code removed} are the DRL rules it removed, as asked. */
    record Applied(RuleSetInForce inForce, List<String> added, List<String> removed) implements DeployOutcome {
        public Applied {
            added = List.copyOf(added);
            removed = List.copyOf(removed);
        }
    }

    /** The folder holds the rule set already in force. */
    record Unchanged(RuleSetInForce inForce) implements DeployOutcome {}

    /** Nothing changed: the running rules stay. */
    record Refused(RefusedDeploy refusal) implements DeployOutcome {}
}
