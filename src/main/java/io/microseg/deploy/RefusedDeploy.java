package io.microseg.deploy;

import io.microseg.compile.DrlProblem;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A rule set that was not applied, and why.
 *
 * @param reason   the kind of refusal
 * @param detail   what was found, in words (the folder, the files, the first problem)
 * @param digest   the digest of the refused content; null when there was no content to digest
 * @param dropped  the DRL rules the refused set would have removed (for {@link RefusalReason#DROPS_RULES}
 *                 and {@link RefusalReason#REMOVE_MISMATCH}), sorted
 * @param problems each DRL problem at its {@code rules/<file>.drl:<line>:<col>} (code check or build)
 * @param at       when it was refused
 */
public record RefusedDeploy(RefusalReason reason, String detail, String digest, List<String> dropped, List<DrlProblem> problems,
                            Instant at) {
    public RefusedDeploy {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        dropped = List.copyOf(dropped);
        problems = List.copyOf(problems);
        Objects.requireNonNull(at, "at");
    }

    /** Whether another refusal says the same thing (to log and count a refusal once, not at every poll). */
    boolean repeats(RefusedDeploy other) {
        return other != null && reason == other.reason && detail.equals(other.detail) && Objects.equals(digest, other.digest);
    }
}
