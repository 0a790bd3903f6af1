package io.microseg.policy;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether a workspace's DENY rules drop ({@code ENFORCE}, the default) or only count and log what they
 * would drop ({@code AUDIT}), letting the next rule decide. Its ALLOW rules allow either way.
 */
public enum Enforcement {
    ENFORCE, AUDIT;

    /** {@code enforce} or {@code audit}, in any case; empty for anything else. */
    public static Optional<Enforcement> parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "enforce" -> Optional.of(ENFORCE);
            case "audit" -> Optional.of(AUDIT);
            default -> Optional.empty();
        };
    }

    /** The spelling of the Workspace field: {@code enforce} or {@code audit}. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
