package io.microseg.deploy;

import java.util.Locale;

/**
 * Why a rule set was not applied. In every case the running rules stay in force and every agent keeps
 * every rule it has: a deploy that is not complete and correct fails closed.
 */
public enum RefusalReason {
    /** No {@code .drl} file (or no rule at all), or no folder: with no rules every chain accepts. */
    EMPTY,
    /** Files still appearing or changing: not a rule set yet. */
    UNSETTLED,
    /** The folder or a file could not be read. */
    UNREADABLE,
    /** The folder or a file may be written by others than the server's user (or root), who would run code as the server. */
    UNTRUSTED,
    /** The code check refused DRL that names classes outside the rules' vocabulary. */
    NOT_ALLOWED,
    /** The DRL does not build (or the new rules failed on the current state). */
    BUILD_FAILED,
    /** The new rule set lacks DRL rules the running one has: removing rules must be asked for by name. */
    DROPS_RULES,
    /** The removal asked for is not exactly the rules the new rule set drops. */
    REMOVE_MISMATCH;

    /** The reason as the API, logs and the metric's {@code reason} label spell it: {@code drops_rules}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
